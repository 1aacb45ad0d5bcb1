"""The signed-in user is read from the cache between requests, and never served stale (kpidash.users)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kpidash import users

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit hooks run as in production

PASSWORD = "pw-for-tests"


def sign_in(client, user):
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_backend"] == "kpidash.auth.ModelBackend"


def user_queries(client, path="/") -> tuple[int, list[str]]:
    """(status, the queries on the user table) for one request."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response.status_code, [q["sql"] for q in queries if 'FROM "auth_user"' in q["sql"]]


def test_the_next_request_reads_the_user_and_roles_from_the_cache(client, viewer_user):
    sign_in(client, viewer_user)
    client.get("/")  # the first page after signing in fills the cache
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    sql = " ".join(q["sql"] for q in queries)
    assert 'FROM "auth_user"' not in sql
    assert 'FROM "auth_group"' not in sql  # the roles came in the same round trip


def test_deactivating_a_user_signs_them_out_at_the_next_request(client, viewer_user):
    sign_in(client, viewer_user)
    assert client.get("/").status_code == 200
    viewer_user.is_active = False
    viewer_user.save()
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_changed_name_shows_at_the_next_request(client, viewer_user):
    sign_in(client, viewer_user)
    client.get("/")
    viewer_user.first_name = "Renamed"
    viewer_user.save()
    status, queries = user_queries(client)
    assert status == 200 and queries  # read again from the database
    assert b"Renamed" in client.get("/").content


def test_a_password_change_elsewhere_signs_this_session_out(client, viewer_user):
    sign_in(client, viewer_user)
    client.get("/")
    viewer_user.set_password("a-new-password-for-tests")
    viewer_user.save()
    response = client.get("/")
    assert response.status_code == 302  # the session's password hash no longer matches


def test_a_deleted_user_is_signed_out(client, viewer_user):
    sign_in(client, viewer_user)
    client.get("/")
    viewer_user.delete()
    assert client.get("/").status_code == 302


def test_a_copy_read_before_a_change_and_stored_after_it_is_not_served(viewer_user):
    """The race the generation closes: load, someone saves, then store the old row."""
    generation = cache.get(f"kpidash:user-generation:{viewer_user.pk}", 0)
    stale = type(viewer_user).objects.get(pk=viewer_user.pk)
    viewer_user.is_active = False
    viewer_user.save()  # moves the generation on
    cache.set(f"kpidash:user:{viewer_user.pk}", (generation, stale), 300)  # the slow reader stores
    assert users.cached_user(viewer_user.pk).is_active is False


def test_with_the_cache_down_the_user_comes_from_the_database(client, viewer_user, monkeypatch):
    sign_in(client, viewer_user)

    def down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    for method in ("get_many", "set", "add", "incr"):
        monkeypatch.setattr(cache, method, down)
    status, queries = user_queries(client)
    assert status == 200 and queries
    viewer_user.is_active = False
    viewer_user.save()  # the cache being down does not stop the save
    assert client.get("/").status_code == 302
