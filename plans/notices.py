"""The dashboard's "ICT02 is Red and has no improvement action" notices (registered in `PlansConfig.ready`)."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.urls import reverse

from indicators.models import Indicator
from indicators.notices import Notice
from plans.flags import unactioned


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
