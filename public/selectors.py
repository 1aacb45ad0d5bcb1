"""What the public may see: the one place the rule lives.

Every public surface (the pages, the open-data downloads, the JSON endpoint)
reads through this module, so the rule is written once:

- an indicator is public for a financial year when it is active and the
  performance team has published it for that year (`Publication`);
- of a published year, a month's figure is public only when its return is
  approved (its `Commentary` has status *approved*: the one source of truth for
  approval, see returns/models.py). A figure whose return is a draft, submitted
  or returned is not public, and neither is anything worked out from it;
- the year-to-date value and rating are public only when every figure of the
  year up to that month is approved (otherwise they would be worked out from a
  figure that is not); the previous year's value only when that figure is itself
  public (its year published, its return approved);
- under the tolerance-and-trend scheme an Amber or Red rating says whether the
  figure is worse than the same month a year earlier (or its year to date than
  that month's): it is public only when that figure (and year to date) is, and
  otherwise the figure is shown not rated;
- commentary is public only when approved, and without its author's or
  approver's name: the public sees the responsible service (the directorate);
- direction of travel and the SPC icons are not public: they are worked out
  over the whole history, including figures that are not.

Each selector makes a fixed number of queries however many indicators or years.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from indicators.dashboard import HISTORY_MONTHS, ActivityRow, Dashboard, KpiRow, Position, indicator_row
from indicators.models import (
    Commentary,
    CommentaryStatus,
    Committee,
    Directorate,
    Indicator,
    IndicatorQuerySet,
    Kind,
    Rating,
    Threshold,
)
from indicators.periods import FinancialYear, add_months, same_period_last_year
from indicators.rules import Direction, ExpectedRange, Rag, Scheme
from indicators.spc import Assurance, Variation
from public.models import Publication


@dataclass(frozen=True)
class PublicFigure:
    """One approved figure of a published indicator for one month, as the public may see it."""

    indicator: Indicator
    period: date
    rating: Rating
    threshold: Threshold | None
    commentary: str  # the approved commentary's text; "" when there is none
    ytd_public: bool
    previous_year_public: bool
    previous_ytd_public: bool = False  # the same month a year earlier is public, and so is its year to date

    @property
    def financial_year(self) -> FinancialYear:
        return FinancialYear.containing(self.period)

    @property
    def value(self) -> Decimal | None:
        return self.rating.value

    @property
    def month_rag(self) -> Rag:
        if self.indicator.kind != Kind.KPI:
            return Rag.NONE
        return self._unless_it_tells_of_last_year(Rag(self.rating.month_rag), self.previous_year_public)

    @property
    def ytd_value(self) -> Decimal | None:
        return self.rating.ytd_value if self.ytd_public and self.indicator.kind == Kind.KPI else None

    @property
    def ytd_rag(self) -> Rag:
        if not self.ytd_public or self.indicator.kind != Kind.KPI:
            return Rag.NONE
        return self._unless_it_tells_of_last_year(Rag(self.rating.ytd_rag), self.previous_ytd_public)

    def _unless_it_tells_of_last_year(self, rag: Rag, last_year_public: bool) -> Rag:
        """Under tolerance and trend, Amber or Red says whether the figure is worse than a year earlier
        (`rules.rate`): public only when that figure is, else not rated, as direction of travel is not."""
        if rag in (Rag.AMBER, Rag.RED) and not last_year_public and self.threshold is not None:
            if self.threshold.rule(self.indicator.polarity).scheme is Scheme.TOLERANCE_TREND:
                return Rag.NONE
        return rag

    @property
    def previous_year(self) -> Decimal | None:
        return self.rating.previous_year if self.previous_year_public else None

    @property
    def range(self) -> ExpectedRange:
        return ExpectedRange(self.rating.range) if self.indicator.kind == Kind.ACTIVITY else ExpectedRange.NONE


def publications(indicators: QuerySet[Indicator] | None = None) -> set[tuple[int, int]]:
    """(indicator id, financial year) of every publication of an active indicator: one query."""
    rows = Publication.objects.filter(indicator__active=True)
    if indicators is not None:
        rows = rows.filter(indicator__in=indicators)
    return set(rows.values_list("indicator_id", "financial_year"))


def published_indicators(year: int | None = None) -> IndicatorQuerySet:
    """The active indicators published for `year` (for any year when None), with their directorate."""
    published = Publication.objects.all() if year is None else Publication.objects.filter(financial_year=year)
    return (
        Indicator.objects.active()
        .filter(pk__in=published.values("indicator_id"))
        .select_related("directorate")
        .order_by("code")
    )


def public_figures(
    indicators: QuerySet[Indicator] | None = None,
    *,
    since: date | None = None,
    until: date | None = None,
) -> list[PublicFigure]:
    """Every public figure of these indicators (all when None), by indicator code then month: six queries.

    `since` and `until` (month starts) narrow the months returned; the months
    before them that decide whether a year to date or a previous year is
    public are read all the same.
    """
    published = publications(indicators)
    if not published:
        return []
    ids = {pk for pk, _ in published}
    years = {year for _, year in published}
    first = FinancialYear(min(years) - 1).start  # the previous year's figures, for previous_year
    last = FinancialYear(max(years)).end
    by_pk = {i.pk: i for i in Indicator.objects.filter(pk__in=ids).select_related("directorate")}
    ratings = Rating.objects.filter(indicator_id__in=ids, period__gte=first, period__lte=last).order_by("period")
    approved = dict(
        ((pk, period), text)
        for pk, period, text in Commentary.objects.filter(
            indicator_id__in=ids, period__gte=first, period__lte=last, status=CommentaryStatus.APPROVED
        ).values_list("indicator_id", "period", "text")
    )
    thresholds = {
        (t.indicator_id, t.financial_year): t
        for t in Threshold.objects.filter(indicator_id__in=ids, financial_year__in=years)
    }
    return _figures(list(ratings), published, approved, thresholds, by_pk, since, until)


def _public_pairs(ratings: Iterable[Rating], published: set, approved: dict) -> set[tuple[int, date]]:
    return {
        (r.indicator_id, r.period)
        for r in ratings
        if (r.indicator_id, FinancialYear.containing(r.period).start_year) in published
        and (r.indicator_id, r.period) in approved
    }


def _figures(ratings, published, approved, thresholds, by_pk, since, until) -> list[PublicFigure]:
    public = _public_pairs(ratings, published, approved)
    # A year to date is public while every figure of its year so far is: the first figure of the
    # year that is not approved ends it, for that month and every later one.
    year_broken: dict[tuple[int, int], bool] = defaultdict(bool)
    ytd_public: dict[tuple[int, date], bool] = {}  # of each public figure, whatever `since` and `until`
    figures = []
    for rating in ratings:  # in period order
        pk, period = rating.indicator_id, rating.period
        year = FinancialYear.containing(period).start_year
        if (pk, period) not in public:
            year_broken[(pk, year)] = True
            continue
        ytd_public[(pk, period)] = not year_broken[(pk, year)]
        if (since and period < since) or (until and period > until):
            continue
        last_year = (pk, same_period_last_year(period))
        figures.append(
            PublicFigure(
                indicator=by_pk[pk],
                period=period,
                rating=rating,
                threshold=thresholds.get((pk, year)),
                commentary=approved[(pk, period)],
                ytd_public=ytd_public[(pk, period)],
                previous_year_public=last_year in public,
                previous_ytd_public=ytd_public.get(last_year, False),
            )
        )
    figures.sort(key=lambda f: (f.indicator.code, f.period))
    return figures


def public_periods(indicators: QuerySet[Indicator]) -> list[date]:
    """Every month these indicators have a public figure for, newest first."""
    return sorted({figure.period for figure in public_figures(indicators)}, reverse=True)


@dataclass
class PublicScope:
    """A committee's or a directorate's published indicators: what a public dashboard is drawn for."""

    kind: str  # "committee" or "directorate"
    obj: Committee | Directorate
    indicators: QuerySet[Indicator]

    @property
    def name(self) -> str:
        return self.obj.name


def public_scope(kind: str, slug: str) -> PublicScope | None:
    """The committee or directorate with this slug, if it has any published indicator; else None."""
    published = published_indicators()
    if kind == "committee":
        committee = Committee.objects.filter(slug=slug).first()
        indicators = published.for_committee(committee) if committee else None
        obj: Committee | Directorate | None = committee
    else:
        obj = Directorate.objects.filter(slug=slug).first()
        indicators = published.filter(directorate=obj) if obj else None
    if obj is None or indicators is None or not indicators.exists():
        return None
    return PublicScope(kind, obj, indicators)


def public_scopes() -> list[PublicScope]:
    """Every committee and directorate with a published indicator: three queries."""
    published = list(published_indicators())
    directorate_ids = {i.directorate_id for i in published}
    scopes = []
    for committee in Committee.objects.filter(directorates__in=directorate_ids).distinct():
        scopes.append(PublicScope("committee", committee, published_indicators().for_committee(committee)))
    for directorate in Directorate.objects.filter(pk__in=directorate_ids):
        scopes.append(PublicScope("directorate", directorate, published_indicators().filter(directorate=directorate)))
    return scopes


def public_dashboard(scope: PublicScope, period: date) -> Dashboard:
    """The public dashboard of `scope` at `period`: the indicators published for that month's year.

    Each row is the intranet dashboard's row (`indicators.dashboard.indicator_row`, so the
    numbers are the same) built from the indicator's latest *public* figure on or before
    `period`, with what is not public (direction of travel, SPC, the sparkline, a year to date
    or previous year that is not public) left out.
    """
    year = FinancialYear.containing(period).start_year
    shown = scope.indicators.filter(publications__financial_year=year)
    figures = public_figures(shown, since=add_months(period, -HISTORY_MONTHS), until=period)
    latest: dict[int, PublicFigure] = {}
    for figure in figures:  # oldest first within an indicator
        latest[figure.indicator.pk] = figure
    thresholds = {t.indicator_id: t for t in Threshold.objects.filter(indicator__in=shown, financial_year=year)}
    dashboard = Dashboard(period=period, direction_basis="previous")
    for indicator in shown.select_related("directorate"):
        found = latest.get(indicator.pk)
        indicator.last_reported = found.period if found else None  # type: ignore[attr-defined]  # as with_last_reported
        threshold = found.threshold if found else thresholds.get(indicator.pk)
        position = Position(indicator, found.rating if found else None, threshold, None)
        row = _public_row(indicator_row(position, period), found)
        if isinstance(row, ActivityRow):
            dashboard.activities.append(row)
        else:
            dashboard.kpis.append(row)
    return dashboard


def _public_row(row: KpiRow | ActivityRow, figure: PublicFigure | None) -> KpiRow | ActivityRow:
    previous_year = figure.previous_year if figure else None
    if isinstance(row, ActivityRow):
        return replace(row, trend=(), variation=Variation.NONE, previous_year=previous_year)
    return replace(
        row,
        trend=(),
        variation=Variation.NONE,
        assurance=Assurance.NONE,
        direction=Direction.NONE,
        commentary=None,
        previous_year=previous_year,
        month_rag=figure.month_rag if figure else Rag.NONE,
        ytd_value=figure.ytd_value if figure else None,
        ytd_rag=figure.ytd_rag if figure else Rag.NONE,
    )


def public_indicator(code: str) -> Indicator | None:
    """The active indicator with this code if it is published for any year; else None."""
    return published_indicators().filter(code=code).first()


def published_years(indicator: Indicator) -> list[int]:
    return sorted(
        Publication.objects.filter(indicator=indicator).values_list("financial_year", flat=True), reverse=True
    )
