"""Which indicators are Red (or a special cause of concern) with no open improvement action.

Read from the stored ratings (`indicators.Rating`, written with each figure),
so a page asks one query however many indicators it covers; the dashboard, which has
already read them, passes its own (`flags_of_rated`). The rule itself is `plans.rules.needs_action`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.urls import reverse

from indicators.dashboard import HISTORY_MONTHS
from indicators.models import Headline, Indicator, Kind, Rating
from indicators.notices import RatedKpi
from indicators.periods import add_months, period_label
from indicators.spc import Variation
from plans.models import Action
from plans.rules import missing_action_message, needs_action

CONCERNS = frozenset({Variation.CONCERN_HIGH.value, Variation.CONCERN_LOW.value})


@dataclass(frozen=True)
class Flag:
    """An indicator that needs an improvement action and has none open."""

    code: str
    period: date
    message: str  # "ICT02 is Red and has no improvement action"

    @property
    def period_label(self) -> str:
        return period_label(self.period)

    @property
    def add_url(self) -> str:
        return reverse("action_new") + f"?indicator={self.code}"


def open_action_exists():
    """An `Exists` for annotating indicators: has it an open (not complete) action?"""
    return Exists(Action.objects.open().filter(indicators=OuterRef("pk")))


def with_open_actions(indicator_ids) -> set[int]:
    """Which of these indicators have an open action, in one query."""
    ids = set(indicator_ids)
    if not ids:
        return set()
    return set(Action.objects.open().filter(indicators__in=ids).values_list("indicators", flat=True)) & ids


def unactioned(indicators: QuerySet[Indicator], period: date | None = None) -> list[Flag]:
    """The KPIs among `indicators` whose latest figure (as of `period`, default the newest) needs an
    action they do not have: rated Red on the rating the dashboard counts, or a special cause of
    concern. One query; the window is the dashboard's (HISTORY_MONTHS back from `period`)."""
    ratings = Rating.objects.filter(indicator=OuterRef("pk"))
    if period is not None:
        ratings = ratings.filter(period__lte=period, period__gte=add_months(period, -HISTORY_MONTHS))
    latest = ratings.order_by("-period")
    rows = (
        indicators.exclude(kind=Kind.ACTIVITY)
        .annotate(
            rated=Subquery(latest.values("period")[:1]),
            month_rag=Subquery(latest.values("month_rag")[:1]),
            ytd_rag=Subquery(latest.values("ytd_rag")[:1]),
            variation=Subquery(latest.values("variation")[:1]),
            actioned=open_action_exists(),
        )
        .filter(actioned=False, rated__isnull=False)
        .order_by("code")
        .values_list("code", "headline", "rated", "month_rag", "ytd_rag", "variation")
    )
    flags = []
    for code, headline, rated, month_rag, ytd_rag, variation in rows:
        rag = ytd_rag if headline == Headline.YTD else month_rag
        concern = variation in CONCERNS
        if needs_action(rag, concern):
            flags.append(Flag(code, rated, missing_action_message(code, rag, concern)))
    return flags


def flags_of_rated(kpis: Iterable[RatedKpi]) -> list[Flag]:
    """`unactioned` for a page that has already rated its KPIs (the dashboard, `indicators.notices`):
    the same flags, from the ratings the page shows, in at most one query (whether they have open actions)."""
    figures = [
        (kpi.indicator_id, kpi.code, kpi.period, kpi.rag, kpi.variation in CONCERNS)
        for kpi in kpis
        if kpi.period is not None
    ]
    return _flags(figures, ask=[pk for pk, _, _, rag, concern in figures if needs_action(rag, concern)])


def flags_for(returns: Iterable[tuple[Indicator, date, str, bool]]) -> list[Flag]:
    """The flags of these figures (indicator, period, RAG, concern) whose indicator has no open action.

    For pages that have already rated each figure (My returns, the review queue): one query.
    """
    figures = [(indicator.pk, indicator.code, period, rag, concern) for indicator, period, rag, concern in returns]
    # Asked for every figure's indicator, not only those that need an action, so the page's
    # query count does not depend on how many are Red.
    return _flags(figures, ask=[pk for pk, *_ in figures])


def _flags(figures: list[tuple[int, str, date, str, bool]], *, ask: Iterable[int]) -> list[Flag]:
    """The flags of (indicator id, code, period, RAG, concern) figures that need an action their
    indicator lacks; `ask` is which indicators to look up open actions for (one query)."""
    actioned = with_open_actions(ask)
    return [
        Flag(code, period, missing_action_message(code, rag, concern))
        for pk, code, period, rag, concern in figures
        if needs_action(rag, concern) and pk not in actioned
    ]
