"""The performance team's admin: indicators with their thresholds and recent
results inline, the latest value and RAG in the list, history on every record."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import DateField, Value
from django.utils import timezone
from django.utils.html import format_html
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from indicators.dashboard import KpiRow, dashboard_queryset, indicator_row, latest_data_period
from indicators.forms import FinancialYearField, PeriodField
from indicators.models import Commentary, Committee, Directorate, ImportRecord, Indicator, Result, Threshold
from indicators.periods import add_months, period_label
from indicators.resources import IndicatorResource, ResultResource, ThresholdResource

admin.site.site_header = "kpidash administration"
admin.site.site_title = "kpidash"
admin.site.index_title = "Performance team"


class HistoryImportExportAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    """Spreadsheet import/export plus the audit history of each record."""


@admin.register(Directorate)
class DirectorateAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "direction_basis"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["directorates"]


class ThresholdForm(forms.ModelForm):
    financial_year = FinancialYearField()

    class Meta:
        model = Threshold
        fields = [
            "indicator",
            "financial_year",
            "scheme",
            "target",
            "floor",
            "green_tolerance",
            "amber_tolerance",
            "tolerance_unit",
            "lower",
            "upper",
        ]


class ThresholdInline(admin.TabularInline):
    model = Threshold
    form = ThresholdForm
    extra = 0
    fields = [
        "financial_year",
        "scheme",
        "target",
        "floor",
        "green_tolerance",
        "amber_tolerance",
        "tolerance_unit",
        "lower",
        "upper",
    ]


class ResultForm(forms.ModelForm):
    period = PeriodField()

    class Meta:
        model = Result
        fields = ["indicator", "period", "value", "numerator", "denominator"]


class RecentResultInline(admin.TabularInline):
    """The last two years of results; older ones are in the Results list."""

    model = Result
    form = ResultForm
    extra = 1
    fields = ["period", "value", "numerator", "denominator"]
    verbose_name_plural = "results (last 24 months)"

    def get_queryset(self, request):
        since = add_months(timezone.localdate().replace(day=1), -24)
        return super().get_queryset(request).filter(period__gte=since).order_by("-period")


@admin.register(Indicator)
class IndicatorAdmin(HistoryImportExportAdmin):
    resource_classes = [IndicatorResource]
    list_display = [
        "code",
        "name",
        "kind",
        "polarity",
        "frequency",
        "directorate",
        "latest_value",
        "latest_rag",
        "active",
    ]
    list_display_links = ["code", "name"]
    list_filter = ["kind", "polarity", "frequency", "unit", "directorate", "active"]
    search_fields = ["code", "name", "definition"]
    filter_horizontal = ["owners"]
    inlines = [ThresholdInline, RecentResultInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "definition", "kind", "directorate", "owners", "active"]}),
        ("Measure", {"fields": ["polarity", "unit", "decimals", "frequency", "ytd_method", "headline"]}),
        ("Source", {"fields": ["data_source"]}),
    ]

    def get_queryset(self, request):
        # The list shows each indicator's position as at the newest period
        # with data, prefetched for the page rather than queried per row.
        queryset = super().get_queryset(request)
        match = request.resolver_match
        if match and match.url_name == "indicators_indicator_changelist":
            period = latest_data_period()
            if period:
                position = Value(period, output_field=DateField())
                return dashboard_queryset(queryset, period).annotate(position_period=position)
        return queryset

    def _row(self, obj: Indicator):
        period = getattr(obj, "position_period", None)
        return indicator_row(obj, period) if period else None

    @admin.display(description="Latest value")
    def latest_value(self, obj: Indicator) -> str:
        row = self._row(obj)
        if row is None or row.period is None:
            return "–"
        return f"{obj.format(row.value)} ({period_label(row.period)})"

    @admin.display(description="RAG")
    def latest_rag(self, obj: Indicator) -> str:
        row = self._row(obj)
        if not isinstance(row, KpiRow):
            return "–"
        return format_html('<span class="kp-admin-rag">{}</span>', row.month_rag.label)


class IndicatorFixedOnChange:
    """A saved figure keeps its indicator: to record it against another, delete it and add it there.

    Moving it would leave the first indicator's cached pages and dashboard rows
    showing it (a save makes stale only the indicator it is saved for), and its
    history would start half-way under another indicator.
    """

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "indicator"] if obj is not None else fields


@admin.register(Threshold)
class ThresholdAdmin(IndicatorFixedOnChange, HistoryImportExportAdmin):
    resource_classes = [ThresholdResource]
    form = ThresholdForm
    list_display = ["indicator", "year_label", "scheme", "target", "floor", "lower", "upper"]
    list_filter = ["financial_year", "scheme", "indicator__kind", "indicator__directorate"]
    search_fields = ["indicator__code", "indicator__name"]
    list_select_related = ["indicator"]
    autocomplete_fields = ["indicator"]

    @admin.display(description="Financial year", ordering="financial_year")
    def year_label(self, obj: Threshold) -> str:
        return obj.year_label


@admin.register(Result)
class ResultAdmin(IndicatorFixedOnChange, HistoryImportExportAdmin):
    resource_classes = [ResultResource]
    form = ResultForm
    list_display = ["indicator", "period_label", "value", "numerator", "denominator", "entered_by", "updated_at"]
    list_filter = ["indicator__directorate", "indicator__kind", "period"]
    search_fields = ["indicator__code", "indicator__name"]
    list_select_related = ["indicator", "entered_by"]
    autocomplete_fields = ["indicator"]
    date_hierarchy = "period"

    @admin.display(description="Period", ordering="period")
    def period_label(self, obj: Result) -> str:
        return obj.period_label

    def save_model(self, request, obj, form, change):
        if not change:
            obj.entered_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Commentary)
class CommentaryAdmin(IndicatorFixedOnChange, SimpleHistoryAdmin):
    list_display = ["indicator", "period", "status", "author", "approver", "approved_at"]
    list_filter = ["status", "indicator__directorate", "period"]
    search_fields = ["indicator__code", "indicator__name", "text"]
    list_select_related = ["indicator", "author", "approver"]
    autocomplete_fields = ["indicator"]
    raw_id_fields = ["author", "approver"]


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
