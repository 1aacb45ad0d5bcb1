"""Sessions signed in before the sign-in backends moved from kpidash.auth to accounts.auth.

Django keeps the dotted path of the backend that signed a session in, and treats
a session naming a path no longer in AUTHENTICATION_BACKENDS as signed out. Without
this, the release that moved the backends would sign everyone out mid-session.
Sessions last at most SESSION_ABSOLUTE_TIMEOUT (8 hours by default), so this
middleware can go, with its line in MIDDLEWARE, in the release after that one.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import BACKEND_SESSION_KEY
from django.http import HttpRequest, HttpResponse

RENAMED_BACKENDS = {
    f"kpidash.auth.{name}": f"accounts.auth.{name}" for name in ("ModelBackend", "OIDCBackend", "LDAPBackend")
}


class RenamedBackendMiddleware:
    """Rewrite a session's old backend path before anything reads `request.user`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        renamed = RENAMED_BACKENDS.get(request.session.get(BACKEND_SESSION_KEY))
        if renamed is not None:
            request.session[BACKEND_SESSION_KEY] = renamed
        return self.get_response(request)
