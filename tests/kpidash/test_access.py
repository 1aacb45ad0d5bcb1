"""Cross-cutting access rules: nothing is public by accident, downloads are attachments."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

PUBLIC = {"login", "healthz", "readyz", "oidc_authentication_init", "oidc_authentication_callback", "oidc_logout"}
SAMPLE = {"int": "1", "period": "2019-11", "year": "2019", "slug": "policy-and-resources", "str": "ICT02", "path": "x"}


def _addresses(patterns, prefix: str = ""):
    """(name, a concrete path) for every URL kpidash defines, the admin's aside."""
    for entry in patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith("admin/"):
                continue
            yield from _addresses(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            path = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE.get(m.group(1) or "str", "x"), prefix + route)
            yield entry.name, "/" + path.lstrip("^").rstrip("$")


def test_every_address_but_sign_in_and_health_needs_sign_in(client, demo):
    checked, public_site = [], []
    for name, path in _addresses(get_resolver().url_patterns):
        if name in PUBLIC:
            continue
        if path.startswith("/public/"):
            # The public site needs no sign-in by design; tests/public/test_leaks.py checks each of its
            # addresses shows nothing unpublished.
            public_site.append(name)
            continue
        for response in (client.get(path), client.post(path)):
            if path.startswith("/api/v1/") and name != "docs":
                # The API answers programs: a 401 asking for a token, not a redirect to a page.
                assert response.status_code == 401, (name, path, response.status_code)
                assert response["WWW-Authenticate"].startswith("Bearer"), (name, path)
                continue
            assert response.status_code == 302, (name, path, response.status_code)
            assert response["Location"].startswith("/accounts/login/"), (name, path)
        checked.append(name)
    assert {"committee_dashboard", "indicator_detail", "paper_download", "return_edit"} <= set(checked)
    assert {"committee-dashboard", "result-list", "paper-download", "schema", "docs", "tokens"} <= set(checked)
    assert {"publication", "publication_year"} <= set(checked)  # publishing is for the signed-in team
    assert {"index", "indicator", "figures_json"} <= set(public_site)


def test_the_admin_needs_sign_in(client, db):
    response = client.get("/admin/indicators/indicator/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_dashboard_download_is_an_attachment_with_its_own_type(client, demo, viewer_user):
    client.force_login(viewer_user)
    response = client.get("/committees/policy-and-resources/2019-11/dashboard.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_sign_in_page_explains_a_failed_single_sign_on(client, db):
    page = client.get("/accounts/login/?sso=failed").content.decode()

    assert "Signing in with your council account did not work" in page
    assert "Signing in with your council account did not work" not in client.get("/accounts/login/").content.decode()


def test_no_address_takes_a_post_without_its_csrf_token(demo, performance_user):
    # Every form's POST needs the token, so another site cannot post in a signed-in person's name; the
    # API (DRF, which exempts its views from Django's check) only reads, and refuses a session's POST too.
    client = Client(enforce_csrf_checks=True)
    client.force_login(performance_user)
    for name, path in _addresses(get_resolver().url_patterns):
        response = client.post(path, {"name": "x", "action": "approve"})
        if path.startswith("/api/v1/"):
            assert response.status_code in {403, 405}, (name, path, response.status_code)
        else:
            assert response.status_code == 403 and "CSRF verification failed" in response.content.decode(), (name, path)
