"""The performance position of a set of indicators for a period.

One function, `build_dashboard`, turns indicators and their results into the
rows every output shows: the dashboard page, its CSV/XLSX download, the
`dashboard` command and the committee paper. The numbers come from
`rules.py`; this module only gathers the inputs, in a fixed number of queries
however many indicators or years of history there are.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Max, OuterRef, Prefetch, QuerySet, Subquery

from indicators.models import (
    Commentary,
    CommentaryStatus,
    DirectionBasis,
    Headline,
    Indicator,
    Kind,
    Result,
    Threshold,
)
from indicators.periods import (
    FinancialYear,
    Frequency,
    add_months,
    fy_periods_to,
    previous_period,
    reporting_periods,
    same_period_last_year,
)
from indicators.rules import (
    Direction,
    ExpectedRange,
    Point,
    Polarity,
    Rag,
    RatingRule,
    Scheme,
    YtdMethod,
    aggregate_ytd,
    assess,
    expected_range,
    round_for_display,
)
from indicators.units import Unit

# Results older than this are not needed for any figure on a dashboard: the
# latest value, its year to date, and the same figures a year earlier.
HISTORY_MONTHS = 24
# How far back a row's sparkline reaches, counting the dashboard's own month.
TREND_MONTHS = 12

# A row's recent values, oldest first: (period, value as displayed, or None where there is no figure).
Trend = tuple[tuple[date, Decimal | None], ...]


@dataclass(frozen=True)
class KpiRow:
    indicator: Indicator
    period: date | None
    expected_period: date
    value: Decimal | None
    month_rag: Rag
    ytd_value: Decimal | None
    ytd_rag: Rag
    target: Decimal | None
    floor: Decimal | None
    previous_year: Decimal | None
    direction: Direction
    rule: RatingRule | None
    commentary: Commentary | None
    last_reported: date | None = None
    trend: Trend = ()

    @property
    def stale(self) -> bool:
        """True when the latest value belongs to an earlier period than expected."""
        return self.period is None or self.period < self.expected_period

    @property
    def rag(self) -> Rag:
        """The rating the cover report counts for this indicator."""
        return self.ytd_rag if self.indicator.headline == Headline.YTD else self.month_rag


@dataclass(frozen=True)
class ActivityRow:
    indicator: Indicator
    period: date | None
    expected_period: date
    value: Decimal | None
    lower: Decimal | None
    upper: Decimal | None
    range: ExpectedRange
    previous_year: Decimal | None
    last_reported: date | None = None
    trend: Trend = ()

    @property
    def stale(self) -> bool:
        return self.period is None or self.period < self.expected_period


@dataclass
class Dashboard:
    period: date
    direction_basis: str
    kpis: list[KpiRow] = field(default_factory=list)
    activities: list[ActivityRow] = field(default_factory=list)

    @property
    def counts(self) -> Counter:
        return Counter(row.rag for row in self.kpis)

    @property
    def has_data(self) -> bool:
        return any(row.value is not None for row in [*self.kpis, *self.activities])

    def rows_with_rag(self, rag: Rag) -> list[KpiRow]:
        return [row for row in self.kpis if row.rag is rag]


def dashboard_queryset(indicators: QuerySet[Indicator], period: date) -> QuerySet[Indicator]:
    """The indicators with everything a dashboard needs, in five queries."""
    since = add_months(period, -HISTORY_MONTHS)
    years = [FinancialYear.containing(since).start_year, FinancialYear.containing(period).start_year]
    latest = (
        Result.objects.filter(indicator=OuterRef("pk"), period__lte=period, value__isnull=False)
        .values("indicator")
        .annotate(latest=Max("period"))
        .values("latest")
    )
    latest_of_commentary_indicator = (
        Result.objects.filter(indicator=OuterRef("indicator"), period__lte=period, value__isnull=False)
        .order_by("-period")
        .values("period")[:1]
    )
    return (
        indicators.select_related("directorate")
        .annotate(last_reported=Subquery(latest))
        .prefetch_related(
            Prefetch(
                "results",
                # Only what the figures need: loading every column of 24 months of
                # results per indicator was most of a dashboard's server time.
                queryset=Result.objects.filter(period__gte=since, period__lte=period)
                .only("indicator_id", "period", "value", "numerator", "denominator")
                .order_by("period"),
                to_attr="window_results",
            ),
            Prefetch(
                "thresholds",
                queryset=Threshold.objects.filter(financial_year__gte=years[0], financial_year__lte=years[1]),
                to_attr="window_thresholds",
            ),
            Prefetch(
                "commentaries",
                # Rows show the commentary on their latest result only.
                queryset=Commentary.objects.filter(
                    status=CommentaryStatus.APPROVED,
                    period__gte=since,
                    period__lte=period,
                    period=Subquery(latest_of_commentary_indicator),
                ),
                to_attr="approved_commentaries",
            ),
        )
        .order_by("code")
    )


def build_dashboard(
    indicators: QuerySet[Indicator], period: date, *, direction_basis: str = DirectionBasis.PREVIOUS_PERIOD
) -> Dashboard:
    dashboard = Dashboard(period=period, direction_basis=direction_basis)
    for indicator in dashboard_queryset(indicators, period):
        row = indicator_row(indicator, period, direction_basis)
        (dashboard.activities if indicator.kind == Kind.ACTIVITY else dashboard.kpis).append(row)
    return dashboard


def cached_dashboard(
    indicators: QuerySet[Indicator], period: date, *, direction_basis: str = DirectionBasis.PREVIOUS_PERIOD
) -> Dashboard:
    """`build_dashboard`, with each indicator's row kept in the cache under its own data version.

    A saved return makes stale only its indicator's row, so the pages that
    show it (a committee's or directorate's dashboard, its downloads, home)
    build that one row again and take the rest from the cache, in one round
    trip, instead of fetching and rating every indicator's history.
    """
    from indicators.cache import STRUCTURE, cache_key, cached_many, data_versions

    listed = sorted(indicators.values_list("code", "pk"))
    structure, *versions = data_versions(STRUCTURE, *(f"indicator:{code}" for code, _ in listed))
    keys = {
        pk: cache_key("dashboard-row", pk, period, direction_basis, structure, version)
        for (_, pk), version in zip(listed, versions, strict=True)
    }

    def build(missing: list[int]) -> dict[int, KpiRow | ActivityRow]:
        built = {}
        for indicator in dashboard_queryset(Indicator.objects.filter(pk__in=missing), period):
            built[indicator.pk] = indicator_row(indicator, period, direction_basis)
            for name in ("window_results", "window_thresholds", "approved_commentaries"):
                delattr(indicator, name)  # the history the row was worked out from: not worth keeping
        return built

    rows = cached_many(keys, build)
    dashboard = Dashboard(period=period, direction_basis=direction_basis)
    for row in (rows[pk] for _, pk in listed if pk in rows):  # one deleted meanwhile has no row
        (dashboard.activities if isinstance(row, ActivityRow) else dashboard.kpis).append(row)
    return dashboard


def expected_period(period: date, frequency: Frequency) -> date:
    """The latest reporting period on or before `period` for this frequency."""
    return reporting_periods(frequency, add_months(period, -11), period)[-1]


class _History:
    """One indicator's prefetched results, thresholds and commentary."""

    def __init__(self, indicator: Indicator, period: date) -> None:
        self.indicator = indicator
        self.period = period
        self.frequency = Frequency(indicator.frequency)
        self.results = {r.period: r for r in indicator.window_results}
        self.thresholds = {t.financial_year: t for t in indicator.window_thresholds}
        self.commentary = {c.period: c for c in indicator.approved_commentaries}
        self.expected = expected_period(period, self.frequency)
        self.latest = max((p for p, r in self.results.items() if r.value is not None), default=None)

    def value(self, period: date | None) -> Decimal | None:
        result = self.results.get(period) if period else None
        return result.value if result else None

    def trend(self) -> Trend:
        """The reporting periods of the last TREND_MONTHS up to the dashboard's period, with their values."""
        periods = reporting_periods(self.frequency, add_months(self.period, 1 - TREND_MONTHS), self.period)
        return tuple((p, round_for_display(self.value(p), self.indicator.decimals)) for p in periods)

    def threshold(self, period: date) -> Threshold | None:
        return self.thresholds.get(FinancialYear.containing(period).start_year)

    def ytd(self, period: date) -> Decimal | None:
        points = [
            Point(r.value, r.numerator, r.denominator)
            for p in fy_periods_to(period, self.frequency)
            if (r := self.results.get(p)) is not None
        ]
        return aggregate_ytd(YtdMethod(self.indicator.ytd_method), points, scale=Unit(self.indicator.unit).scale)

    def kpi_row(self, direction_basis: str) -> KpiRow:
        indicator, period = self.indicator, self.latest
        threshold = self.threshold(period) if period else self.threshold(self.expected)
        rule = threshold.rule(indicator.polarity) if threshold else None
        last_year = same_period_last_year(period) if period else None
        compare_with = (
            last_year
            if direction_basis == DirectionBasis.SAME_PERIOD_LAST_YEAR or not period
            else previous_period(period, self.frequency)
        )
        assessment = assess(
            rule=rule or RatingRule(scheme=Scheme.DATA_ONLY, polarity=Polarity(indicator.polarity)),
            decimals=indicator.decimals,
            month=self.value(period),
            ytd=self.ytd(period) if period else None,
            previous=self.value(compare_with),
            last_year=self.value(last_year),
            last_year_ytd=self.ytd(last_year) if last_year else None,
        )
        return KpiRow(
            indicator=indicator,
            period=period,
            expected_period=self.expected,
            value=assessment.month_value,
            month_rag=assessment.month_rag,
            ytd_value=assessment.ytd_value,
            ytd_rag=assessment.ytd_rag,
            target=threshold.target if threshold else None,
            floor=threshold.floor if threshold else None,
            previous_year=round_for_display(self.value(last_year), indicator.decimals),
            direction=assessment.direction,
            rule=rule,
            commentary=self.commentary.get(period) if period else None,
            last_reported=indicator.last_reported,
            trend=self.trend(),
        )

    def activity_row(self) -> ActivityRow:
        indicator, period = self.indicator, self.latest
        threshold = self.threshold(period or self.expected)
        lower = threshold.lower if threshold else None
        upper = threshold.upper if threshold else None
        value = round_for_display(self.value(period), indicator.decimals)
        return ActivityRow(
            indicator=indicator,
            period=period,
            expected_period=self.expected,
            value=value,
            lower=lower,
            upper=upper,
            range=expected_range(value, lower, upper),
            previous_year=round_for_display(
                self.value(same_period_last_year(period)) if period else None, indicator.decimals
            ),
            last_reported=indicator.last_reported,
            trend=self.trend(),
        )


def latest_data_period(indicators: QuerySet[Indicator] | None = None) -> date | None:
    """The newest period any of these indicators has a result for."""
    results = Result.objects.filter(value__isnull=False)
    if indicators is not None:
        results = results.filter(indicator__in=indicators)
    return results.aggregate(latest=Max("period"))["latest"]


def indicator_row(indicator: Indicator, period: date, direction_basis: str = DirectionBasis.PREVIOUS_PERIOD):
    """The dashboard row for one indicator fetched through `dashboard_queryset`."""
    history = _History(indicator, period)
    if indicator.kind == Kind.ACTIVITY:
        return history.activity_row()
    return history.kpi_row(direction_basis)
