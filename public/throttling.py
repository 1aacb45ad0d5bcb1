"""Requests a minute to the open data, counted per address in the cache: it needs no token, so no token counts."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.auth import client_ip_address


class PublicDataThrottle(SimpleRateThrottle):
    scope = "public"

    def get_rate(self) -> str:
        # Read per request, not once at import, so the setting is the one in force.
        return f"{settings.KPIDASH_PUBLIC_REQUESTS_PER_MINUTE}/min"

    def get_ident(self, request) -> str:
        # The address sign-in lockouts count (KPIDASH_PROXY_COUNT trusted proxies), not DRF's default,
        # which takes the whole X-Forwarded-For as written: a client changing it was never throttled.
        return client_ip_address(request) or ""

    def get_cache_key(self, request, view) -> str:
        return f"kpidash:public-throttle:{self.get_ident(request)}"
