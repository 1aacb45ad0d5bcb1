"""The Content-Security-Policy in a real browser: Chromium reports no violation on key pages or the admin."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from indicators.models import Indicator

pytestmark = pytest.mark.django_db(transaction=True)


def test_no_page_breaks_the_content_security_policy(demo, page, sign_in):
    violations: list[str] = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    sign_in(get_user_model().objects.get(username="admin"))
    indicator = Indicator.objects.get(code="ICT02")
    paths = [
        "/",
        "/committees/policy-and-resources/",
        "/indicators/ICT02/",
        "/admin/",
        "/admin/indicators/indicator/",
        f"/admin/indicators/indicator/{indicator.pk}/change/",
        "/admin/auth/user/add/",
    ]
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
    assert violations == []
