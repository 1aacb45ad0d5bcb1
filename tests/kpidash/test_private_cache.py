"""Cache-Control on what a signed-in person sees: private, never stored by a browser or a proxy."""

from __future__ import annotations

import pytest
from django.urls import get_resolver

from tests.kpidash.test_access import PUBLIC, _addresses

pytestmark = pytest.mark.django_db


def _directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/committees/policy-and-resources/",
        "/indicators/ICT02/",
        "/returns/",
        "/papers/",
        "/spreadsheets/",
        "/no-such-page/",
    ],
)
def test_signed_in_pages_are_private_and_not_stored(client, demo, performance_user, path):
    client.force_login(performance_user)
    response = client.get(path)
    assert response.status_code in {200, 404}, path
    assert {"private", "no-store"} <= _directives(response)
    assert "public" not in _directives(response)


@pytest.mark.parametrize(
    "path",
    ["/committees/policy-and-resources/2019-11/dashboard.csv", "/spreadsheets/export.xlsx"],
)
def test_downloads_are_private_and_not_stored(client, demo, performance_user, path):
    client.force_login(performance_user)
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert {"private", "no-store"} <= _directives(response)


def test_every_address_answers_a_signed_in_user_with_no_store(client, demo, performance_user):
    client.force_login(performance_user)
    for name, path in _addresses(get_resolver().url_patterns):
        if name in PUBLIC:
            continue
        response = client.get(path)
        assert {"private", "no-store"} <= _directives(response), (name, path, response.status_code)


def test_a_signed_in_health_probe_is_still_not_cached(client, db, viewer_user):
    client.force_login(viewer_user)
    response = client.get("/healthz")
    assert {"private", "no-store", "no-cache"} <= _directives(response)
