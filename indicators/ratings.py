"""Each result's ratings, worked out when it is written and stored beside it.

A dashboard row shows an indicator's latest figure as of a period: its value,
month and year-to-date RAG, the direction of travel, last year's value and the
sparkline. Working those out means reading up to two years of results per
indicator and rating them in Python, which was most of a cold dashboard's time
(and a whole second for the home page at 2,000 indicators). So they are worked
out once, when a result, a threshold or a rating-relevant field of its indicator
changes, in the same transaction as that write, and kept in `Rating`: one row
per recorded figure. A dashboard then reads one `Rating` per indicator.

What a write changes:

- a result of period p: the ratings of p and every later period (its year to
  date, the next period's direction, next year's "same period last year");
- a threshold of a financial year: the ratings from that year's start;
- an indicator's kind, polarity, decimals, unit, frequency, YTD method or
  headline, or an SPC phase: all of its ratings.

With each rating go the SPC icons of the XmR chart that ends at its period
(`spc.icons_as_of_each_point`, one pass over the indicator's series), so a
dashboard shows them without reading the history either.

Model signals catch every ORM save and delete (forms, services, the admin, the
shell). Bulk writes that send no signals (the import's COPY, the demo's
bulk_create) call `refresh` themselves; `deferred()` gathers the refreshes of
many saves into one. The defaults behind a threshold without its own
tolerances come from settings: after changing those, run
``python manage.py rerate``.
"""

from __future__ import annotations

import contextvars
import json
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from indicators.models import DirectionBasis, Indicator, Kind, Phase, Rating, Result, Threshold
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
    Point,
    Polarity,
    RatingRule,
    Scheme,
    YtdMethod,
    aggregate_ytd,
    assess,
    direction_of_travel,
    expected_range,
    round_for_display,
)
from indicators.spc import Assurance, Variation, icons_as_of_each_point
from indicators.units import Unit

# How far back a row's sparkline reaches, counting the rating's own month.
TREND_MONTHS = 12
# The indicator's fields a rating reads: a change to any of them re-rates every result.
RATED_FIELDS = ("kind", "polarity", "decimals", "unit", "frequency", "ytd_method", "headline")
BATCH = 100  # indicators re-rated per round of queries (and ratings held in memory at once)


class Figures(NamedTuple):
    period: date
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None


class History:
    """One indicator's results and thresholds, rated as of any of its periods."""

    def __init__(
        self,
        indicator: Indicator,
        results: Iterable[Figures],
        thresholds: Iterable[Threshold],
        phase_starts: Iterable[date] = (),
        since: date | None = None,
    ) -> None:
        self.indicator = indicator
        self.frequency = Frequency(indicator.frequency)
        self.results = {r.period: r for r in results}
        self.thresholds = {t.financial_year: t for t in thresholds}
        self.scale = Unit(indicator.unit).scale
        self.ytd_method = YtdMethod(indicator.ytd_method)
        # Each value as displayed, worked out once: the sparkline of every later month shows it again.
        self.shown = {
            p: str(round_for_display(r.value, indicator.decimals))
            for p, r in self.results.items()
            if r.value is not None
        }
        self.icons = self._spc_icons(sorted(phase_starts), since)
        self.rules: dict[int, RatingRule] = {}

    def _spc_icons(self, phase_starts: list[date], since: date | None) -> dict[date, tuple[Variation, Assurance]]:
        """The SPC icons of the chart ending at each period, as the indicator page's chart draws it.

        The chart runs over every reporting period from the first value
        (`spc_chart.indicator_xmr`); a KPI's assurance uses that year's target.
        """
        recorded = sorted(p for p, r in self.results.items() if r.value is not None)
        if not recorded:
            return {}
        periods = reporting_periods(self.frequency, recorded[0], recorded[-1])
        targets = []
        for period in periods:
            threshold = self.threshold(period) if self.indicator.is_kpi else None
            targets.append(threshold.target if threshold else None)
        starts = [bisect_left(periods, start) for start in phase_starts if periods[0] < start <= periods[-1]]
        icons = icons_as_of_each_point(
            [self.value(p) for p in periods],
            polarity=Polarity(self.indicator.polarity),
            targets=targets,
            phase_starts=starts,
            start=bisect_left(periods, since) if since else 0,
        )
        return dict(zip(periods, icons, strict=True))

    def value(self, period: date | None) -> Decimal | None:
        result = self.results.get(period) if period else None
        return result.value if result else None

    def threshold(self, period: date) -> Threshold | None:
        return self.thresholds.get(FinancialYear.containing(period).start_year)

    def ytd(self, period: date) -> Decimal | None:
        points = [
            Point(r.value, r.numerator, r.denominator)
            for p in _fy_periods_to(period, self.frequency)
            if (r := self.results.get(p)) is not None
        ]
        return aggregate_ytd(self.ytd_method, points, scale=self.scale)

    def trend(self, period: date) -> list[list[str]]:
        """The recorded values (as displayed) of the TREND_MONTHS up to `period`: [[iso date, value], …]."""
        return [[p.isoformat(), shown] for p in year_to(period, self.frequency) if (shown := self.shown.get(p))]

    def rule(self, period: date) -> RatingRule:
        """The rating rule of the period's financial year (one per year, not one per rating)."""
        year = FinancialYear.containing(period).start_year
        rule = self.rules.get(year)
        if rule is None:
            threshold = self.thresholds.get(year)
            polarity = self.indicator.polarity
            rule = self.rules[year] = (
                threshold.rule(polarity)
                if threshold
                else RatingRule(scheme=Scheme.DATA_ONLY, polarity=Polarity(polarity))
            )
        return rule

    def rating(self, period: date) -> dict:
        """The stored ratings of the figure for `period` (which has a value): `Rating`'s fields."""
        indicator = self.indicator
        decimals = indicator.decimals
        last_year = same_period_last_year(period)
        value = round_for_display(self.value(period), decimals)
        previous_year = round_for_display(self.value(last_year), decimals)
        variation, assurance = self.icons.get(period, (Variation.NONE, Assurance.NONE))
        rating = {
            "indicator_id": indicator.pk,
            "period": period,
            "value": value,
            "month_rag": "",
            "ytd_value": None,
            "ytd_rag": "",
            "direction": "",
            "direction_last_year": "",
            "previous_year": previous_year,
            "range": "",
            "trend": self.trend(period),
            "variation": variation.value,
            "assurance": assurance.value,
        }
        if indicator.kind == Kind.ACTIVITY:
            threshold = self.threshold(period)
            lower = threshold.lower if threshold else None
            upper = threshold.upper if threshold else None
            rating["range"] = expected_range(value, lower, upper).value
            return rating
        rule = self.rule(period)
        assessment = assess(
            rule=rule,
            decimals=decimals,
            month=self.value(period),
            ytd=self.ytd(period),
            previous=self.value(previous_period(period, self.frequency)),
            last_year=self.value(last_year),
            last_year_ytd=self.ytd(last_year),
        )
        rating["month_rag"] = assessment.month_rag.value
        rating["ytd_value"] = assessment.ytd_value
        rating["ytd_rag"] = assessment.ytd_rag.value
        rating["direction"] = assessment.direction.value
        # The same comparison `assess` makes, with last year's value as the one before.
        rating["direction_last_year"] = direction_of_travel(
            value, previous_year, rule.polarity, target=rule.target
        ).value
        return rating

    def ratings(self, since: date | None = None) -> list[dict]:
        return [
            self.rating(period)
            for period, result in sorted(self.results.items())
            if result.value is not None and (since is None or period >= since)
        ]


@lru_cache(maxsize=1024)
def year_to(period: date, frequency: Frequency) -> tuple[date, ...]:
    """The reporting periods of the TREND_MONTHS up to `period` (the same tuple for every indicator alike)."""
    return tuple(reporting_periods(frequency, add_months(period, 1 - TREND_MONTHS), period))


@lru_cache(maxsize=1024)
def _fy_periods_to(period: date, frequency: Frequency) -> tuple[date, ...]:
    return tuple(fy_periods_to(period, frequency))


# Direction of travel on the statistical basis: a special cause improvement or concern, else no significant change.
SPC_DIRECTION = {
    "improvement": Direction.IMPROVED,
    "concern": Direction.WORSENED,
    "common": Direction.UNCHANGED,
    "neutral": Direction.UNCHANGED,  # a close-to-target indicator's special cause is neither better nor worse
}


def direction(rating: Rating, basis: str) -> Direction:
    """The stored direction of travel on the committee's basis."""
    if basis == DirectionBasis.SPC:
        return SPC_DIRECTION.get(rating.variation.split("_")[0], Direction.NONE) if rating.variation else Direction.NONE
    return Direction(rating.direction_last_year if basis == DirectionBasis.SAME_PERIOD_LAST_YEAR else rating.direction)


# --- keeping them up to date ---------------------------------------------------------

_pending: contextvars.ContextVar[dict[int, date | None] | None] = contextvars.ContextVar("ratings", default=None)


def _merge(into: dict[int, date | None], changes: dict[int, date | None]) -> None:
    for pk, since in changes.items():
        if pk in into:
            current = into[pk]
            into[pk] = None if current is None or since is None else min(current, since)
        else:
            into[pk] = since


def refresh(changes: dict[int, date | None]) -> None:
    """Re-rate each indicator's results from the period given (None: all of them), in the caller's transaction."""
    pending = _pending.get()
    if pending is not None:
        _merge(pending, changes)
        return
    ids = sorted(changes)
    with transaction.atomic(savepoint=False):  # the caller's, or its own for a caller with none (a shell)
        # Two writers of one indicator would each rate it without the other's figures (and clash on the
        # ratings' unique rows): the indicator's lock makes the second wait and rate from the first's.
        Indicator.objects.filter(pk__in=ids).lock_figures()
        for start in range(0, len(ids), BATCH):
            _refresh_batch({pk: changes[pk] for pk in ids[start : start + BATCH]})


def _refresh_batch(changes: dict[int, date | None]) -> None:
    indicators = Indicator.objects.in_bulk(list(changes))
    results: dict[int, list[Figures]] = defaultdict(list)
    for pk, period, value, numerator, denominator in Result.objects.filter(
        indicator_id__in=list(indicators)
    ).values_list("indicator_id", "period", "value", "numerator", "denominator"):
        results[pk].append(Figures(period, value, numerator, denominator))
    thresholds: dict[int, list[Threshold]] = defaultdict(list)
    for threshold in Threshold.objects.filter(indicator_id__in=list(indicators)):
        thresholds[threshold.indicator_id].append(threshold)
    phases: dict[int, list[date]] = defaultdict(list)
    for pk, start in Phase.objects.filter(indicator_id__in=list(indicators)).values_list("indicator_id", "start"):
        phases[pk].append(start)
    by_since: dict[date | None, list[int]] = defaultdict(list)
    for pk, since in changes.items():
        by_since[since].append(pk)
    for since, pks in by_since.items():
        stale = Rating.objects.filter(indicator_id__in=pks)
        (stale if since is None else stale.filter(period__gte=since)).delete()
    fresh = [
        rating
        for pk, indicator in indicators.items()
        for rating in History(indicator, results[pk], thresholds[pk], phases[pk], changes[pk]).ratings(changes[pk])
    ]
    _write(fresh)


_COLUMNS = [f.column for f in Rating._meta.concrete_fields if not f.primary_key]


def _write(ratings: list[dict]) -> None:
    """Insert the ratings: by COPY on PostgreSQL (no model instances, no per-row SQL), else in bulk."""
    if not ratings:
        return
    if connection.vendor != "postgresql":
        Rating.objects.bulk_create([Rating(**rating) for rating in ratings], batch_size=2_000)
        return
    table = connection.ops.quote_name(Rating._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _COLUMNS)
    fields = [f.attname for f in Rating._meta.concrete_fields if not f.primary_key]
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for rating in ratings:
            rating["trend"] = json.dumps(rating["trend"])
            copy.write_row([rating[name] for name in fields])


def refresh_all() -> int:
    """Re-rate every result; the number of ratings stored."""
    refresh(dict.fromkeys(Indicator.objects.values_list("pk", flat=True)))
    return Rating.objects.count()


def refresh_missing() -> int:
    """Rate the indicators with a recorded figure that has no rating (after an upgrade); how many."""
    rated = Rating.objects.filter(indicator=OuterRef("indicator"), period=OuterRef("period"))
    missing = set(
        Result.objects.filter(value__isnull=False)
        .filter(~Exists(rated))
        .values_list("indicator_id", flat=True)
        .distinct()
    )
    refresh(dict.fromkeys(missing))
    return len(missing)


@contextmanager
def deferred() -> Iterator[None]:
    """The refreshes asked for inside run once, together, at the end (for bulk writes).

    Used inside the writer's transaction, so the ratings commit with the writes;
    nothing is refreshed if the block raises (its transaction rolls back).
    """
    if _pending.get() is not None:  # already gathering: the outer block refreshes
        yield
        return
    pending: dict[int, date | None] = {}
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    refresh(pending)


# --- signals: every ORM write --------------------------------------------------------


def _lock_indicator(sender, instance: Result | Threshold | Phase, **kwargs) -> None:
    # Before the row's own, as the services take them: else an admin edit and a save of it could deadlock.
    Indicator.objects.filter(pk=instance.indicator_id).lock_figures()


def _result_changed(sender, instance: Result, **kwargs) -> None:
    refresh({instance.indicator_id: instance.period})


def _threshold_changed(sender, instance: Threshold, **kwargs) -> None:
    refresh({instance.indicator_id: FinancialYear(instance.financial_year).start})


def _phase_changed(sender, instance: Phase, **kwargs) -> None:
    refresh({instance.indicator_id: None})  # the phase may have moved: its old start is not known here


def _note_rated_fields(sender, instance: Indicator, raw: bool = False, **kwargs) -> None:
    if instance.pk is None or raw:
        instance._rerate = True  # type: ignore[attr-defined]
        return
    old = Indicator.objects.filter(pk=instance.pk).values_list(*RATED_FIELDS).first()
    new = tuple(getattr(instance, name) for name in RATED_FIELDS)
    instance._rerate = old is None or tuple(old) != new  # type: ignore[attr-defined]


def _indicator_saved(sender, instance: Indicator, created: bool, **kwargs) -> None:
    if getattr(instance, "_rerate", True) and not created:  # a new indicator has no results yet
        refresh({instance.pk: None})


def connect_signals() -> None:
    """Re-rate on every ORM write of what a rating reads.

    Signals, although STYLE.md keeps business logic out of them: a rating is
    derived data, and a receiver is the one place that sees every save (admin,
    forms, services, shell) without each caller remembering. They run in the
    writer's transaction.
    """
    for model in (Result, Threshold, Phase):
        pre_save.connect(_lock_indicator, sender=model, dispatch_uid=f"ratings-lock-save-{model.__name__}")
        pre_delete.connect(_lock_indicator, sender=model, dispatch_uid=f"ratings-lock-delete-{model.__name__}")
    post_save.connect(_result_changed, sender=Result, dispatch_uid="ratings-result-save")
    post_delete.connect(_result_changed, sender=Result, dispatch_uid="ratings-result-delete")
    post_save.connect(_threshold_changed, sender=Threshold, dispatch_uid="ratings-threshold-save")
    post_delete.connect(_threshold_changed, sender=Threshold, dispatch_uid="ratings-threshold-delete")
    post_save.connect(_phase_changed, sender=Phase, dispatch_uid="ratings-phase-save")
    post_delete.connect(_phase_changed, sender=Phase, dispatch_uid="ratings-phase-delete")
    pre_save.connect(_note_rated_fields, sender=Indicator, dispatch_uid="ratings-indicator-pre-save")
    post_save.connect(_indicator_saved, sender=Indicator, dispatch_uid="ratings-indicator-save")
