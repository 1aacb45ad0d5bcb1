"""The signed-in user is read from the cache between requests, and never served stale (accounts.users)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts import users
from tests.services import REFUSED_REDIS_URL, use_redis_at

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit hooks run as in production

PASSWORD = "pw-for-tests"


@pytest.fixture(autouse=True)
def shared_cache(settings):
    """As with Redis: this test process is the only one, so its cache is shared by all it runs."""
    settings.KPIDASH_SHARED_CACHE = True


def sign_in(client, user):
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_backend"] == "accounts.auth.ModelBackend"


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


def test_a_user_deleted_in_a_transaction_is_signed_out(client, viewer_user):
    """As the admin deletes: Django clears the instance's pk before the commit hook runs."""
    sign_in(client, viewer_user)
    client.get("/")
    with transaction.atomic():
        viewer_user.delete()
    assert client.get("/").status_code == 302


def test_a_copy_read_before_a_change_and_stored_after_it_is_not_served(viewer_user):
    """The race the generation closes: load, someone saves, then store the old row."""
    users.cached_user(viewer_user.pk)
    generation = cache.get(f"kpidash:user-generation:{viewer_user.pk}")
    stale = users._kept(type(viewer_user).objects.get(pk=viewer_user.pk))
    viewer_user.is_active = False
    viewer_user.save()  # a new token
    cache.set(users._user_key(viewer_user.pk), (generation, *stale), 300)  # the slow reader stores
    assert users.cached_user(viewer_user.pk).is_active is False


def test_a_lost_generation_never_matches_a_surviving_copy(client, viewer_user):
    """Redis evicted the token but not the copy, then a change's new token could not be written."""
    sign_in(client, viewer_user)
    client.get("/")
    get_user_model().objects.filter(pk=viewer_user.pk).update(is_active=False)  # no signal: no new token
    cache.delete(f"kpidash:user-generation:{viewer_user.pk}")
    assert client.get("/").status_code == 302


def test_the_cache_never_holds_the_password_hash(client, viewer_user):
    sign_in(client, viewer_user)
    client.get("/")
    entry = cache.get(users._user_key(viewer_user.pk))
    assert entry is not None
    assert viewer_user.password not in repr(entry) and "pbkdf2" not in repr(entry)


def test_saving_a_user_from_the_cache_leaves_the_password_alone(viewer_user):
    users.cached_user(viewer_user.pk)
    user = users.cached_user(viewer_user.pk)  # rebuilt from the cache
    user.first_name = "Robin"
    user.save()
    stored = get_user_model().objects.get(pk=viewer_user.pk)
    assert stored.first_name == "Robin" and stored.check_password(PASSWORD)


def test_a_signed_in_user_changes_their_password_in_the_admin(client, performance_user):
    sign_in(client, performance_user)
    client.get("/")
    client.get("/")  # the user now comes from the cache
    response = client.post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": "a-new-pw-for-tests-1", "new_password2": "a-new-pw-for-tests-1"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert client.get("/").status_code == 200  # this session carries on
    assert get_user_model().objects.get(pk=performance_user.pk).check_password("a-new-pw-for-tests-1")


def test_without_a_shared_cache_the_user_comes_from_the_database(client, viewer_user, settings):
    settings.KPIDASH_SHARED_CACHE = False  # a per-process cache: another process's change would not reach it
    sign_in(client, viewer_user)
    client.get("/")
    status, queries = user_queries(client)
    assert status == 200 and queries


def test_with_redis_refused_the_user_comes_from_the_database(client, viewer_user, settings):
    sign_in(client, viewer_user)
    use_redis_at(settings, REFUSED_REDIS_URL)  # the cache and sessions as shipped, on a Redis that is away
    status, queries = user_queries(client)
    assert status == 200 and queries
    viewer_user.is_active = False
    viewer_user.save()  # the cache being down does not stop the save
    assert client.get("/").status_code == 302
