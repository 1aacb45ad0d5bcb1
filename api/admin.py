"""Administrators see every API token and revoke one (a leaver's, a leaked one); nobody makes one here."""

from django.contrib import admin, messages
from simple_history.admin import SimpleHistoryAdmin

from api.models import ApiToken
from api.tokens import token_revoke
from indicators.admin import NoRevertMixin


@admin.register(ApiToken)
class ApiTokenAdmin(NoRevertMixin, SimpleHistoryAdmin):  # a revert would un-revoke a token
    list_display = ["name", "user", "prefix", "created_at", "expires_at", "last_used_on", "status"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username", "prefix"]
    readonly_fields = ["user", "name", "prefix", "created_at", "expires_at", "last_used_on", "revoked_at"]
    exclude = ["digest"]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False  # a token's secret is shown once, to its user: they make it on the API tokens page

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset) -> None:
        for token in queryset:
            token_revoke(token=token)
        messages.success(request, f"Revoked {queryset.count()} token{'s' if queryset.count() != 1 else ''}.")
