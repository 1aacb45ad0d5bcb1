"""The dashboard's KPI and activity tables (django-tables2) and their filters.

Tables render `KpiRow`/`ActivityRow` objects from `dashboard.build_dashboard`;
they format, never compute. Sorting is django-tables2's `?sort=` (RAG columns
sort by rating rank, not by name); filtering is a plain GET form, so both work
without JavaScript.
"""

from __future__ import annotations

from datetime import date

import django_tables2 as tables
from django import forms
from django.utils.html import format_html

from indicators.dashboard import ActivityRow, KpiRow
from indicators.exports import period_note
from indicators.models import Kind
from indicators.periods import period_label, same_period_last_year

NUMERIC = {"th": {"class": "govuk-table__header govuk-table__header--numeric"},
           "td": {"class": "govuk-table__cell govuk-table__cell--numeric kp-num"}}
# Cells that carry a label under the number may wrap.
NUMERIC_WRAPPING = {"th": NUMERIC["th"], "td": {"class": "govuk-table__cell govuk-table__cell--numeric"}}
RAG_CELL = '{% include "includes/rag.html" with rag=value %}'
DIRECTION_CELL = '{% include "includes/direction.html" with direction=value %}'


def _value_with_period(row: KpiRow | ActivityRow, period: date):
    note = period_note(row, period)
    if not note:
        return row.indicator.format(row.value)
    return format_html(
        '{}<br><strong class="kp-stale">{}</strong>', row.indicator.format(row.value) if row.value is not None
        else "", note,
    )


def _previous_year(row: KpiRow | ActivityRow):
    if row.previous_year is None:
        return "–"
    # Kent prints last year's figures in italics; the label says so for everyone else.
    when = period_label(same_period_last_year(row.period)) if row.period else "previous year"
    return format_html('<i>{}</i><br><span class="govuk-body-s">{}</span>', row.indicator.format(row.previous_year),
                       when)


class _DashboardTable(tables.Table):
    ref = tables.Column(accessor="indicator__code", verbose_name="Ref", linkify=lambda record:
                        record.indicator.get_absolute_url())
    indicator = tables.Column(accessor="indicator__name", verbose_name="Indicator")
    directorate = tables.Column(accessor="indicator__directorate__name", verbose_name="Directorate")

    def __init__(self, *args, period: date, caption: str, show_directorate: bool = True, **kwargs):
        self.period, self.caption = period, caption
        if not show_directorate:
            kwargs["exclude"] = ("directorate",)
        super().__init__(*args, **kwargs)

    class Meta:
        template_name = "indicators/govuk_table.html"
        attrs = {"class": "govuk-table kp-dashboard-table",
                 "th": {"class": "govuk-table__header"}, "td": {"class": "govuk-table__cell"}}
        row_attrs = {"class": "govuk-table__row", "id": lambda record: f"row-{record.indicator.code}"}
        orderable = True

    def render_value(self, record):
        return _value_with_period(record, self.period)

    def render_previous_year(self, record):
        return _previous_year(record)


class KpiTable(_DashboardTable):
    polarity = tables.Column(accessor="indicator__polarity", verbose_name="Polarity")
    data_period = tables.Column(accessor="indicator__data_period", verbose_name="Data period", orderable=False)
    value = tables.Column(verbose_name="Latest value", empty_values=(), attrs=NUMERIC_WRAPPING)
    month_rag = tables.TemplateColumn(RAG_CELL, verbose_name="Month RAG", order_by=("month_rag__rank",))
    ytd_value = tables.Column(verbose_name="YTD value", empty_values=(), attrs=NUMERIC)
    ytd_rag = tables.TemplateColumn(RAG_CELL, verbose_name="YTD RAG", order_by=("ytd_rag__rank",))
    target = tables.Column(empty_values=(), attrs=NUMERIC)
    floor = tables.Column(verbose_name="Floor", empty_values=(), attrs=NUMERIC)
    previous_year = tables.Column(verbose_name="Previous year", empty_values=(), attrs=NUMERIC_WRAPPING)
    direction = tables.TemplateColumn(DIRECTION_CELL, verbose_name="Direction of travel", orderable=False)

    class Meta(_DashboardTable.Meta):
        sequence = ("ref", "indicator", "directorate", "polarity", "data_period", "value", "month_rag",
                    "ytd_value", "ytd_rag", "target", "floor", "previous_year", "direction")

    def render_ytd_value(self, record):
        return record.indicator.format(record.ytd_value)

    def render_target(self, record):
        return record.indicator.format(record.target)

    def render_floor(self, record):
        return record.indicator.format(record.floor)


RANGE_LABELS = {"below": "Below", "within": "Within", "above": "Above", "": "–"}


class ActivityTable(_DashboardTable):
    value = tables.Column(verbose_name="Latest value", empty_values=(), attrs=NUMERIC_WRAPPING)
    lower = tables.Column(verbose_name="Lower threshold", empty_values=(), attrs=NUMERIC)
    upper = tables.Column(verbose_name="Upper threshold", empty_values=(), attrs=NUMERIC)
    range = tables.Column(verbose_name="Below/within/above expected range", empty_values=())
    previous_year = tables.Column(verbose_name="Previous year", empty_values=(), attrs=NUMERIC_WRAPPING)

    class Meta(_DashboardTable.Meta):
        sequence = ("ref", "indicator", "directorate", "value", "lower", "upper", "range", "previous_year")

    def render_lower(self, record):
        return record.indicator.format(record.lower)

    def render_upper(self, record):
        return record.indicator.format(record.upper)

    def render_range(self, record):
        return RANGE_LABELS[record.range.value]


# --- filters ----------------------------------------------------------------------

RAG_FILTER_CHOICES = [("", "Any"), ("green", "Green"), ("amber", "Amber"), ("red", "Red"), ("none", "No RAG")]
KIND_FILTER_CHOICES = [("", "KPIs and activity"), (Kind.KPI, "KPIs only"), (Kind.ACTIVITY, "Activity only")]


class DashboardFilterForm(forms.Form):
    rag = forms.ChoiceField(label="RAG", choices=RAG_FILTER_CHOICES, required=False)
    directorate = forms.ChoiceField(label="Directorate", required=False)
    kind = forms.ChoiceField(label="Kind", choices=KIND_FILTER_CHOICES, required=False)

    def __init__(self, *args, directorates: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["directorate"].choices = [("", "All directorates"), *directorates]

    def filter(self, kpis: list[KpiRow], activities: list[ActivityRow]) -> tuple[list, list]:
        """The rows that pass the filters; activity rows have no RAG, so a RAG filter hides them."""
        data = self.cleaned_data if self.is_valid() else {}
        rag, directorate, kind = data.get("rag"), data.get("directorate"), data.get("kind")
        if directorate:
            kpis = [r for r in kpis if r.indicator.directorate.slug == directorate]
            activities = [r for r in activities if r.indicator.directorate.slug == directorate]
        if rag:
            wanted = "" if rag == "none" else rag
            kpis = [r for r in kpis if r.rag.value == wanted]
            activities = []
        if kind == Kind.KPI:
            activities = []
        elif kind == Kind.ACTIVITY:
            kpis = []
        return kpis, activities

    @property
    def active(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.values())
