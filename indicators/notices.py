"""Notices an app above indicators adds to the dashboard page, without indicators importing it.

indicators/ sits low in the stack (README "Layout"), so its dashboard cannot
import the apps that know about, say, improvement actions. Instead such an app
registers a provider here from its AppConfig.ready(); the dashboard view asks
every provider, on every request and outside the page cache (so what they show
is never stale), with the page's month and its KPIs as rated on the page
(`RatedKpi`, kept with the cached page: they change only when a data version
does), and shows what they return above the tables. So a provider need not read
the ratings again; each should cost a constant number of queries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from indicators.dashboard import KpiRow


@dataclass(frozen=True)
class Notice:
    message: str  # plain text: the template escapes it
    url: str = ""
    link_text: str = ""


@dataclass(frozen=True)
class RatedKpi:
    """One KPI of the page as its dashboard row rates it, whatever the page's filters show."""

    indicator_id: int
    code: str
    period: date | None  # of the rating shown: the latest within the dashboard's window, None if none
    rag: str  # the rating the dashboard counts (`KpiRow.rag`): "red", "amber", "green" or ""
    variation: str  # its SPC variation (`spc.Variation` value)


def rated_kpis(rows: Iterable[KpiRow]) -> tuple[RatedKpi, ...]:
    return tuple(
        RatedKpi(row.indicator.pk, row.indicator.code, row.period, row.rag.value, row.variation.value) for row in rows
    )


Provider = Callable[[Sequence[RatedKpi], date], list[Notice]]
_providers: list[Provider] = []


def register(provider: Provider) -> None:
    """Add a provider (once, however often the app is made ready)."""
    if provider not in _providers:
        _providers.append(provider)


def dashboard_notices(kpis: Sequence[RatedKpi], period: date) -> list[Notice]:
    return [notice for provider in _providers for notice in provider(kpis, period)]
