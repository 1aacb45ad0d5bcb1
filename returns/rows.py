"""Reading returns: one row per indicator and period, in a fixed number of queries.

The RAG (or an activity's expected range) is the figure's stored `Rating`, the one
the dashboard shows, so there is one rating of a month. The
SPC variation (`with_variation`) is the one stored with the figure's rating: that of
the indicator's XmR chart to the return's period, as on the indicator page. A figure
not yet written (an import's preview) gets it from the chart itself (`figure_variation`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from django.db.models import Prefetch, QuerySet
from django.utils.safestring import SafeString, mark_safe

from indicators.models import Commentary, CommentaryStatus, Indicator, Kind, Rating, Result, Threshold
from indicators.periods import (
    FinancialYear,
    Frequency,
    add_months,
    is_reporting_period,
    period_label,
    previous_period,
    threshold_for,
)
from indicators.rules import ExpectedRange, Rag, assess
from indicators.spc import Variation
from indicators.spc_chart import icon_svg, indicator_xmr

PREVIOUS_VALUES = 3
CONCERNS = frozenset({Variation.CONCERN_HIGH, Variation.CONCERN_LOW})


class ReturnStatus(StrEnum):
    MISSING = "missing"
    ENTERED = "entered"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"

    @property
    def label(self) -> str:
        return {
            ReturnStatus.MISSING: "Missing",
            ReturnStatus.ENTERED: "Entered (not submitted)",
            ReturnStatus.SUBMITTED: "Submitted",
            ReturnStatus.APPROVED: "Approved",
            ReturnStatus.RETURNED: "Returned",
        }[self]

    @property
    def outstanding(self) -> bool:
        """Still waiting for the owner: not yet submitted, or sent back."""
        return self in (ReturnStatus.MISSING, ReturnStatus.ENTERED, ReturnStatus.RETURNED)


def return_status(result: Result | None, commentary: Commentary | None) -> ReturnStatus:
    """The status an owner sees, derived from the result and the commentary's approval status."""
    if commentary is not None and commentary.status != CommentaryStatus.DRAFT:
        return ReturnStatus(commentary.status)
    if result is None or result.value is None:
        return ReturnStatus.MISSING
    return ReturnStatus.ENTERED


@dataclass
class ReturnRow:
    indicator: Indicator
    period: date
    result: Result | None
    commentary: Commentary | None
    rag: Rag = Rag.NONE
    range: ExpectedRange = ExpectedRange.NONE
    previous: list[tuple[date, str]] = field(default_factory=list)
    lock: str | None = None
    variation: Variation = Variation.NONE  # set by `with_variation`

    @property
    def concern(self) -> bool:
        """The figure is a special cause of concern on the indicator's SPC chart."""
        return self.variation in CONCERNS

    @property
    def variation_icon(self) -> SafeString:
        return mark_safe(icon_svg(self.variation))  # noqa: S308 - no text from data

    @property
    def status(self) -> ReturnStatus:
        return return_status(self.result, self.commentary)

    @property
    def value(self) -> Decimal | None:
        return self.result.value if self.result else None

    @property
    def formatted_value(self) -> str:
        return self.indicator.format(self.value)

    @property
    def version(self) -> int:
        return self.commentary.version if self.commentary else 0

    @property
    def period_label(self) -> str:
        return period_label(self.period)

    @property
    def rated_against(self) -> tuple[str, str]:
        """What the month's figure is rated against, in words: (label, words). Needs `returns_queryset`."""
        indicator, fmt = self.indicator, self.indicator.format
        threshold = threshold_for(indicator.thresholds.all(), self.period)  # prefetched
        year = FinancialYear.containing(self.period).label
        if indicator.kind == Kind.ACTIVITY:
            if threshold is None or (threshold.lower is None and threshold.upper is None):
                return "Expected range", f"None set for {year}"
            return "Expected range", f"{fmt(threshold.lower)} to {fmt(threshold.upper)} ({year})"
        if threshold is None or threshold.target is None:
            return "Target", f"None set for {year}: the figure gets no rating"
        floor = f", floor standard {fmt(threshold.floor)}" if threshold.floor is not None else ""
        return "Target", f"{fmt(threshold.target)}{floor} ({year})"

    @property
    def owners(self) -> list:
        return list(self.indicator.owners.all())


def _window(period: date) -> list[date]:
    """The months a return row needs: its own, the three before it for monthly,
    quarterly or annual indicators, and the same month last year."""
    return sorted({period, *(add_months(period, -n) for n in (1, 2, 3, 6, 9, 12))})


def returns_queryset(indicators: QuerySet[Indicator], period: date) -> QuerySet[Indicator]:
    """The indicators with what their returns for `period` need, in six queries however many."""
    return (
        indicators.select_related("directorate")
        .prefetch_related(
            Prefetch("results", queryset=Result.objects.filter(period__in=_window(period)), to_attr="window_results"),
            Prefetch(
                "commentaries",
                queryset=Commentary.objects.filter(period=period).select_related("author", "approver"),
                to_attr="period_commentaries",
            ),
            Prefetch("ratings", queryset=Rating.objects.filter(period=period), to_attr="period_ratings"),
            "thresholds",
            "owners",
        )
        .order_by("code")
    )


def _rate(row: ReturnRow, rating: Rating | None) -> None:
    """The month's RAG (KPIs) or expected range (activity): the figure's stored rating, the dashboard's own.

    The rating is written with the figure, in its save's transaction (`indicators.ratings`),
    so a return read straight after a save shows what the dashboard will.
    """
    if rating is None:
        return
    if row.indicator.kind == Kind.ACTIVITY:
        row.range = ExpectedRange(rating.range)
    else:
        row.rag = Rag(rating.month_rag)


def figure_rag(
    indicator: Indicator, threshold: Threshold | None, value: Decimal | None, last_year: Decimal | None
) -> Rag:
    """A KPI figure's month RAG against its year's threshold (`last_year`: the same month's value a year before)."""
    if threshold is None or indicator.kind == Kind.ACTIVITY:
        return Rag.NONE
    return assess(
        rule=threshold.rule(indicator.polarity),
        decimals=indicator.decimals,
        month=value,
        ytd=None,
        previous=None,
        last_year=last_year,
    ).month_rag


class Value(NamedTuple):
    """One recorded figure, as `indicator_xmr` reads it."""

    period: date
    value: Decimal | None


def figure_variation(indicator: Indicator, period: date, values: Iterable, phases: Iterable = ()) -> Variation:
    """The SPC variation icon of the indicator's chart to `period`, if its latest point is `period`'s figure.

    `values` are the indicator's figures (anything with `period` and `value`); `phases` its `Phase` rows.
    Not enough data, or no figure for `period`, gives `Variation.NONE`.
    """
    chart = indicator_xmr(indicator, values, (), period, phases)
    if chart is None or chart.result.latest_period != period:
        return Variation.NONE
    return chart.result.variation


def with_variation(rows: list[ReturnRow]) -> list[ReturnRow]:
    """Give each row the SPC variation its figure makes, in one query however many rows.

    It is stored with the figure's rating (`indicators.ratings`): the variation of the chart
    ending at the return's month, as the indicator page draws it. Inside a save it is the
    rating the save just wrote, in the same transaction.
    """
    wanted = [row for row in rows if row.value is not None]
    if not wanted:
        return rows
    stored = Rating.objects.filter(
        indicator_id__in={row.indicator.pk for row in wanted}, period__in={row.period for row in wanted}
    )
    columns = stored.values_list("indicator_id", "period", "variation")
    found = {(pk, period): variation for pk, period, variation in columns}
    for row in wanted:
        row.variation = Variation(found.get((row.indicator.pk, row.period), ""))
    return rows


def return_row(indicator: Indicator, period: date) -> ReturnRow:
    """The row for an indicator fetched through `returns_queryset`."""
    results = {r.period: r for r in indicator.window_results}
    commentary = indicator.period_commentaries[0] if indicator.period_commentaries else None
    row = ReturnRow(indicator=indicator, period=period, result=results.get(period), commentary=commentary)
    if row.value is not None:
        _rate(row, indicator.period_ratings[0] if indicator.period_ratings else None)
    earlier, frequency = period, Frequency(indicator.frequency)
    for _ in range(PREVIOUS_VALUES if frequency != Frequency.ANNUAL else 1):
        earlier = previous_period(earlier, frequency)
        result = results.get(earlier)
        row.previous.append((earlier, indicator.format(result.value if result else None)))
    return row


def return_rows(indicators: QuerySet[Indicator], period: date) -> list[ReturnRow]:
    """A row for each active indicator that reports in `period`."""
    return [
        return_row(indicator, period)
        for indicator in returns_queryset(indicators.active(), period)
        if is_reporting_period(period, Frequency(indicator.frequency))
    ]


def submitted_rows() -> list[ReturnRow]:
    """Every submitted return, oldest period first: the performance team's review queue."""
    periods = (
        Commentary.objects.filter(status=CommentaryStatus.SUBMITTED)
        .order_by("period")
        .values_list("period", flat=True)
        .distinct()
    )
    rows: list[ReturnRow] = []
    for period in periods:
        indicators = Indicator.objects.filter(
            commentaries__period=period, commentaries__status=CommentaryStatus.SUBMITTED
        )
        rows.extend(return_rows(indicators, period))
    return rows
