"""A reader's journey through the demo committee's dashboard, in Chromium, with axe scans."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db(transaction=True)


def user(username: str):
    return get_user_model().objects.get(username=username)


def kpi_refs(page) -> list[str]:
    table = page.locator("table", has=page.locator("caption", has_text="Key Performance Indicators"))
    return table.locator("tbody tr th[scope=row]").all_inner_texts()


def test_reader_sorts_filters_downloads_and_opens_an_indicator_chart(demo, page, sign_in, axe_scan, download_dir):
    sign_in(user("viewer"))
    page.goto("/")
    assert axe_scan() == []
    page.get_by_role("link", name="Policy and Resources Cabinet Committee").click()
    assert page.locator("#counts-sentence").inner_text().startswith("21 of the 25 KPIs achieved target")
    assert axe_scan() == []

    page.get_by_role("link", name=re.compile(r"^Month RAG")).click()  # sort: lowest rating first
    assert kpi_refs(page)[0] == "ICT02"
    assert page.locator("th[aria-sort=ascending]").inner_text().startswith("Month RAG")

    page.get_by_label("RAG").select_option("amber")
    page.get_by_role("button", name="Apply filters").click()
    assert re.search(r"rag=amber", page.url)
    assert len(kpi_refs(page)) == 3

    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile(r"^CSV")).click()
    path = Path(download_dir) / info.value.suggested_filename
    info.value.save_as(path)
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert info.value.suggested_filename == "policy-and-resources-2019-11.csv"
    assert Counter(row["rag"] for row in rows) == {"amber": 3}

    page.get_by_role("link", name="Clear filters").click()
    page.get_by_role("link", name="ICT02").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Positive feedback rating with the ICT help desk"
    chart = page.get_by_role("img", name=re.compile(r"^ICT02 .*trend"))
    assert chart.is_visible()
    assert chart.locator("polyline.kp-chart__current").count() == 1
    assert axe_scan() == []


def test_period_picker_moves_through_months_without_javascript_help(demo, page, sign_in):
    sign_in(user("clerk"))
    page.goto("/committees/policy-and-resources/")
    page.get_by_label("Period", exact=True).select_option("2019-05")
    page.get_by_role("button", name="Show period").click()
    assert page.url.endswith("/committees/policy-and-resources/2019-05/")
    assert "May 2019" in page.locator("#period-heading").inner_text()
    page.get_by_role("link", name=re.compile(r"^Next period")).click()
    assert page.url.endswith("/2019-06/")


def test_performance_team_indicator_page_with_audit_history_is_accessible(demo, page, sign_in, axe_scan):
    sign_in(user("performance"))
    page.goto("/indicators/ICT07/")
    assert page.get_by_role("img", name=re.compile(r"^ICT07 .*: trend, ")).is_visible()
    assert page.get_by_role("img", name=re.compile(r"^ICT07 .*\(XmR\) chart \d+ values from ")).is_visible()
    assert page.get_by_role("heading", name="Audit history").is_visible()
    assert axe_scan() == []
