"""Reading returns: one row per indicator and period, in a fixed number of queries.

The RAG comes from `indicators.rules.assess` with the year's threshold, as on
the dashboard, so a return is rated exactly as the dashboard will rate it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from django.db.models import Prefetch, QuerySet

from indicators.models import Commentary, CommentaryStatus, Indicator, Kind, Result, Threshold
from indicators.periods import (
    FinancialYear,
    Frequency,
    add_months,
    is_reporting_period,
    period_label,
    previous_period,
    same_period_last_year,
)
from indicators.rules import ExpectedRange, Rag, assess, expected_range, round_for_display

PREVIOUS_VALUES = 3


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
    def owners(self) -> list:
        return list(self.indicator.owners.all())


def _window(period: date) -> list[date]:
    """The months a return row needs: its own, the three before it for monthly,
    quarterly or annual indicators, and the same month last year."""
    return sorted({period, *(add_months(period, -n) for n in (1, 2, 3, 6, 9, 12))})


def returns_queryset(indicators: QuerySet[Indicator], period: date) -> QuerySet[Indicator]:
    """The indicators with what their returns for `period` need, in five queries however many."""
    return (
        indicators.select_related("directorate")
        .prefetch_related(
            Prefetch("results", queryset=Result.objects.filter(period__in=_window(period)), to_attr="window_results"),
            Prefetch(
                "thresholds",
                queryset=Threshold.objects.filter(financial_year=FinancialYear.containing(period).start_year),
                to_attr="year_thresholds",
            ),
            Prefetch(
                "commentaries",
                queryset=Commentary.objects.filter(period=period).select_related("author", "approver"),
                to_attr="period_commentaries",
            ),
            "owners",
        )
        .order_by("code")
    )


def _rate(row: ReturnRow, results: dict[date, Result]) -> None:
    """The month's RAG (KPIs) or expected range (activity), exactly as the dashboard rates it."""
    indicator, threshold = row.indicator, (row.indicator.year_thresholds or [None])[0]
    if indicator.kind == Kind.ACTIVITY:
        value = round_for_display(row.value, indicator.decimals)
        row.range = expected_range(value, threshold.lower, threshold.upper) if threshold else ExpectedRange.NONE
        return
    if threshold is None:
        return
    last_year = results.get(same_period_last_year(row.period))
    row.rag = assess(
        rule=threshold.rule(indicator.polarity),
        decimals=indicator.decimals,
        month=row.value,
        ytd=None,
        previous=None,
        last_year=last_year.value if last_year else None,
    ).month_rag


def return_row(indicator: Indicator, period: date) -> ReturnRow:
    """The row for an indicator fetched through `returns_queryset`."""
    results = {r.period: r for r in indicator.window_results}
    commentary = indicator.period_commentaries[0] if indicator.period_commentaries else None
    row = ReturnRow(indicator=indicator, period=period, result=results.get(period), commentary=commentary)
    if row.value is not None:
        _rate(row, results)
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
