"""Request and response wiring: session lifetime, private caching of signed-in pages, NUL bytes,
oversized bodies, a busy database.

Session lifetime: an absolute cap on top of Django's idle timeout.

The idle timeout is Django's own SESSION_COOKIE_AGE: a session dies that many
seconds after it was last saved. Rather than saving on every request (a write
per page), this middleware touches the session when more than
KPIDASH_SESSION_REFRESH_SECONDS have passed since it last did, so the idle
timeout holds to within that margin. Django has no absolute lifetime, so the
middleware also records when a session was first seen signed in and signs it
out once KPIDASH_SESSION_MAX_AGE has passed, however active it has been.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.core.exceptions import SuspiciousOperation
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control

logger = logging.getLogger(__name__)

SIGNED_IN_AT = "kpidash_signed_in_at"
SEEN_AT = "kpidash_seen_at"


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
        # Only a session that signed the user in: an API request signed in by its token
        # (api/authentication.py) must not be given a session, or its cookie would outlive the token.
        if user is not None and user.is_authenticated and SESSION_KEY in request.session:
            now = time.time()
            if SIGNED_IN_AT not in request.session:
                request.session[SIGNED_IN_AT] = now
            if now - request.session.get(SEEN_AT, 0) > settings.KPIDASH_SESSION_REFRESH_SECONDS:
                request.session[SEEN_AT] = now  # modified: saved, and the idle expiry moves on
        return response


class PrivateCacheMiddleware:
    """Every response to a signed-in user says `Cache-Control: private, no-store`.

    Dashboards, returns, downloads and papers are for the person signed in:
    neither a shared machine's browser nor a proxy may keep a copy. Static files
    (WhiteNoise answers them before this runs) and what anonymous visitors see
    keep their own headers.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


def request_max_bytes() -> int:
    """The largest request body kpidash reads: the largest upload and the most form data, together."""
    return settings.KPIDASH_IMPORT_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class RefuseLargeBodyMiddleware:
    """Answer 413 to a request whose body is larger than any form of kpidash takes, unread.

    Django bounds form fields (DATA_UPLOAD_MAX_MEMORY_SIZE) but not uploaded files, which it
    streams to temporary files; and the body of any POST is read before sign-in is asked for
    (the NUL check below, the CSRF check), so without this anyone could fill the disk from any
    address. A body without a Content-Length is never read by Django (WSGI), so that is enough.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads nothing of a body whose length it cannot read
        if length > (limit := request_max_bytes()):
            megabytes = f"{limit / 1_000_000:.1f} MB"
            content = render_to_string("413.html", {"limit": megabytes})
            return HttpResponse(content, status=413)
        return self.get_response(request)


class NulCharacter(SuspiciousOperation):
    """A NUL byte in the URL, the query, a form field or a cookie: no page has one."""


class RejectNulMiddleware:
    """Answer 400 Bad Request to any request carrying a NUL byte (%00).

    PostgreSQL cannot store or compare text containing NUL, so an indicator code
    or a filter value with one would otherwise reach a query and fail with a 500.
    No legitimate address, form or cookie of kpidash holds one; refusing them here
    covers every view, the admin and the downloads at once.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or _has_nul(request.GET) or _has_nul(request.COOKIES):
            raise NulCharacter("NUL byte in the request's path, query or cookies")
        if request.method == "POST" and _has_nul(request.POST):
            raise NulCharacter("NUL byte in the request's form fields")
        return self.get_response(request)


def _has_nul(values) -> bool:
    if hasattr(values, "lists"):
        return any("\x00" in key or any("\x00" in value for value in items) for key, items in values.lists())
    return any("\x00" in key or "\x00" in value for key, value in values.items())


# PostgreSQL's lock_not_available: a statement gave up waiting for a row after DB_LOCK_TIMEOUT.
LOCK_NOT_AVAILABLE = "55P03"


class DatabaseBusyMiddleware:
    """Answer 503 "busy, try again" when a write gave up waiting for a row another transaction holds.

    The database's lock_timeout (DB_LOCK_TIMEOUT, kpidash/settings.py) bounds the wait;
    the transaction has been rolled back by then, so nothing was saved, and saying so
    is clearer than the 500 page. Any other database error is left to it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError):
            return None
        if getattr(exception.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            return None
        logger.warning("%s %s gave up waiting for a database lock: %s", request.method, request.path, exception)
        response = render(request, "503_busy.html", status=503)
        response["Retry-After"] = "10"
        return response
