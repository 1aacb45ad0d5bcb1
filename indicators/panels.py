"""Sections an app above indicators adds to the indicator page and to home, without indicators importing it.

The same pattern as `indicators.notices` (the dashboard's extension point): an app
registers a provider from its AppConfig.ready(); the indicator page asks every
provider, given the request and the indicator, for HTML the provider rendered
from its own template, and shows it after the page's cached body; home asks its
providers, given the request, and shows theirs above its summaries. Providers run
on every request, outside the page cache, so what they show is never stale; each
should cost a constant number of queries.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.safestring import SafeString

from indicators.models import Indicator

Provider = Callable[[HttpRequest, Indicator], SafeString | None]
HomeProvider = Callable[[HttpRequest], SafeString | None]
_providers: list[Provider] = []
_home_providers: list[HomeProvider] = []


def register(provider: Provider) -> None:
    """Add a provider (once, however often the app is made ready)."""
    if provider not in _providers:
        _providers.append(provider)


def indicator_panels(request: HttpRequest, indicator: Indicator) -> list[SafeString]:
    return [html for provider in _providers if (html := provider(request, indicator))]


def register_home(provider: HomeProvider) -> None:
    """Add a provider of a section of home (once, however often the app is made ready)."""
    if provider not in _home_providers:
        _home_providers.append(provider)


def home_panels(request: HttpRequest) -> list[SafeString]:
    return [html for provider in _home_providers if (html := provider(request))]
