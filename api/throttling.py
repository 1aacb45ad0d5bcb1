"""Requests per minute, counted per token (and per user for the session), in the cache."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.auth import client_ip_address
from api.models import ApiToken


class PerTokenThrottle(SimpleRateThrottle):
    scope = "api"

    def get_rate(self) -> str:
        # Read per request, not once at import, so the setting is the one in force.
        return f"{settings.KPIDASH_API_REQUESTS_PER_MINUTE}/min"

    def get_ident(self, request) -> str:
        # The address sign-in lockouts count (KPIDASH_PROXY_COUNT trusted proxies), not DRF's default,
        # which takes the whole X-Forwarded-For as written (as public.throttling does).
        return client_ip_address(request) or ""

    def get_cache_key(self, request, view) -> str:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"address-{self.get_ident(request)}"
        return f"kpidash:api-throttle:{ident}"
