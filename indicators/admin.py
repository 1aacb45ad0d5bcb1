"""The performance team's admin: indicators with their thresholds and recent
results inline, the latest value and RAG in the list, history on every record.

Results and commentary are read only here (`ReturnOnlyAdmin`), and nothing
imports or exports spreadsheets: the return page and the Spreadsheets page
change them through the services that keep the returns' rules."""

from __future__ import annotations

import copy

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from indicators.dashboard import KpiRow, indicator_row, latest_data_period, positions
from indicators.forms import FinancialYearField, NumberField
from indicators.models import (
    FIGURE_RULE_FIELDS,
    Commentary,
    Committee,
    Directorate,
    Indicator,
    Phase,
    Result,
    Threshold,
    stored_figure_errors,
)
from indicators.periods import add_months, period_label
from indicators.spc_chart import proposed_target_assurance

admin.site.site_header = "kpidash administration"
admin.site.site_title = "kpidash"
admin.site.index_title = "Performance team"


@admin.register(Directorate)
class DirectorateAdmin(admin.ModelAdmin):  # no HistoricalRecords (as Committee): the admin's own log is its history
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
        field_classes = dict.fromkeys(
            ["target", "floor", "green_tolerance", "amber_tolerance", "lower", "upper"], NumberField
        )
        fields = ["indicator", "financial_year", *Threshold.RULE_FIELDS]


def target_assurance_text(threshold: Threshold) -> str:
    """Where the threshold's target sits against the indicator's current SPC process limits; "" without one.

    Informational (issue 16, target assurance): a target the process cannot reach is still saved.
    """
    indicator = threshold.indicator
    if threshold.target is None or not indicator.is_kpi or indicator.pk is None:
        return ""
    results = Result.objects.filter(indicator=indicator).only("period", "value")
    said = proposed_target_assurance(indicator, results, indicator.phases.all(), threshold.target)
    return said.text


def _say_target_assurance(request, threshold: Threshold) -> None:
    if text := target_assurance_text(threshold):
        messages.info(request, f"{threshold.indicator.code} {threshold.year_label} target, by SPC: {text}")


class ThresholdInline(admin.TabularInline):
    model = Threshold
    form = ThresholdForm
    extra = 0
    fields = ["financial_year", *Threshold.RULE_FIELDS]


class PhaseInline(admin.TabularInline):
    """SPC phases: each starts fresh process limits from its period (issue 16, rebasing)."""

    model = Phase
    extra = 0
    fields = ["start", "reason"]
    verbose_name_plural = "SPC phases (rebased limits)"


class RecentResultInline(admin.TabularInline):
    """The last two years of results, read only (see `ReturnOnlyAdmin`); older ones are in the Results list."""

    model = Result
    extra = 0
    fields = ["period", "value", "numerator", "denominator"]
    readonly_fields = fields
    verbose_name_plural = "results (last 24 months)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        since = add_months(timezone.localdate().replace(day=1), -24)
        return super().get_queryset(request).filter(period__gte=since).order_by("-period")


class IndicatorForm(forms.ModelForm):
    """A change to what the indicator's stored figures are checked against (its unit, its two flags, its
    frequency) is refused while a figure would no longer pass, as the Spreadsheets import refuses it
    (`stored_figure_errors`): the return form, the import and a site restore would refuse that figure."""

    SHOWN = 3  # problems listed; the rest are counted

    def clean(self):
        data = super().clean()
        if self.instance.pk is None or not set(self.changed_data) & set(FIGURE_RULE_FIELDS):
            return data
        candidate = copy.copy(self.instance)
        for name in FIGURE_RULE_FIELDS:
            if name in data:
                setattr(candidate, name, data[name])
        if problems := stored_figure_errors(candidate):
            more = len(problems) - self.SHOWN
            listed = " ".join(problems[: self.SHOWN]) + (f" ({more} more figures too.)" if more > 0 else "")
            fix = "Correct or withdraw them on their return pages first, or keep the definition as it was."
            self.add_error(None, f"{listed} {fix}")
        return data


def _what_it_holds(indicator: Indicator, deleted_with: set[str]) -> str:
    """The rows of other kinds that name the indicator, counted in words ("1 result, 2 commentaries"); "" if none."""
    held = []
    for relation in Indicator._meta.related_objects:
        name = relation.get_accessor_name()
        if name in deleted_with or name is None or relation.related_model.__name__.startswith("Historical"):
            continue
        count = getattr(indicator, name).count()
        if count:
            model = relation.related_model._meta
            noun = model.verbose_name if count == 1 else model.verbose_name_plural
            held.append(f"{count} {noun}")
    return ", ".join(held)


@admin.register(Indicator)
class IndicatorAdmin(SimpleHistoryAdmin):
    form = IndicatorForm
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
    inlines = [ThresholdInline, PhaseInline, RecentResultInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "definition", "kind", "directorate", "owners", "active"]}),
        ("Measure", {"fields": ["polarity", "unit", "decimals", "frequency", "ytd_method", "headline"]}),
        ("Source", {"fields": ["data_source"]}),
    ]

    # What an indicator may be deleted with: its own definition's rows. Anything else it holds (figures,
    # commentary, members' questions, actions, publications) is kept: a figure goes only by withdrawal, with
    # a reason, and an approved return, a closed month or an answered question is not the admin's to undo.
    DELETED_WITH = {"thresholds", "phases", "ratings"}

    def get_deleted_objects(self, objs, request):
        deleted, counts, needed, protected = super().get_deleted_objects(objs, request)
        for indicator in objs:
            if held := _what_it_holds(indicator, self.DELETED_WITH):
                protected = [
                    *protected,
                    f"{indicator.code} has {held}: untick Active instead, so its history and returns are kept.",
                ]
        return deleted, counts, needed, protected

    def save_formset(self, request, form, formset, change) -> None:
        super().save_formset(request, form, formset, change)
        if formset.model is Threshold:
            for threshold_form in formset.forms:
                if threshold_form.has_changed() and "target" in threshold_form.changed_data:
                    if threshold_form.instance.pk is not None and threshold_form not in formset.deleted_forms:
                        _say_target_assurance(request, threshold_form.instance)

    def get_changelist_instance(self, request):
        # The list shows each indicator's position as at the newest period
        # with data, fetched for the page's rows at once rather than per row.
        changelist = super().get_changelist_instance(request)
        period = latest_data_period()
        if period:
            page = list(changelist.result_list)
            found = positions(Indicator.objects.filter(pk__in=[i.pk for i in page]), period)
            rows = {p.indicator.pk: indicator_row(p, period) for p in found}
            for indicator in page:
                indicator.dashboard_row = rows[indicator.pk]
            changelist.result_list = page
        return changelist

    def _row(self, obj: Indicator):
        return getattr(obj, "dashboard_row", None)

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
class ThresholdAdmin(IndicatorFixedOnChange, SimpleHistoryAdmin):
    form = ThresholdForm
    list_display = ["indicator", "year_label", "scheme", "target", "floor", "lower", "upper"]
    list_filter = ["financial_year", "scheme", "indicator__kind", "indicator__directorate"]
    search_fields = ["indicator__code", "indicator__name"]
    list_select_related = ["indicator"]
    autocomplete_fields = ["indicator"]
    readonly_fields = ["target_assurance"]

    @admin.display(description="Financial year", ordering="financial_year")
    def year_label(self, obj: Threshold) -> str:
        return obj.year_label

    @admin.display(description="Target assurance (SPC)")
    def target_assurance(self, obj: Threshold) -> str:
        if obj.pk is None:
            return "Shown once the target is saved."
        return target_assurance_text(obj) or "–"

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if not change or "target" in form.changed_data:
            _say_target_assurance(request, obj)


class NoRevertMixin:
    """For a SimpleHistoryAdmin: its history's old versions are shown, never put back.

    simple-history's revert saves the old version whole, the fields the change page keeps read
    only included (with view rights alone, on a read-only admin), so a POST to it is refused:
    otherwise it would reopen a closed month or bring a revoked API token back to life.
    """

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)  # type: ignore[misc]


class ReadOnlyHistoryAdmin(NoRevertMixin, SimpleHistoryAdmin):
    """Rows listed and shown with their history that nothing here adds, changes, deletes or
    reverts: the app's own pages and services are their one write path."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReturnOnlyAdmin(ReadOnlyHistoryAdmin):
    """A return's figure or commentary: listed and shown with its history, changed only on its return page.

    The return services check the figure, decide the return's status (an edit
    after approval goes back to submitted) and record who changed it and why
    (`returns.services.return_save` for the form, the grid and owners' uploads;
    the performance team's import calls the same checks, `status_after_edit` and
    `save_with_history`); a form here would skip all three. So nothing here
    adds, changes, deletes or reverts one, and each links to its return page.
    """

    @admin.display(description="Change it on")
    def return_page(self, obj) -> str:
        url = reverse("return_edit", args=[obj.period, obj.indicator.code])
        return format_html(
            '<a href="{}">the return page for {} {}</a>', url, obj.indicator.code, period_label(obj.period)
        )


@admin.register(Result)
class ResultAdmin(ReturnOnlyAdmin):
    list_display = ["indicator", "period_label", "value", "numerator", "denominator", "entered_by", "updated_at"]
    list_filter = ["indicator__directorate", "indicator__kind", "period"]
    search_fields = ["indicator__code", "indicator__name"]
    list_select_related = ["indicator", "entered_by"]
    date_hierarchy = "period"
    fields = ["indicator", "period", "value", "numerator", "denominator", "entered_by", "entered_at", "return_page"]
    readonly_fields = ["return_page"]

    @admin.display(description="Period", ordering="period")
    def period_label(self, obj: Result) -> str:
        return obj.period_label


@admin.register(Commentary)
class CommentaryAdmin(ReturnOnlyAdmin):
    list_display = ["indicator", "period", "status", "author", "approver", "approved_at"]
    list_filter = ["status", "indicator__directorate", "period"]
    search_fields = ["indicator__code", "indicator__name", "text"]
    list_select_related = ["indicator", "author", "approver"]
    fields = [
        "indicator",
        "period",
        "text",
        "status",
        "version",
        "author",
        "submitted_at",
        "approver",
        "approved_at",
        "return_reason",
        "return_page",
    ]
    readonly_fields = ["return_page"]
