from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from indicators.admin import NoRevertMixin
from returns.bank_holidays import NATIONS, configured_nation
from returns.models import BankHolidayChange, ReportingPeriod
from returns.workdays import deadline_warning


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(NoRevertMixin, SimpleHistoryAdmin):  # a revert would reopen or close a month
    list_display = ["period", "status", "deadline", "opened_by", "closed_by"]
    list_filter = ["status"]
    # A month is opened and closed on the Periods page (`returns.services.period_open` and
    # `period_close`: the performance team's check, the month's lock against saves in flight,
    # who and when). Here only its deadline can change.
    readonly_fields = ["period", "status", "opened_by", "opened_at", "closed_by", "closed_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            link = format_html('<a href="{}">Periods page</a>', reverse("periods"))
            messages.info(request, format_html("Open, close or reopen a month on the {}.", link))
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change) -> None:
        """Saved, with a warning when the council is closed on the deadline.

        A warning rather than an error: a deadline on a closed day is usually a
        slip, but the team may mean it (returns can be entered any day), so the
        choice stays theirs.
        """
        super().save_model(request, obj, form, change)
        warning = deadline_warning(obj.deadline)
        if warning:
            messages.warning(request, warning)


@admin.register(BankHolidayChange)
class BankHolidayChangeAdmin(SimpleHistoryAdmin):
    list_display = ["day", "change", "name"]
    list_filter = ["change"]
    date_hierarchy = "day"

    def changelist_view(self, request, extra_context=None):
        nation = NATIONS[configured_nation()]
        extra_context = {**(extra_context or {}), "title": f"Changes to the bank holidays of {nation}"}
        return super().changelist_view(request, extra_context)
