"""A council plan's position for a period: each priority's indicators, with their RAG and SPC
state counted (never averaged into a score), read from the stored ratings in a fixed number of
queries however many priorities, objectives or indicators."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Max, OuterRef, Prefetch, Subquery

from indicators.dashboard import HISTORY_MONTHS
from indicators.models import Headline, Indicator, Kind, Rating, Result
from indicators.periods import add_months
from indicators.spc import Variation
from plans.models import Objective, Plan, Priority

# The SPC families counted, in the order shown: a variation's first word ("" when not enough data).
SPC_FAMILIES = (
    ("concern", "Special cause concern"),
    ("improvement", "Special cause improvement"),
    ("neutral", "Special cause, neither better nor worse"),
    ("common", "Common cause"),
    ("", "Not enough data"),
)
RAGS = (("green", "Green"), ("amber", "Amber"), ("red", "Red"), ("", "No RAG"))


@dataclass
class IndicatorState:
    indicator: Indicator
    period: date | None  # the rating's own period (the latest on or before the plan page's)
    rag: str  # "" for an activity indicator or no rating
    variation: Variation

    @property
    def family(self) -> str:
        return self.variation.value.split("_")[0] if self.variation else ""


@dataclass
class PriorityPosition:
    priority: Priority
    objectives: list[tuple[Objective, list[IndicatorState]]]
    indicators: list[IndicatorState] = field(default_factory=list)  # each once, however many objectives

    @property
    def kpis(self) -> list[IndicatorState]:
        return [state for state in self.indicators if state.indicator.kind == Kind.KPI]

    @property
    def rag_counts(self) -> list[tuple[str, str, int]]:
        counts = Counter(state.rag for state in self.kpis)
        return [(rag, label, counts[rag]) for rag, label in RAGS]

    @property
    def spc_counts(self) -> list[tuple[str, str, int]]:
        counts = Counter(state.family for state in self.indicators)
        return [(family, label, counts[family]) for family, label in SPC_FAMILIES]


def latest_period(plan: Plan) -> date | None:
    """The newest period any of the plan's indicators has a figure for."""
    shown = Indicator.objects.filter(objectives__priority__plan=plan).distinct()
    return Result.objects.filter(indicator__in=shown, value__isnull=False).aggregate(latest=Max("period"))["latest"]


def _states(ids: set[int], period: date) -> dict[int, IndicatorState]:
    latest = Rating.objects.filter(
        indicator=OuterRef("pk"), period__lte=period, period__gte=add_months(period, -HISTORY_MONTHS)
    ).order_by("-period")
    indicators = Indicator.objects.filter(pk__in=ids).annotate(
        rated=Subquery(latest.values("period")[:1]),
        month_rag=Subquery(latest.values("month_rag")[:1]),
        ytd_rag=Subquery(latest.values("ytd_rag")[:1]),
        rated_variation=Subquery(latest.values("variation")[:1]),
    )
    states = {}
    for indicator in indicators:
        rag = (indicator.ytd_rag if indicator.headline == Headline.YTD else indicator.month_rag) or ""
        states[indicator.pk] = IndicatorState(
            indicator,
            indicator.rated,
            rag if indicator.kind == Kind.KPI else "",
            Variation(indicator.rated_variation or ""),
        )
    return states


def plan_position(plan: Plan, period: date) -> list[PriorityPosition]:
    """Each priority of the plan with its objectives' indicators as of `period` (five queries)."""
    priorities = list(
        plan.priorities.prefetch_related(
            Prefetch("objectives", queryset=Objective.objects.prefetch_related("indicators").order_by("number"))
        ).order_by("number")
    )
    ids = {i.pk for p in priorities for o in p.objectives.all() for i in o.indicators.all()}
    states = _states(ids, period) if ids else {}
    positions = []
    for priority in priorities:
        objectives = [
            (objective, [states[i.pk] for i in sorted(objective.indicators.all(), key=lambda i: i.code)])
            for objective in priority.objectives.all()
        ]
        seen = {state.indicator.pk: state for _, rows in objectives for state in rows}
        positions.append(PriorityPosition(priority, objectives, sorted(seen.values(), key=lambda s: s.indicator.code)))
    return positions
