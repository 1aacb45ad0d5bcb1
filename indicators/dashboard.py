"""The performance position of a set of indicators for a period.

One function, `build_dashboard`, turns indicators and their results into the
rows every output shows: the dashboard page, its CSV/XLSX download, the
`dashboard` command and the committee paper. The numbers come from
`rules.py`; this module only gathers the inputs, in a fixed number of queries
however many indicators or years of history there are.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db.models import Case, Count, F, FilteredRelation, Max, OuterRef, Q, QuerySet, Subquery, When

from indicators.models import (
    Commentary,
    CommentaryStatus,
    DirectionBasis,
    Headline,
    Indicator,
    IndicatorQuerySet,
    Kind,
    Rating,
    Result,
    Threshold,
)
from indicators.periods import FinancialYear, Frequency, add_months
from indicators.ratings import direction, year_to
from indicators.rules import Direction, ExpectedRange, Rag, RatingRule
from indicators.spc import Assurance, Variation

# Results older than this are not needed for any figure on a dashboard: the
# latest value, its year to date, and the same figures a year earlier.
HISTORY_MONTHS = 24

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
    variation: Variation = Variation.NONE  # SPC, of the chart ending at `period`
    assurance: Assurance = Assurance.NONE

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
    variation: Variation = Variation.NONE  # SPC; an activity has no target, so no assurance

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
    def rows(self) -> list[KpiRow | ActivityRow]:
        """Every row, the KPIs first."""
        return [*self.kpis, *self.activities]

    @property
    def has_data(self) -> bool:
        return any(row.value is not None for row in self.rows)

    def rows_with_rag(self, rag: Rag) -> list[KpiRow]:
        return [row for row in self.kpis if row.rag is rag]


@dataclass(frozen=True)
class Position:
    """What a dashboard row is drawn from: an indicator, its latest stored rating on or before the
    period (within HISTORY_MONTHS), that rating's financial year's threshold (the expected period's
    year when there is no rating) and the rating's approved commentary."""

    indicator: Indicator  # fetched through `IndicatorQuerySet.with_last_reported`
    rating: Rating | None
    threshold: Threshold | None
    commentary: Commentary | None


def positions(indicators: IndicatorQuerySet, period: date) -> list[Position]:
    """Each indicator's `Position` at `period`, in two queries however many indicators (one when there are none).

    Every recorded figure has a rating, so an indicator's latest rating is the one at its
    `last_reported` period: the rating and its approved commentary are joined to the indicators on
    their unique (indicator, period) indexes, and the thresholds asked for by exact (indicator, year)
    pairs, one OR term per distinct year, rather than finding each indicator's latest row among its history.
    """
    since = add_months(period, -HISTORY_MONTHS)
    rated = Q(ratings__period=F("last_reported"), ratings__period__gte=since)
    approved = Q(commentaries__period=F("last_reported"), commentaries__period__gte=since)
    approved &= Q(commentaries__status=CommentaryStatus.APPROVED)
    indicators = indicators.with_last_reported(period).annotate(
        rated=FilteredRelation("ratings", condition=rated),
        approved=FilteredRelation("commentaries", condition=approved),
    )
    # A relation with no row is left unset, not set to None.
    found = [
        (i, getattr(i, "rated", None), getattr(i, "approved", None))
        for i in indicators.select_related("rated", "approved")
    ]
    by_year: dict[int, list[int]] = defaultdict(list)
    for i, rating, _ in found:
        shown = rating.period if rating else expected_period(period, Frequency(i.frequency))
        by_year[FinancialYear.containing(shown).start_year].append(i.pk)
    pairs = [Q(financial_year=year, indicator_id__in=pks) for year, pks in by_year.items()]
    # Unordered: one row per indicator, so the default ordering (by indicator code) would only join and sort.
    thresholds = {t.indicator_id: t for t in Threshold.objects.filter(reduce(or_, pairs)).order_by()} if pairs else {}
    return [Position(i, rating, thresholds.get(i.pk), commentary) for i, rating, commentary in found]


def build_dashboard(
    indicators: IndicatorQuerySet, period: date, *, direction_basis: str = DirectionBasis.PREVIOUS_PERIOD
) -> Dashboard:
    """The dashboard of these indicators at `period`, in three queries."""
    dashboard = Dashboard(period=period, direction_basis=direction_basis)
    for position in positions(indicators.order_by("code"), period):
        row = indicator_row(position, period, direction_basis)
        (dashboard.activities if position.indicator.kind == Kind.ACTIVITY else dashboard.kpis).append(row)
    return dashboard


def expected_period(period: date, frequency: Frequency) -> date:
    """The latest reporting period on or before `period` for this frequency."""
    return year_to(period, frequency)[-1]


def _trend(rating: Rating | None, frequency: Frequency, period: date) -> Trend:
    """The reporting periods of the TREND_MONTHS up to `period`, with their values (none after the rating's)."""
    values = {date.fromisoformat(p): Decimal(v) for p, v in rating.trend} if rating else {}
    return tuple((p, values.get(p)) for p in year_to(period, frequency))


def indicator_row(position: Position, period: date, direction_basis: str = DirectionBasis.PREVIOUS_PERIOD):
    """The dashboard row for one indicator's position at `period`."""
    indicator, rating, threshold = position.indicator, position.rating, position.threshold
    frequency = Frequency(indicator.frequency)
    expected = expected_period(period, frequency)
    rated = rating.period if rating else None
    common = {
        "indicator": indicator,
        "period": rated,
        "expected_period": expected,
        "value": rating.value if rating else None,
        "previous_year": rating.previous_year if rating else None,
        "last_reported": indicator.last_reported,  # type: ignore[attr-defined]  # with_last_reported's annotation
        "trend": _trend(rating, frequency, period),
        "variation": Variation(rating.variation) if rating else Variation.NONE,
    }
    if indicator.kind == Kind.ACTIVITY:
        return ActivityRow(
            **common,
            lower=threshold.lower if threshold else None,
            upper=threshold.upper if threshold else None,
            range=ExpectedRange(rating.range) if rating else ExpectedRange.NONE,
        )
    return KpiRow(
        **common,
        month_rag=Rag(rating.month_rag) if rating else Rag.NONE,
        ytd_value=rating.ytd_value if rating else None,
        ytd_rag=Rag(rating.ytd_rag) if rating else Rag.NONE,
        target=threshold.target if threshold else None,
        floor=threshold.floor if threshold else None,
        direction=direction(rating, direction_basis) if rating else Direction.NONE,
        rule=threshold.rule(indicator.polarity) if threshold else None,
        commentary=position.commentary,
        assurance=Assurance(rating.assurance) if rating else Assurance.NONE,
    )


def data_periods(indicators: QuerySet[Indicator]) -> list[date]:
    """Every period any of these indicators has a figure for, newest first.

    Every recorded figure has a stored rating, so the periods are read from the ratings'
    (indicator, period) index alone, not from the results' rows.
    """
    ratings = Rating.objects.filter(indicator__in=indicators)
    return list(ratings.order_by("-period").values_list("period", flat=True).distinct())


def latest_data_period(indicators: QuerySet[Indicator] | None = None) -> date | None:
    """The newest period any of these indicators has a result for."""
    results = Result.objects.filter(value__isnull=False)
    if indicators is not None:
        results = results.filter(indicator__in=indicators)
    return results.aggregate(latest=Max("period"))["latest"]


def latest_rags(indicators: QuerySet[Indicator], period: date) -> list[tuple[int, Rag]]:
    """(directorate id, rating) of each KPI's dashboard row for `period` (`KpiRow.rag`), in one query.

    For pages that only count ratings (home): no row is built. The rating counted (the month's or the
    year to date's, by the indicator's headline) is chosen in the database, so each KPI's latest rating
    is looked up once, and the ratings come back counted per directorate rather than one row per KPI.
    """
    since = add_months(period, -HISTORY_MONTHS)
    latest = Rating.objects.filter(indicator=OuterRef("pk"), period__gte=since, period__lte=period).order_by("-period")
    counted = Case(
        When(headline=Headline.YTD, then=Subquery(latest.values("ytd_rag")[:1])),
        default=Subquery(latest.values("month_rag")[:1]),
    )
    rows = (
        indicators.exclude(kind=Kind.ACTIVITY)
        .order_by()  # counted, so the default order (by code) would only sort for nothing
        .annotate(rag=counted)
        .values_list("directorate_id", "rag")
        .annotate(n=Count("pk"))
    )
    return [(directorate, _RAG_OF[rag or ""]) for directorate, rag, n in rows for _ in range(n)]


# A stored rating's Rag by a dict lookup: calling the enum for each of 2,000 KPIs was a sixth of home's time.
_RAG_OF = {rag.value: rag for rag in Rag}
