"""Notices an app above indicators adds to the dashboard page, without indicators importing it.

indicators/ sits low in the stack (README "Layout"), so its dashboard cannot
import the apps that know about, say, improvement actions. Instead such an app
registers a provider here from its AppConfig.ready(); the dashboard view asks
every provider for the page's indicators and period and shows what they return
above the tables. Providers run on every request, outside the page cache, so
what they show is never stale; each should cost a constant number of queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from indicators.models import Indicator


@dataclass(frozen=True)
class Notice:
    message: str  # plain text: the template escapes it
    url: str = ""
    link_text: str = ""


Provider = Callable[[QuerySet[Indicator], date], list[Notice]]
_providers: list[Provider] = []


def register(provider: Provider) -> None:
    """Add a provider (once, however often the app is made ready)."""
    if provider not in _providers:
        _providers.append(provider)


def dashboard_notices(indicators: QuerySet[Indicator], period: date) -> list[Notice]:
    return [notice for provider in _providers for notice in provider(indicators, period)]


# The indicator page's counterpart: an app above registers a function that, given one
# indicator, returns what it knows about it (plans: its improvement actions and the committee
# resolutions tracked as actions, with their source). Asked on every request, outside the
# page cache; each provider should cost a constant number of queries.
IndicatorProvider = Callable[[Indicator], list[Notice]]
_indicator_providers: list[IndicatorProvider] = []


def register_indicator(provider: IndicatorProvider) -> None:
    """Add a provider for the indicator page (once, however often the app is made ready)."""
    if provider not in _indicator_providers:
        _indicator_providers.append(provider)


def indicator_notices(indicator: Indicator) -> list[Notice]:
    return [notice for provider in _indicator_providers for notice in provider(indicator)]
