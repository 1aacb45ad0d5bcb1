"""Session idle timeout and absolute lifetime (kpidash.middleware)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.utils import timezone

from kpidash.middleware import SIGNED_IN_AT

pytestmark = pytest.mark.django_db


def _session_row(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_default_timeouts_are_thirty_minutes_idle_and_eight_hours_absolute(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.KPIDASH_SESSION_MAX_AGE == 8 * 60 * 60
    assert settings.KPIDASH_SESSION_REFRESH_SECONDS == 60


def test_signing_in_starts_the_absolute_clock(client, viewer_user):
    before = time.time()
    response = client.post("/accounts/login/", {"username": "test-viewer", "password": "pw-for-tests"})
    assert response.status_code == 302
    assert before <= client.session[SIGNED_IN_AT] <= time.time()


def test_each_request_pushes_the_idle_expiry_forward(client, viewer_user, settings):
    client.force_login(viewer_user)
    row = _session_row(client)
    row.expire_date = timezone.now() + timedelta(minutes=1)
    row.save()
    assert client.get("/").status_code == 200
    remaining = _session_row(client).expire_date - timezone.now()
    assert remaining > timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


def test_requests_within_a_minute_do_not_write_the_session(client, viewer_user):
    client.force_login(viewer_user)
    assert client.get("/").status_code == 200
    expiry = _session_row(client).expire_date

    assert client.get("/").status_code == 200

    assert _session_row(client).expire_date == expiry


def test_a_session_idle_past_the_timeout_must_sign_in_again(client, viewer_user):
    client.force_login(viewer_user)
    assert client.get("/").status_code == 200
    row = _session_row(client)
    row.expire_date = timezone.now() - timedelta(seconds=1)  # 30 minutes without a request
    row.save()
    # With Redis (cached_db) the cached copy was stored with the same time to live: it lapses too.
    caches[settings.SESSION_CACHE_ALIAS].delete(SessionStore.cache_key_prefix + row.session_key)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_active_session_ends_at_the_absolute_lifetime(client, viewer_user, settings):
    client.force_login(viewer_user)
    assert client.get("/").status_code == 200
    session = client.session
    session[SIGNED_IN_AT] = time.time() - settings.KPIDASH_SESSION_MAX_AGE - 1
    session.save()
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    # Signed out for good: the next request is anonymous too.
    assert client.get("/").status_code == 302


def test_a_session_inside_its_lifetime_carries_on(client, viewer_user, settings):
    client.force_login(viewer_user)
    assert client.get("/").status_code == 200
    session = client.session
    session[SIGNED_IN_AT] = time.time() - settings.KPIDASH_SESSION_MAX_AGE + 60
    session.save()
    assert client.get("/").status_code == 200
