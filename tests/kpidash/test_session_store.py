"""The cached session store: sessions come from the cache, and the database when the cache is down."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache, caches

from kpidash.sessions import SessionStore


def _down(*args, **kwargs):
    raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@pytest.fixture
def stored(db):
    session = SessionStore()
    session["who"] = "viewer"
    session.save()
    return session.session_key


def test_a_session_is_written_to_both_and_read_from_the_cache(stored, django_assert_num_queries):
    assert Session.objects.filter(session_key=stored).exists()
    assert cache.get(SessionStore.cache_key_prefix + stored) == {"who": "viewer"}
    with django_assert_num_queries(0):
        assert SessionStore(stored)["who"] == "viewer"


def test_with_the_cache_down_the_session_is_read_from_the_database(stored, monkeypatch):
    for method in ("get", "set", "delete", "has_key"):
        monkeypatch.setattr(type(caches["default"]), method, _down)
    assert SessionStore(stored)["who"] == "viewer"
    assert SessionStore().exists(stored)


def test_signing_out_with_the_cache_down_still_ends_the_session(stored, monkeypatch):
    monkeypatch.setattr(type(caches["default"]), "delete", _down)
    SessionStore(stored).delete()
    assert not Session.objects.filter(session_key=stored).exists()
    monkeypatch.undo()
    cache.delete(SessionStore.cache_key_prefix + stored)
    assert SessionStore(stored).load() == {}


def test_a_session_missing_from_the_cache_is_read_from_the_database_and_cached_again(stored):
    cache.delete(SessionStore.cache_key_prefix + stored)
    assert SessionStore(stored)["who"] == "viewer"
    assert cache.get(SessionStore.cache_key_prefix + stored) == {"who": "viewer"}
