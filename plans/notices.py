"""The dashboard's "ICT02 is Red and has no improvement action" notices, and the indicator page's
list of its actions and committee resolutions (both registered in `PlansConfig.ready`)."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from indicators.models import Indicator
from indicators.notices import Notice
from plans.flags import unactioned
from plans.models import Action


def missing_actions(indicators: QuerySet[Indicator], period: date) -> list[Notice]:
    """Linked to the indicator's actions, where those who may add one can (everyone reads a dashboard)."""
    return [
        Notice(
            f"{flag.message} ({flag.period_label}).",
            reverse("actions") + f"?indicator={flag.code}",
            f"Improvement actions for {flag.code}",
        )
        for flag in unactioned(indicators, period)
    ]


def indicator_actions(indicator: Indicator) -> list[Notice]:
    """The indicator page's list of its actions, a committee resolution with its source (one query)."""
    today = timezone.localdate()
    actions = Action.objects.filter(indicators=indicator).select_related("owner", "source_committee")
    notices = []
    for action in actions.order_by("due", "pk"):
        owner = action.owner.get_full_name() or action.owner.get_username()
        facts = f"owner {owner}, due {action.due.day} {action.due:%B %Y}, {action.shown_status(today).label.lower()}"
        if action.source:
            message = f"Committee resolution: {action.title} ({facts}). Source: {action.source}."
        else:
            message = f"Improvement action: {action.title} ({facts})."
        notices.append(Notice(message, action.get_absolute_url(), f"Open the action: {action.title}"))
    return notices
