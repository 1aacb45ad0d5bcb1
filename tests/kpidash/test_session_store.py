"""Sessions with Redis: Django's cached_db on the shipped cache, read from the database when Redis is away."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.cached_db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import caches

from tests.services import REDIS_URL, REFUSED_REDIS_URL, require_redis, use_redis_at


@pytest.fixture
def redis_sessions(settings, db):
    require_redis()
    use_redis_at(settings, REDIS_URL)
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"


@pytest.fixture
def refused_sessions(settings, db):
    use_redis_at(settings, REFUSED_REDIS_URL)


def _stored() -> str:
    session = SessionStore()
    session["who"] = "viewer"
    session.save()
    return session.session_key


def test_a_session_is_written_to_both_and_read_from_redis(redis_sessions, django_assert_num_queries):
    key = _stored()
    assert Session.objects.filter(session_key=key).exists()
    assert caches["default"].get(SessionStore.cache_key_prefix + key) == {"who": "viewer"}
    with django_assert_num_queries(0):
        assert SessionStore(key)["who"] == "viewer"


def test_a_session_missing_from_redis_is_read_from_the_database_and_cached_again(redis_sessions):
    key = _stored()
    caches["default"].delete(SessionStore.cache_key_prefix + key)
    assert SessionStore(key)["who"] == "viewer"
    assert caches["default"].get(SessionStore.cache_key_prefix + key) == {"who": "viewer"}


def test_with_redis_refused_a_signed_in_user_stays_signed_in(refused_sessions, client, viewer_user):
    client.force_login(viewer_user)  # the session is written to the database; Redis's copy is skipped
    response = client.get("/")
    assert response.status_code == 200
    assert "Sign out" in response.content.decode()
    assert SessionStore().exists(client.session.session_key)


def test_signing_out_with_redis_refused_ends_the_session(refused_sessions, client, viewer_user):
    client.force_login(viewer_user)
    key = client.session.session_key
    assert client.post("/accounts/logout/").status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_user_signed_in_before_redis_went_away_stays_signed_in(redis_sessions, client, viewer_user, settings):
    client.force_login(viewer_user)
    key = client.session.session_key
    assert caches["default"].get(SessionStore.cache_key_prefix + key) is not None  # the session is in Redis
    use_redis_at(settings, REFUSED_REDIS_URL)  # now Redis refuses: the same session is read from the database
    response = client.get("/")
    assert response.status_code == 200
    assert "Sign out" in response.content.decode()
