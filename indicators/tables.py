"""The dashboard's KPI and activity tables (django-tables2) and their filters.

Tables render `KpiRow`/`ActivityRow` objects from `dashboard.build_dashboard`;
they format, never compute. Sorting is django-tables2's `?sort=` (RAG columns
sort by rating rank, not by name); filtering is a plain GET form, so both work
without JavaScript.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from functools import lru_cache, partial

import django_tables2 as tables
from django import forms
from django.template.loader import get_template
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from indicators.charts import sparkline_svg, sparkline_text
from indicators.dashboard import ActivityRow, KpiRow
from indicators.exports import period_note
from indicators.models import DirectionBasis, Kind
from indicators.periods import period_label, same_period_last_year
from indicators.spc import Assurance, Variation
from indicators.spc_chart import icon_svg


def _escape(value) -> str:
    """`conditional_escape` without its check for lazy strings, which cost more than the escaping over
    a dashboard's thousand cells: safe markup as it is, anything else escaped as `escape` does."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _html(template: str, *args) -> SafeString:
    """`format_html` for the cells: the same markup, arguments escaped by `_escape`."""
    return SafeString(template.format(*map(_escape, args)))  # mark_safe's check for lazy strings, 300 a page, cost more


@lru_cache(maxsize=32)
def _include(template: str, name: str, value: str) -> str:
    """A shared include rendered once per value: a RAG tag has four forms, a direction four.

    Rendering the include for every cell cost more than the rest of the page.
    """
    return mark_safe(get_template(template).render({name: value}).strip())  # noqa: S308 - our own template


def rag_tag(rag) -> str:
    return _include("includes/rag.html", "rag", str(rag))


def direction_tag(direction, basis: str = "") -> str:
    """The arrow and its words; on the statistical basis: improving, concerning, no significant change."""
    if basis == DirectionBasis.SPC:
        return _include("includes/direction_spc.html", "direction", str(direction))
    return _include("includes/direction.html", "direction", str(direction))


def _value_with_period(row: KpiRow | ActivityRow, period: date):
    note = period_note(row, period)
    if not note:
        return row.indicator.format(row.value)
    value = row.indicator.format(row.value) if row.value is not None else ""
    return _html('{}<br><strong class="kp-stale">{}</strong>', value, note)


def _previous_year(row: KpiRow | ActivityRow):
    if row.previous_year is None:
        return "–"
    # Kent prints last year's figures in italics; the label says so for everyone else.
    when = period_label(same_period_last_year(row.period)) if row.period else "previous year"
    return _html('<i>{}</i><br><span class="kp-period-note">{}</span>', row.indicator.format(row.previous_year), when)


# The word shown beside each icon (the letter in it is the icon's shape): short, so the table fits a laptop;
# a screen reader hears the full label instead.
SPC_WORDS = {
    Variation.COMMON_CAUSE: "Common cause",
    Variation.IMPROVEMENT_HIGH: "Improving",
    Variation.IMPROVEMENT_LOW: "Improving",
    Variation.CONCERN_HIGH: "Concern",
    Variation.CONCERN_LOW: "Concern",
    Variation.NEUTRAL_HIGH: "Special cause",
    Variation.NEUTRAL_LOW: "Special cause",
    Variation.NONE: "Not enough data",
    Assurance.PASS: "Passes",
    Assurance.FAIL: "Fails",
    Assurance.HIT_AND_MISS: "Hit and miss",
}


@lru_cache(maxsize=32, typed=True)  # typed: Variation.NONE and Assurance.NONE are both ""
def spc_tag(value: Variation | Assurance) -> str:
    """An SPC icon with its word (and its full label for screen readers); "" for no assurance."""
    if value == "" and isinstance(value, Assurance):
        return ""
    return format_html(
        '<span class="kp-spc kp-spc--small">{}<span aria-hidden="true">{}</span>'
        '<span class="govuk-visually-hidden">{}</span></span>',
        mark_safe(icon_svg(value)),  # noqa: S308 - our own markup, no data
        SPC_WORDS[value],
        value.label,
    )


def spc_key() -> list[tuple[str, str]]:
    """Every icon a dashboard can show, with what it means (the Guidance Notes' key)."""
    values: list[Variation | Assurance] = [
        Variation.COMMON_CAUSE,
        Variation.IMPROVEMENT_HIGH,
        Variation.IMPROVEMENT_LOW,
        Variation.CONCERN_HIGH,
        Variation.CONCERN_LOW,
        Variation.NEUTRAL_HIGH,
        Variation.NEUTRAL_LOW,
        Assurance.PASS,
        Assurance.FAIL,
        Assurance.HIT_AND_MISS,
    ]
    return [
        (format_html("{}<span>{}</span>", mark_safe(icon_svg(value)), SPC_WORDS[value]), value.label)
        for value in values
    ]  # noqa: S308


def _spc(row: KpiRow | ActivityRow, period: date):
    assurance = spc_tag(row.assurance) if isinstance(row, KpiRow) else ""
    return _html("{}{}", spc_tag(row.variation), _html("<br>{}", assurance) if assurance else "")


def _trend(row: KpiRow | ActivityRow, period: date):
    """The sparkline, hidden from assistive technology, and its figures as text for it instead."""
    return _html(
        '{}<span class="govuk-visually-hidden">{}</span>',
        SafeString(sparkline_svg([value for _, value in row.trend])),  # numbers and our markup only
        sparkline_text(row.trend, row.indicator.format),
    )


CELL = "govuk-table__cell"
NUMBER = "govuk-table__cell govuk-table__cell--numeric kp-num"
NUMBER_WRAPPING = "govuk-table__cell govuk-table__cell--numeric"  # a label may sit under the number
NUMERIC_HEADER = {"th": {"class": "govuk-table__header govuk-table__header--numeric"}}


@dataclass
class Display:
    """A dashboard row and its cells, rendered once.

    django-tables2 sorts these and draws the headers; the cells are rendered
    here in one pass, because tables2's per-cell rendering (a signature
    inspection and an attribute build for every cell) cost more than building
    the dashboard itself.
    """

    row: KpiRow | ActivityRow
    html: str = ""  # the row's cells, <th> and <td>s, each <td> labelled with its column for a phone


_CODE = "CODE0"  # a code the URL pattern accepts, to find where codes go in an indicator's address


def _ref_cell(address: str, row: KpiRow | ActivityRow, period: date):
    """The reference, linking to the indicator's page (`Indicator.get_absolute_url`, built from `address`)."""
    code = row.indicator.code
    return _html('<a class="govuk-link" href="{}{}/">{}</a>', address, code, code)


class _DashboardTable(tables.Table):
    ref = tables.Column(accessor="row__indicator__code", verbose_name="Ref")
    indicator = tables.Column(accessor="row__indicator__name", verbose_name="Indicator")
    directorate = tables.Column(accessor="row__indicator__directorate__name", verbose_name="Directorate")
    trend = tables.Column(accessor="row__trend", verbose_name="Last 12 months", orderable=False)
    spc = tables.Column(accessor="row__variation", verbose_name="SPC", orderable=False)

    # column name -> (cell class, how the cell is drawn from the row and the dashboard period)
    CELLS: dict = {
        "ref": (CELL, None),  # drawn by `_ref_cell`, with the table's indicator address
        "indicator": (f"{CELL} kp-dashboard-table__name", lambda row, period: row.indicator.name),
        "directorate": (CELL, lambda row, period: row.indicator.directorate.name),
        "value": (NUMBER_WRAPPING, _value_with_period),
        "previous_year": (NUMBER_WRAPPING, lambda row, period: _previous_year(row)),
        "trend": (f"{CELL} kp-trend", _trend),
        "spc": (f"{CELL} kp-spc-cell", _spc),
    }

    def __init__(self, rows, *, period: date, caption: str, show_directorate: bool = True, **kwargs):
        self.period, self.caption = period, caption
        if not show_directorate:
            kwargs["exclude"] = ("directorate",)
        super().__init__([Display(row) for row in rows], **kwargs)
        # One reverse() for the table, not one per row (a reverse cost more than the rest of the row's link).
        address = reverse("indicator_detail", args=[_CODE]).removesuffix(f"{_CODE}/")
        # Each cell's markup with its label, made once; a row's cells joined in Python rather
        # than by a template loop (a template tag per cell was most of a cold page's rendering).
        columns = [
            (
                partial(_ref_cell, address) if name == "ref" else self.CELLS[name][1],
                '<th scope="row" class="govuk-table__header">{}</th>'
                if name == "ref"
                else f'<td class="{self.CELLS[name][0]}" data-label="{escape(str(column.header))}">{{}}</td>',
            )
            for name, column in ((column.name, column) for column in self.columns)
        ]
        for display in self.data:
            display.html = SafeString(  # every cell is escaped (`_escape`)
                "".join(cell.format(_escape(draw(display.row, period))) for draw, cell in columns)
            )

    @property
    def body_html(self) -> SafeString:
        """The rows, in the table's order once sorted (`RequestConfig`), joined here rather than by a
        template loop: a loop resolved several variables per row, more than the rest of the table."""
        return mark_safe(  # noqa: S308 - each row's cells are escaped, and so is its code
            "".join(
                f'\n    <tr class="govuk-table__row" id="row-{_escape(display.row.indicator.code)}">'
                f"\n    {display.html}\n    </tr>\n  "
                for display in self.data
            )
        )

    class Meta:
        template_name = "indicators/govuk_table.html"
        attrs = {"class": "govuk-table kp-dashboard-table", "th": {"class": "govuk-table__header"}}
        orderable = True


def _fmt(field_name: str):
    return lambda row, period: row.indicator.format(getattr(row, field_name))


class KpiTable(_DashboardTable):
    polarity = tables.Column(accessor="row__indicator__polarity", verbose_name="Polarity")
    data_period = tables.Column(accessor="row__indicator__data_period", verbose_name="Data period", orderable=False)
    value = tables.Column(accessor="row__value", verbose_name="Latest value", attrs=NUMERIC_HEADER)
    month_rag = tables.Column(accessor="row__month_rag", verbose_name="Month RAG", order_by=("row__month_rag__rank",))
    ytd_value = tables.Column(accessor="row__ytd_value", verbose_name="YTD value", attrs=NUMERIC_HEADER)
    ytd_rag = tables.Column(accessor="row__ytd_rag", verbose_name="YTD RAG", order_by=("row__ytd_rag__rank",))
    target = tables.Column(accessor="row__target", attrs=NUMERIC_HEADER)
    floor = tables.Column(accessor="row__floor", verbose_name="Floor", attrs=NUMERIC_HEADER)
    previous_year = tables.Column(accessor="row__previous_year", verbose_name="Previous year", attrs=NUMERIC_HEADER)
    direction = tables.Column(accessor="row__direction", verbose_name="Direction of travel", orderable=False)

    CELLS = {
        **_DashboardTable.CELLS,
        "polarity": (CELL, lambda row, period: row.indicator.polarity),
        "data_period": (CELL, lambda row, period: row.indicator.data_period),
        "month_rag": (CELL, lambda row, period: rag_tag(row.month_rag)),
        "ytd_value": (NUMBER, _fmt("ytd_value")),
        "ytd_rag": (CELL, lambda row, period: rag_tag(row.ytd_rag)),
        "target": (NUMBER, _fmt("target")),
        "floor": (NUMBER, _fmt("floor")),
        "direction": (CELL, lambda row, period: direction_tag(row.direction)),
    }

    def __init__(self, rows, *, direction_basis: str = "", **kwargs):
        if direction_basis == DirectionBasis.SPC:  # this table's arrows say improving, concerning or no change
            self.CELLS = {**self.CELLS, "direction": (CELL, lambda row, period: direction_tag(row.direction, "spc"))}
        super().__init__(rows, **kwargs)

    class Meta(_DashboardTable.Meta):
        sequence = (
            "ref",
            "indicator",
            "directorate",
            "polarity",
            "data_period",
            "value",
            "month_rag",
            "ytd_value",
            "ytd_rag",
            "target",
            "floor",
            "previous_year",
            "trend",
            "direction",
            "spc",
        )


RANGE_LABELS = {"below": "Below", "within": "Within", "above": "Above", "": "–"}


class ActivityTable(_DashboardTable):
    value = tables.Column(accessor="row__value", verbose_name="Latest value", attrs=NUMERIC_HEADER)
    lower = tables.Column(accessor="row__lower", verbose_name="Lower threshold", attrs=NUMERIC_HEADER)
    upper = tables.Column(accessor="row__upper", verbose_name="Upper threshold", attrs=NUMERIC_HEADER)
    range = tables.Column(accessor="row__range", verbose_name="Below/within/above expected range")
    previous_year = tables.Column(accessor="row__previous_year", verbose_name="Previous year", attrs=NUMERIC_HEADER)

    CELLS = {
        **_DashboardTable.CELLS,
        "lower": (NUMBER, _fmt("lower")),
        "upper": (NUMBER, _fmt("upper")),
        "range": (CELL, lambda row, period: RANGE_LABELS[row.range.value]),
    }

    class Meta(_DashboardTable.Meta):
        sequence = (
            "ref",
            "indicator",
            "directorate",
            "value",
            "lower",
            "upper",
            "range",
            "previous_year",
            "trend",
            "spc",
        )


# --- filters ----------------------------------------------------------------------

RAG_FILTER_CHOICES = [("", "Any"), ("green", "Green"), ("amber", "Amber"), ("red", "Red"), ("none", "No RAG")]
VARIATION_FILTER_CHOICES = [
    ("", "Any"),
    ("concern", "Special cause concern"),
    ("improvement", "Special cause improvement"),
    ("neutral", "Special cause, neither better nor worse"),
    ("common_cause", "Common cause"),
    ("none", "Not enough data"),
]
KIND_FILTER_CHOICES = [("", "KPIs and activity"), (Kind.KPI, "KPIs only"), (Kind.ACTIVITY, "Activity only")]


class DashboardFilterForm(forms.Form):
    rag = forms.ChoiceField(label="RAG", choices=RAG_FILTER_CHOICES, required=False)
    directorate = forms.ChoiceField(label="Directorate", required=False)
    kind = forms.ChoiceField(label="Kind", choices=KIND_FILTER_CHOICES, required=False)
    variation = forms.ChoiceField(label="Variation (SPC)", choices=VARIATION_FILTER_CHOICES, required=False)

    def __init__(self, *args, directorates: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["directorate"].choices = [("", "All directorates"), *directorates]

    def filter(self, kpis: list[KpiRow], activities: list[ActivityRow]) -> tuple[list, list]:
        """The rows that pass the filters; activity rows have no RAG, so a RAG filter hides them."""
        data = self.cleaned_data if self.is_valid() else {}
        rag, directorate, kind = data.get("rag"), data.get("directorate"), data.get("kind")
        variation = data.get("variation")
        if directorate:
            kpis = [r for r in kpis if r.indicator.directorate.slug == directorate]
            activities = [r for r in activities if r.indicator.directorate.slug == directorate]
        if rag:
            wanted = "" if rag == "none" else rag
            kpis = [r for r in kpis if r.rag.value == wanted]
            activities = []
        if variation:
            kpis = [r for r in kpis if _variation_matches(r.variation, variation)]
            activities = [r for r in activities if _variation_matches(r.variation, variation)]
        if kind == Kind.KPI:
            activities = []
        elif kind == Kind.ACTIVITY:
            kpis = []
        return kpis, activities

    @property
    def active(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.values())


def _variation_matches(variation: Variation, wanted: str) -> bool:
    """`wanted` is a filter choice: a cause (either side), common cause, or "none" (not enough data)."""
    if wanted == "none":
        return variation is Variation.NONE
    return variation is not Variation.NONE and variation.value.startswith(wanted)
