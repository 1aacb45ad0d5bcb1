"""The API counts a request without a token or session against the address sign-in lockouts count."""

from django.contrib.auth.models import AnonymousUser
from rest_framework.request import Request

from api.throttling import PerTokenThrottle


def test_a_request_without_a_token_is_counted_against_the_address_the_trusted_proxy_saw(rf, settings):
    settings.KPIDASH_PROXY_COUNT = 1
    request = Request(rf.get("/api/v1/", HTTP_X_FORWARDED_FOR="10.9.9.9, 192.0.2.7", REMOTE_ADDR="10.0.0.1"))
    request.user, request.auth = AnonymousUser(), None
    # The client wrote 10.9.9.9 itself: changing it must not give it a fresh allowance.
    assert PerTokenThrottle().get_cache_key(request, None) == "kpidash:api-throttle:address-192.0.2.7"
