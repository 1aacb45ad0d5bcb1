"""Open data: every public figure as CSV and JSON, with a data dictionary.

The rows come from `public.selectors.public_figures` only; the CSV, the JSON
and the dictionary page all take their columns from `COLUMNS`, so they cannot
disagree. Numbers are rounded half-up to the indicator's decimal places
(`indicators.rules.round_for_display`, as every page rounds them) and stay
numbers; text that a spreadsheet would run as a formula is defused
(`indicators.exports.safe_cell`).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date

from django.http import QueryDict
from django.utils import timezone

from indicators.exports import json_value, safe_cell
from indicators.models import Committee, Indicator
from indicators.periods import FinancialYear, format_period, parse_period
from indicators.rules import round_for_display
from public.selectors import PublicFigure, public_figures, published_indicators


@dataclass(frozen=True)
class Column:
    key: str
    type: str  # "text", "number", "date" (YYYY-MM) or "code" (one of the listed words)
    description: str


COLUMNS: list[Column] = [
    Column("financial_year", "text", "The financial year the figure belongs to, e.g. 2019/20 (1 April to 31 March)."),
    Column("period", "date", "The month the figure is for, as YYYY-MM."),
    Column("ref", "text", "The indicator's unique reference, e.g. ICT01."),
    Column("indicator", "text", "The indicator's name."),
    Column(
        "directorate",
        "text",
        "The service (directorate) responsible for the indicator; a committee's dashboard shows it in its "
        "Directorate column when the committee oversees several.",
    ),
    Column("kind", "code", "kpi: a Key Performance Indicator, rated against a target; activity: demand, not rated."),
    Column("polarity", "code", "H: higher is better; L: lower is better; T: close to the target is better."),
    Column(
        "data_period", "code", "MS monthly snapshot, YTD year to date, R12M rolling 12 months, Q quarter, A annual."
    ),
    Column("unit", "code", "What the value counts: percentage, number, pounds, thousands of pounds, days, …"),
    Column("value", "number", "The figure for the month, rounded to the indicator's decimal places."),
    Column(
        "month_rag",
        "code",
        "The month's rating: green, amber, red, or empty when not rated (also when, rated on tolerance and trend, "
        "it would say how the figure compares with one a year earlier that is not published).",
    ),
    Column(
        "ytd_value",
        "number",
        "The year to date up to this month; empty for activity indicators, and while any figure of the year so far "
        "is not yet approved.",
    ),
    Column(
        "ytd_rag",
        "code",
        "The year to date's rating: green, amber, red, or empty (as month_rag, against the year to date a year "
        "earlier).",
    ),
    Column("target", "number", "The year's target (KPIs)."),
    Column("floor", "number", "The year's floor standard, the minimum performance expected (KPIs)."),
    Column("lower_threshold", "number", "The lower end of the range activity is expected to fall within."),
    Column("upper_threshold", "number", "The upper end of that range."),
    Column("expected_range", "code", "An activity figure against its expected range: below, within or above."),
    Column("previous_year", "number", "The figure for the same month a year earlier, when that one is published."),
    Column("commentary", "text", "The service's approved commentary on the month's figure, if any."),
]
KEYS = [column.key for column in COLUMNS]


class FilterError(ValueError):
    """A query parameter the open data does not understand: the message says which and why."""


@dataclass(frozen=True)
class Filters:
    year: int | None = None
    period: date | None = None
    indicator: str | None = None
    directorate: str | None = None
    committee: str | None = None

    ALLOWED = ("year", "period", "indicator", "directorate", "committee")

    @classmethod
    def parse(cls, query: QueryDict) -> Filters:
        unknown = sorted(set(query) - set(cls.ALLOWED))
        if unknown:
            raise FilterError(f"Unknown parameter {unknown[0]!r}: use {', '.join(cls.ALLOWED)}.")
        for key in query:
            if len(query.getlist(key)) > 1:
                raise FilterError(f"Give {key!r} once.")
        year = period = None
        if query.get("year"):
            try:
                year = FinancialYear.parse(str(query["year"])).start_year
            except ValueError as error:
                raise FilterError(str(error)) from None
        if query.get("period"):
            try:
                period = parse_period(str(query["period"]))
            except ValueError as error:
                raise FilterError(str(error)) from None
        text = {key: str(query.get(key) or "") or None for key in ("indicator", "directorate", "committee")}
        return cls(year, period, text["indicator"], text["directorate"], text["committee"])


def figures(filters: Filters) -> list[PublicFigure]:
    """The public figures the filters keep. An unknown or unpublished indicator, directorate or committee keeps none."""
    indicators = published_indicators()
    if filters.indicator:
        indicators = indicators.filter(code=filters.indicator)
    if filters.directorate:
        indicators = indicators.filter(directorate__slug=filters.directorate)
    if filters.committee:
        committee = Committee.objects.filter(slug=filters.committee).first()
        if committee is None:
            return []
        indicators = indicators.for_committee(committee)
    since = until = None
    if filters.year is not None:
        since, until = FinancialYear(filters.year).start, FinancialYear(filters.year).end
    if filters.period is not None:
        if filters.year is not None and FinancialYear.containing(filters.period).start_year != filters.year:
            return []  # filters narrow together: a month outside the year keeps nothing
        since = until = filters.period
    return public_figures(indicators, since=since, until=until)


def _number(value, indicator: Indicator):
    return round_for_display(value, indicator.decimals)


def record(figure: PublicFigure) -> dict:
    indicator, threshold = figure.indicator, figure.threshold
    return {
        "financial_year": figure.financial_year.label,
        "period": format_period(figure.period),
        "ref": indicator.code,
        "indicator": indicator.name,
        "directorate": indicator.directorate.name,
        "kind": indicator.kind,
        "polarity": indicator.polarity,
        "data_period": indicator.data_period,
        "unit": indicator.unit,
        "value": _number(figure.value, indicator),
        "month_rag": figure.month_rag.value,
        "ytd_value": _number(figure.ytd_value, indicator),
        "ytd_rag": figure.ytd_rag.value,
        "target": _number(threshold.target, indicator) if threshold and indicator.is_kpi else None,
        "floor": _number(threshold.floor, indicator) if threshold and indicator.is_kpi else None,
        "lower_threshold": _number(threshold.lower, indicator) if threshold and not indicator.is_kpi else None,
        "upper_threshold": _number(threshold.upper, indicator) if threshold and not indicator.is_kpi else None,
        "expected_range": figure.range.value,
        "previous_year": _number(figure.previous_year, indicator),
        "commentary": figure.commentary,
    }


def as_csv(rows: list[PublicFigure]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(KEYS)
    for figure in rows:
        values = record(figure)
        writer.writerow([safe_cell(values[key]) for key in KEYS])
    return out.getvalue()


def as_json(rows: list[PublicFigure]) -> str:
    document = {
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "columns": [{"key": c.key, "type": c.type, "description": c.description} for c in COLUMNS],
        "rows": [{key: json_value(value) for key, value in record(figure).items()} for figure in rows],
    }
    return json.dumps(document, ensure_ascii=False, indent=1)


def dictionary_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["column", "type", "description"])
    for column in COLUMNS:
        writer.writerow([column.key, column.type, column.description])
    return out.getvalue()
