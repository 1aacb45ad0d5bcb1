"""The dashboard's "ICT02 is Red and has no improvement action" notices (registered in `PlansConfig.ready`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.urls import reverse

from indicators.notices import Notice, RatedKpi
from plans.flags import flags_of_rated


def missing_actions(kpis: Sequence[RatedKpi], period: date) -> list[Notice]:
    """Linked to the indicator's actions, where those who may add one can (everyone reads a dashboard).

    From the page's own ratings (the window and month it shows): only the open actions are asked for."""
    return [
        Notice(
            f"{flag.message} ({flag.period_label}).",
            reverse("actions") + f"?indicator={flag.code}",
            f"Improvement actions for {flag.code}",
        )
        for flag in flags_of_rated(kpis)
    ]
