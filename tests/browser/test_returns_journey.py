"""The monthly cycle in Chromium: an owner's Red figure, returned, fixed, approved, then on the dashboard."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.contrib.auth import get_user_model

from returns.services import period_open

pytestmark = pytest.mark.django_db(transaction=True)

FIRST = "Survey responses fell after the new portal launched."
SECOND = "Survey responses fell after the new portal launched; 40 of 420 replies were negative."


def user(username: str):
    return get_user_model().objects.get(username=username)


def open_return(page):
    page.goto("/returns/")
    page.get_by_role("link", name=re.compile(r"ICT02 for December 2019")).click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("ICT02")


def test_owner_and_performance_team_take_a_red_return_from_entry_to_the_dashboard(demo, page, sign_in, axe_scan):
    period_open(period=date(2019, 12, 1), deadline=date(2020, 1, 10), user=user("performance"))

    # The owner enters a Red figure without commentary: refused, with the reason.
    sign_in(user("owner"))
    open_return(page)
    assert axe_scan() == []
    page.get_by_label("Value", exact=True).fill("85")
    page.get_by_role("button", name="Submit for approval").click()
    summary = page.locator(".govuk-error-summary")
    assert "Enter commentary: ICT02 is rated Red for December 2019" in summary.inner_text()
    assert axe_scan() == []

    page.get_by_label("Commentary").fill(FIRST)
    page.get_by_role("button", name="Submit for approval").click()
    assert "It is rated Red." in page.locator(".govuk-notification-banner").inner_text()
    assert "Submitted" in page.locator("#return-summary").inner_text()

    # The performance team returns it with a reason.
    sign_in(user("performance"))
    page.goto("/review/")
    assert axe_scan() == []
    queue = page.locator("#review-queue")
    assert "ICT02" in queue.inner_text() and FIRST in queue.inner_text()
    page.get_by_role("link", name=re.compile(r"Edit or return ICT02")).click()
    page.get_by_label("Why are you returning it?").fill("Please give the number of negative replies.")
    page.get_by_role("button", name="Return to owner").click()
    assert "returned to its owner" in page.locator(".govuk-notification-banner").inner_text()

    # The owner sees why, edits and resubmits.
    sign_in(user("owner"))
    page.goto("/returns/")
    assert "Reason: Please give the number of negative replies." in page.locator("table").inner_text()
    assert axe_scan() == []
    open_return(page)
    assert "Please give the number of negative replies." in page.locator("#return-reason").inner_text()
    page.get_by_label("Commentary").fill(SECOND)
    page.get_by_role("button", name="Submit for approval").click()
    assert "submitted for approval" in page.locator(".govuk-notification-banner").inner_text()

    # The performance team approves it from the queue.
    sign_in(user("performance"))
    for url in ("/returns/missing/", "/periods/"):
        page.goto(url)
        assert axe_scan() == [], url
    page.goto("/review/")
    page.get_by_role("button", name=re.compile(r"Approve ICT02 for December 2019")).click()
    assert "1 return approved." in page.locator(".govuk-notification-banner").inner_text()
    assert "No returns are waiting for review." in page.locator("main").inner_text()

    # Readers see the approved commentary from the committee's dashboard.
    sign_in(user("viewer"))
    page.goto("/committees/policy-and-resources/?period=2019-12")
    page.get_by_role("link", name=re.compile(r"ICT02")).first.click()
    assert SECOND in page.locator("main").inner_text()
    assert FIRST not in page.locator("main").inner_text()
