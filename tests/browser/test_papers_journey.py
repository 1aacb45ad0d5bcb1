"""A clerk asks for a paper in the browser; the pages pass an axe scan."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from reports import services

pytestmark = pytest.mark.django_db(transaction=True)


def test_clerk_requests_a_paper_and_sees_its_status(demo, page, sign_in, axe_scan, monkeypatch):
    queued = []
    monkeypatch.setattr(services, "_enqueue", queued.append)  # no worker here: the queue is tested elsewhere
    sign_in(get_user_model().objects.get(username="clerk"))
    page.goto("/papers/")
    page.get_by_role("button", name="Generate a paper").click()
    assert axe_scan() == []
    page.get_by_label("Results up to the end of").fill("2019-13")
    page.get_by_label("Meeting date").fill("2020-01-21")
    page.get_by_role("button", name="Generate").click()
    assert "month must be 01–12" in page.locator(".govuk-error-summary").inner_text()
    assert axe_scan() == []
    page.get_by_label("Committee").select_option("policy-and-resources")
    page.get_by_label("Results up to the end of").fill("2019-11")
    page.get_by_role("button", name="Generate").click()
    if page.get_by_role("button", name="Generate anyway").count():
        page.get_by_role("button", name="Generate anyway").click()
    assert page.locator("#paper-status").inner_text().startswith("Queued")
    assert len(queued) == 1
    # No <meta refresh> (axe's WCAG 2.2.1 rule): a script polls the status instead.
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    # The status script is a module (deferred): wait for it to say so rather than race it.
    expect(page.get_by_text("This page updates itself until the paper is ready.")).to_be_visible()
    assert page.get_by_role("link", name="Check progress").is_visible()
    assert axe_scan() == []
