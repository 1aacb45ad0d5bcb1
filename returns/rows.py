"""Reading returns: one row per indicator and period, in a fixed number of queries.

The RAG comes from `indicators.dashboard.indicator_row` (which uses the rules),
so a return is rated exactly as the dashboard will rate it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from django.db.models import Prefetch, QuerySet

from indicators.dashboard import KpiRow, dashboard_queryset, indicator_row
from indicators.models import Commentary, CommentaryStatus, Indicator, Result
from indicators.periods import Frequency, is_reporting_period, period_label
from indicators.rules import ExpectedRange, Rag

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


def returns_queryset(indicators: QuerySet[Indicator], period: date) -> QuerySet[Indicator]:
    """`dashboard_queryset` plus this period's commentary (any status) and the owners."""
    return dashboard_queryset(indicators, period).prefetch_related(
        Prefetch(
            "commentaries",
            queryset=Commentary.objects.filter(period=period).select_related("author", "approver"),
            to_attr="period_commentaries",
        ),
        "owners",
    )


def return_row(indicator: Indicator, period: date) -> ReturnRow:
    """The row for an indicator fetched through `returns_queryset`."""
    results = {r.period: r for r in indicator.window_results}
    result = results.get(period)
    commentary = indicator.period_commentaries[0] if indicator.period_commentaries else None
    row = ReturnRow(indicator=indicator, period=period, result=result, commentary=commentary)
    if result is not None and result.value is not None:
        rated = indicator_row(indicator, period)
        if isinstance(rated, KpiRow):
            row.rag = rated.month_rag
        else:
            row.range = rated.range
    earlier = [p for p in sorted(results, reverse=True) if p < period and results[p].value is not None]
    row.previous = [(p, indicator.format(results[p].value)) for p in earlier[:PREVIOUS_VALUES]]
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
