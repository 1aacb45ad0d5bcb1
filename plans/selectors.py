"""Reads of improvement actions that other pages and apps share: each a fixed number of queries.

The paper snapshot (reports), the owners' reminders (returns) and the indicator
page (through `plans.indicator_actions`) read actions here, so they agree on
which actions count as open and in what order they come.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from plans.models import Action
from plans.rules import ActionStatus


def open_actions_by_indicator(indicator_ids: Iterable[int]) -> dict[int, list[Action]]:
    """Each indicator's open (not complete) actions, soonest due first, owners loaded: one query.

    An action about several indicators is listed under each of them (the same object).
    """
    ids = set(indicator_ids)
    if not ids:
        return {}
    links = (
        Action.indicators.through.objects.filter(indicator_id__in=ids)
        .exclude(action__status=ActionStatus.COMPLETE)
        .select_related("action__owner")
        .order_by("action__due", "action__pk")
    )
    by_indicator: dict[int, list[Action]] = defaultdict(list)
    actions: dict[int, Action] = {}
    for link in links:
        action = actions.setdefault(link.action_id, link.action)
        by_indicator[link.indicator_id].append(action)
    return dict(by_indicator)


def actions_due_by(due_by: date) -> list[Action]:
    """Open actions due on or before `due_by` (the overdue ones too), soonest first, with their owners
    and indicators: two queries."""
    return list(
        Action.objects.open()
        .filter(due__lte=due_by)
        .select_related("owner")
        .prefetch_related("indicators")
        .order_by("due", "pk")
    )
