"""Publications in the admin: read only, with their history. The publication page changes them."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from public.models import Publication


@admin.register(Publication)
class PublicationAdmin(SimpleHistoryAdmin):
    list_display = ["indicator", "year_label", "published_by", "published_at"]
    list_filter = ["financial_year"]
    search_fields = ["indicator__code", "indicator__name"]
    readonly_fields = ["indicator", "financial_year", "published_by", "published_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
