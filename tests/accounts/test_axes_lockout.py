"""Failed sign-in throttling: django-axes locks a username from one address, then cools off."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _sign_in(client, password: str, username: str = "test-viewer", ip: str = "198.51.100.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def _fail_until_locked(client, settings, **kwargs) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _sign_in(client, "wrong", **kwargs)
        assert response.status_code == 200  # the form again, with its error
    response = _sign_in(client, "wrong", **kwargs)
    assert response.status_code == 429


def test_a_wrong_password_shows_the_form_again_not_an_error_page(client, viewer_user):
    response = _sign_in(client, "wrong")
    assert response.status_code == 200
    assert b"Sign in to kpidash" in response.content
    assert "_auth_user_id" not in client.session


def test_too_many_failures_lock_out_even_the_right_password(client, viewer_user, settings):
    _fail_until_locked(client, settings)
    response = _sign_in(client, "pw-for-tests")
    assert response.status_code == 429
    assert b"Sign in is paused for this account" in response.content
    assert b"15 minutes" in response.content
    assert "_auth_user_id" not in client.session


def test_the_lockout_is_for_that_username_from_that_address_only(client, viewer_user, clerk_user, settings):
    _fail_until_locked(client, settings)
    assert _sign_in(client, "pw-for-tests", ip="203.0.113.9").status_code == 302  # same user, other address
    client.logout()
    assert _sign_in(client, "pw-for-tests", username="test-clerk").status_code == 302  # other user, same address


def test_the_lockout_lifts_after_the_cool_off(client, viewer_user, settings):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=2)
    _fail_until_locked(client, settings)
    assert _sign_in(client, "pw-for-tests").status_code == 429
    time.sleep(2.5)
    response = _sign_in(client, "pw-for-tests")
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_a_successful_sign_in_resets_the_failure_count(client, viewer_user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(client, "wrong")
    assert _sign_in(client, "pw-for-tests").status_code == 302
    client.logout()
    assert _sign_in(client, "wrong").status_code == 200  # counting starts again, not locked


def test_behind_a_proxy_the_lockout_is_by_the_clients_address_not_the_proxys(client, viewer_user, settings):
    settings.KPIDASH_PROXY_COUNT = 1
    proxy = "10.0.0.5"

    def through_proxy(password: str, client_ip: str):
        # The client's own (spoofable) X-Forwarded-For entry comes first; the proxy appends the real address.
        return client.post(
            LOGIN,
            {"username": "test-viewer", "password": password},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=f"1.2.3.4, {client_ip}",
        )

    for _ in range(settings.AXES_FAILURE_LIMIT):
        through_proxy("wrong", "198.51.100.7")
    assert through_proxy("pw-for-tests", "198.51.100.7").status_code == 429
    assert through_proxy("pw-for-tests", "203.0.113.9").status_code == 302  # a colleague behind the same proxy
