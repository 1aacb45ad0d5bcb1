"""Grid entry in Chromium: an owner enters two figures on one page, is told what is missing, and submits both."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.contrib.auth import get_user_model

from returns.services import period_open

pytestmark = pytest.mark.django_db(transaction=True)

COMMENTARY = "Survey responses fell after the new portal launched."


def user(username: str):
    return get_user_model().objects.get(username=username)


def test_owner_enters_and_submits_two_figures_from_one_page(demo, page, sign_in, axe_scan):
    period_open(period=date(2019, 12, 1), deadline=date(2020, 1, 10), user=user("performance"))
    sign_in(user("owner"))
    page.goto("/returns/")
    page.get_by_role("button", name="Enter figures for all your returns").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Enter figures for December 2019"
    assert axe_scan() == []

    # A Red figure without commentary: nothing is saved, and the summary links to the field.
    page.get_by_label(re.compile(r"^Value for ICT01 ")).fill("75")
    page.get_by_label(re.compile(r"^Value for ICT02 ")).fill("85")
    page.get_by_role("button", name="Submit for approval").click()
    summary = page.locator(".govuk-error-summary")
    assert "nothing has been saved" in summary.inner_text()
    link = summary.get_by_role("link", name=re.compile(r"Enter commentary: ICT02 is rated Red"))
    assert link.get_attribute("href") == "#id_ICT02-commentary"
    assert page.get_by_label(re.compile(r"^Value for ICT01 ")).input_value() == "75"  # the input is kept
    assert axe_scan() == []

    link.click()
    commentary = page.get_by_label(re.compile(r"^Commentary for ICT02 "))
    assert commentary.evaluate("element => element === document.activeElement")
    commentary.fill(COMMENTARY)
    page.get_by_role("button", name="Submit for approval").click()

    banner = page.locator(".govuk-notification-banner").inner_text()
    assert "2 returns for December 2019 submitted for approval (ICT01, ICT02). Rated: 1 Red, 1 Green." in banner
    assert page.get_by_role("heading", level=1).inner_text() == "My returns"
    rows = page.locator("table").inner_text()
    assert re.search(r"ICT01 .*\t75\.0%.*Submitted", rows) and re.search(r"ICT02 .*\t85\.0%.*Submitted", rows)


def test_performance_team_narrows_the_grid_to_a_directorate_without_javascript_help(demo, page, sign_in, axe_scan):
    period_open(period=date(2019, 12, 1), deadline=date(2020, 1, 10), user=user("performance"))
    sign_in(user("performance"))
    page.goto("/returns/2019-12/enter/")
    everyone = page.locator("#grid-entry tbody tr").count()
    page.get_by_label("Directorate").select_option(label="Strategic and Corporate Services")
    page.get_by_role("button", name="Show").click()
    assert "directorate=strategic-and-corporate-services" in page.url
    caption = page.locator("#grid-entry caption").inner_text()
    assert caption == "Returns in Strategic and Corporate Services for December 2019"
    assert 0 < page.locator("#grid-entry tbody tr").count() < everyone
    assert axe_scan() == []

    page.get_by_label(re.compile(r"^Value for ICT02 ")).fill("97")
    page.get_by_role("button", name="Save changes").click()
    assert "1 return for December 2019 saved (ICT02)." in page.locator(".govuk-notification-banner").inner_text()
