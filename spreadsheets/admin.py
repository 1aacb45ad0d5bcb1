from django.contrib import admin

from spreadsheets.models import ImportRecord


@admin.register(ImportRecord)
class ImportRecordAdmin(admin.ModelAdmin):
    """A read-only log of applied spreadsheet imports."""

    list_display = ["file_name", "source", "user", "created_at", "total_changed"]
    list_filter = ["source", "created_at"]
    search_fields = ["file_name", "user__username"]
    list_select_related = ["user"]
    readonly_fields = ["file_name", "source", "user", "created_at", "counts"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
