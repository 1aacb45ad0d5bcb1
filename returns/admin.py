from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from returns.models import ReportingPeriod


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(SimpleHistoryAdmin):
    list_display = ["period", "status", "deadline", "opened_by", "closed_by"]
    list_filter = ["status"]
    readonly_fields = ["opened_by", "opened_at", "closed_by", "closed_at"]
