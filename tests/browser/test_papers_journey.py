"""A clerk asks for a paper in the browser; the pages pass an axe scan."""

import pytest
from django.contrib.auth import get_user_model

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
    # The status page refreshes itself while the paper is queued (the design asks for no
    # JavaScript), which axe reports under WCAG 2.2.1; the page offers to stop it, and
    # with the refresh stopped it passes in full.
    assert [v["id"] for v in axe_scan()] == ["meta-refresh"]
    page.get_by_role("link", name="Stop refreshing").click()
    assert page.get_by_role("link", name="Refresh to see progress").is_visible()
    assert axe_scan() == []
