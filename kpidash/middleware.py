"""Session lifetime: an absolute cap on top of Django's idle timeout.

The idle timeout is Django's own: SESSION_COOKIE_AGE with SESSION_SAVE_EVERY_REQUEST
pushes the expiry forward on every request, so a session dies after that many
idle seconds. Django has no absolute lifetime, so this middleware records when a
session was first seen signed in and signs it out once KPIDASH_SESSION_MAX_AGE
has passed, however active it has been.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

SIGNED_IN_AT = "kpidash_signed_in_at"


class SessionLifetimeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        signed_in_at = request.session.get(SIGNED_IN_AT)
        if request.user.is_authenticated and signed_in_at is not None:
            if time.time() - signed_in_at > settings.KPIDASH_SESSION_MAX_AGE:
                # Flushes the session; LoginRequiredMiddleware then sends the
                # now anonymous request to sign in.
                logout(request)
        response = self.get_response(request)
        # Stamped after the view so the sign-in request itself starts the clock
        # (auth.login has set request.user by then), whichever backend signed in.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and SIGNED_IN_AT not in request.session:
            request.session[SIGNED_IN_AT] = time.time()
        return response
