"""A member of the public's journey through the public site, in Chromium, with axe scans; and the team publishing."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from demo.public import load_demo_publication

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def published(demo):
    load_demo_publication()


def test_the_public_reads_a_dashboard_an_indicator_and_the_open_data(published, page, axe_scan, download_dir):
    page.goto("/public/")
    assert page.get_by_role("heading", level=1).inner_text() == "Performance dashboards"
    assert page.get_by_text("Growth, Environment and Transport").count() == 0  # not published
    assert axe_scan() == []

    page.get_by_role("link", name="Policy and Resources Cabinet Committee").click()
    assert page.locator("#counts-sentence").inner_text().startswith("21 of the 25 KPIs achieved target")
    assert page.get_by_text("Signed in as").count() == 0
    assert axe_scan() == []

    page.get_by_label("Period").select_option("2019-06")
    page.get_by_role("button", name="Show period").click()
    assert page.url.endswith("/public/committees/policy-and-resources/2019-06/")
    assert "June 2019" in page.locator("#period-heading").inner_text()

    page.get_by_role("link", name="Positive feedback rating with the ICT help desk").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Positive feedback rating with the ICT help desk"
    assert page.get_by_role("heading", name="2019/20").is_visible()
    assert axe_scan() == []

    with page.expect_download() as info:
        page.get_by_role("link", name="Download these figures (CSV)").click()
    path = Path(download_dir) / info.value.suggested_filename
    info.value.save_as(path)
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert {row["ref"] for row in rows} == {"ICT02"}
    (november,) = [row for row in rows if row["period"] == "2019-11"]
    assert (november["value"], november["month_rag"]) == ("88.6", "red")

    page.get_by_role("link", name="Open data").first.click()
    assert axe_scan() == []
    page.get_by_role("link", name="Data dictionary").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Data dictionary"
    assert axe_scan() == []
    page.get_by_role("link", name="Accessibility statement").click()
    assert "WCAG" in page.locator("main").inner_text()
    assert axe_scan() == []


def test_the_performance_team_publishes_an_indicator_and_the_public_sees_it(published, page, sign_in, axe_scan):
    sign_in(get_user_model().objects.get(username="performance"))
    page.goto("/")
    page.get_by_role("link", name="Publication").click()
    page.get_by_role("link", name="2019/20").click()
    assert axe_scan() == []
    page.get_by_label("Publish GT01 for 2019/20").check()
    page.get_by_role("button", name=re.compile("^Save what is published")).click()
    assert "Published for 2019/20: GT01." in page.locator(".govuk-notification-banner").inner_text()
    assert axe_scan() == []

    page.context.clear_cookies()
    page.goto("/public/")
    page.get_by_role("link", name="Growth, Environment and Transport").click()
    # Published, but none of its returns is approved yet: nothing of its figures is shown.
    assert page.locator("#no-figures").inner_text() == "No approved figures have been published yet."
    assert axe_scan() == []
    page.goto("/public/indicators/GT01/")
    assert page.get_by_text("No approved figures for 2019/20 yet.").is_visible()
    assert page.get_by_role("table").count() == 0
