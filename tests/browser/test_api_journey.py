"""The API in a browser: the tokens page without and with script, and the docs page under the site's CSP."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from api.models import ApiToken

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_user_makes_a_token_reads_the_api_with_it_and_revokes_it(demo, page, sign_in, axe_scan, live_server):
    viewer = get_user_model().objects.get(username="viewer")
    sign_in(viewer)
    page.goto("/")
    page.get_by_role("link", name="API").click()
    assert page.get_by_role("heading", level=1).inner_text() == "API tokens"
    assert axe_scan() == []

    page.get_by_role("button", name="Make a token").click()
    assert "Enter a name for the token" in page.locator(".govuk-error-summary").inner_text()
    assert page.title().startswith("Error: ")
    page.get_by_label("What is the token for?").fill("Power BI performance report")
    page.get_by_role("button", name="Make a token").click()
    secret = page.get_by_label("Your new token").input_value()
    assert axe_scan() == []

    reply = page.request.get(
        "/api/v1/committees/policy-and-resources/dashboard/?period=2019-11",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert reply.status == 200 and reply.json()["period"] == "2019-11"

    page.goto("/api/tokens/")
    assert secret not in page.content()
    page.get_by_role("button", name="Revoke Power BI performance report").click()
    assert "is revoked" in page.locator(".govuk-notification-banner").inner_text()
    assert page.locator("#tokens").get_by_text("Revoked").is_visible()
    assert page.request.get("/api/v1/committees/", headers={"Authorization": f"Bearer {secret}"}).status == 401
    assert ApiToken.objects.get().revoked_at is not None


def test_the_tokens_page_works_without_javascript(demo, browser, live_server, client):
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url)
    client.force_login(get_user_model().objects.get(username="clerk"))
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.goto("/api/tokens/")
    page.get_by_label("What is the token for?").fill("Excel")
    page.get_by_role("button", name="Make a token").click()
    assert page.get_by_label("Your new token").input_value().startswith("kpidash_")
    page.get_by_role("button", name="Revoke Excel").click()
    assert "is revoked" in page.content()
    context.close()


def test_the_docs_page_runs_under_the_content_security_policy(demo, page, sign_in):
    violations: list[str] = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    sign_in(get_user_model().objects.get(username="viewer"))

    response = page.goto("/api/v1/docs/")

    assert response.status == 200 and "script-src 'self'" in response.headers["content-security-policy"]
    page.get_by_text("/api/v1/committees/{slug}/dashboard/").first.wait_for()
    assert page.get_by_role("heading", name="kpidash API documentation", exact=True).is_visible()  # the page's own
    title = page.locator("#swagger-ui .info .title")  # Swagger UI's, drawn by its script under the policy
    assert title.is_visible() and title.inner_text().startswith("kpidash API")
    page.wait_for_load_state("networkidle")
    assert violations == []
