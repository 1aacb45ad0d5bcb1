"""The dashboard's "ICT02 is Red and has no improvement action" notices (registered in `PlansConfig.ready`)."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from indicators.models import Indicator
from indicators.notices import Notice
from plans.flags import unactioned


def missing_actions(indicators: QuerySet[Indicator], period: date) -> list[Notice]:
    return [
        Notice(f"{flag.message} ({flag.period_label}).", flag.add_url, f"Add an improvement action for {flag.code}")
        for flag in unactioned(indicators, period)
    ]
