"""Every wide page at a 1366px laptop and a 390px phone: nothing scrolls the page sideways, axe finds nothing.

The public site's pages are checked the same way, signed out, and at 320px too (WCAG's reflow width).

The dashboards go further: their tables fit both widths without scrolling even
inside their own region (on the phone, by stacking each row into a card). The
returns pages' tables may scroll inside their region on a phone, never the page.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from demo.public import load_demo_publication
from indicators.models import Committee, Directorate, Indicator
from returns.services import period_open, return_save

pytestmark = pytest.mark.django_db(transaction=True)

LAPTOP, PHONE = (1366, 768), (390, 844)
COMMITTEE = "/committees/policy-and-resources/"
DIRECTORATE = "/directorates/strategic-and-corporate-services/"
DASHBOARDS = [
    ("viewer", COMMITTEE),  # December 2019: most figures not in yet, so most rows carry a period note
    ("viewer", f"{COMMITTEE}2019-11/"),
    ("viewer", DIRECTORATE),
    ("viewer", f"{DIRECTORATE}2019-11/"),
]
OTHER_PAGES = [
    ("viewer", "/"),
    ("owner", "/"),  # with the owner's missing returns
    ("owner", "/returns/"),
    ("performance", "/returns/2019-12/enter/"),
    ("performance", "/returns/missing/"),
    ("performance", "/review/"),
    ("performance", "/periods/"),
    ("performance", "/indicators/ICT02/"),  # with its audit history
]
# The public site, as anyone reads it (no sign-in), at 320px too: WCAG 2.2's reflow width.
REFLOW = (320, 640)
PUBLIC_PAGES = [
    "/public/",
    "/public/committees/policy-and-resources/",
    "/public/committees/policy-and-resources/2019-06/",
    "/public/directorates/strategic-and-corporate-services/",
    "/public/indicators/ICT02/",  # two years of figures and commentary
    "/public/data/",
    "/public/data/dictionary/",
    "/public/accessibility/",
]
OVERFLOW = "[document.documentElement.scrollWidth, window.innerWidth]"
REGIONS = "[...document.querySelectorAll('.kp-table-scroll')].map(e => [e.scrollWidth, e.clientWidth])"


def user(username: str):
    return get_user_model().objects.get(username=username)


@pytest.fixture
def december(demo):
    """December 2019 open, with three of the owner's returns submitted: a review queue and a December dashboard."""
    period_open(period=date(2019, 12, 1), deadline=date(2020, 1, 10), user=user("performance"))
    for indicator in Indicator.objects.filter(code__in=["ICT01", "ICT02", "ICT03"]):
        return_save(
            indicator=indicator,
            period=date(2019, 12, 1),
            user=user("owner"),
            value=Decimal("95"),
            commentary="Figures checked against the help desk's records before submission.",
            submit=True,
        )


def visit(page, sign_in, username: str, path: str) -> None:
    sign_in(user(username))
    response = page.goto(path)
    assert response.status == 200, path


@pytest.mark.parametrize("size", [LAPTOP, PHONE], ids=["1366px", "390px"])
def test_no_page_scrolls_sideways_and_each_passes_axe(december, page, sign_in, axe_scan, size):
    page.set_viewport_size(dict(zip(("width", "height"), size, strict=True)))
    wide, inaccessible = [], []
    for username, path in DASHBOARDS + OTHER_PAGES:
        visit(page, sign_in, username, path)
        scroll_width, inner_width = page.evaluate(OVERFLOW)
        if scroll_width > inner_width:
            wide.append((path, username, scroll_width))
        if violations := axe_scan():
            inaccessible.append((path, username, [v["id"] for v in violations]))
    assert wide == []
    assert inaccessible == []


@pytest.mark.parametrize("size", [LAPTOP, PHONE, REFLOW], ids=["1366px", "390px", "320px"])
def test_no_public_page_scrolls_sideways_and_each_passes_axe(demo, page, axe_scan, size):
    load_demo_publication()
    page.set_viewport_size(dict(zip(("width", "height"), size, strict=True)))
    wide, inaccessible = [], []
    for path in PUBLIC_PAGES:
        response = page.goto(path)
        assert response.status == 200, path
        assert page.locator("h1").count() == 1, path
        scroll_width, inner_width = page.evaluate(OVERFLOW)
        if scroll_width > inner_width:
            wide.append((path, scroll_width))
        if violations := axe_scan():
            inaccessible.append((path, [v["id"] for v in violations]))
    assert wide == []
    assert inaccessible == []


@pytest.mark.parametrize("size", [LAPTOP, PHONE], ids=["1366px", "390px"])
def test_dashboard_tables_fit_without_scrolling_and_show_the_summary_and_sparklines(december, page, sign_in, size):
    page.set_viewport_size(dict(zip(("width", "height"), size, strict=True)))
    for username, path in DASHBOARDS:
        visit(page, sign_in, username, path)
        assert all(scroll <= client for scroll, client in page.evaluate(REGIONS)), path
        assert page.locator("#rating-summary .kp-rating-bar").is_visible(), path
        assert page.locator("#row-ICT02 svg.kp-spark").is_visible(), path
    summary = page.locator("#rating-summary").inner_text()
    assert "Green 21" in summary.replace("\n", " ") and "No RAG 0" in summary.replace("\n", " ")


def test_a_committee_dashboard_with_two_directorates_fits_a_laptop(demo, page, sign_in):
    """The directorate column appears only for a committee of several directorates: the widest table."""
    committee = Committee.objects.get(slug="policy-and-resources")
    committee.directorates.add(Directorate.objects.get(slug="growth-environment-and-transport"))
    page.set_viewport_size(dict(zip(("width", "height"), LAPTOP, strict=True)))
    visit(page, sign_in, "viewer", f"{COMMITTEE}2019-11/")
    assert page.get_by_role("columnheader", name="Directorate").count() == 2  # the KPI and activity tables
    scroll_width, inner_width = page.evaluate(OVERFLOW)
    assert scroll_width <= inner_width
    assert all(scroll <= client for scroll, client in page.evaluate(REGIONS))


def test_on_a_phone_each_kpi_reads_as_a_card_of_labelled_figures(demo, page, sign_in, axe_scan):
    page.set_viewport_size(dict(zip(("width", "height"), PHONE, strict=True)))
    visit(page, sign_in, "viewer", f"{COMMITTEE}2019-11/")
    card = page.locator("#row-ICT02")
    lines = card.inner_text().split("\n")
    assert lines[:2] == ["ICT02", "Positive feedback rating with the ICT help desk"]
    # Each figure is labelled with its column's name (drawn from data-label); the name needs none.
    labels = card.evaluate(
        """row => [...row.querySelectorAll('td')].map(
            cell => [cell.dataset.label, getComputedStyle(cell, '::before').content])"""
    )
    assert labels[0] == ["Indicator", "none"]
    assert all(content != "none" for _, content in labels[1:])
    assert [label for label, _ in labels[1:4]] == ["Polarity", "Data period", "Latest value"]
    # The card is no wider than the screen, and its figures sit two to a line.
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE[0]
    target, floor = card.locator("td[data-label=Target]"), card.locator("td[data-label=Floor]")
    assert target.bounding_box()["y"] == floor.bounding_box()["y"]
    assert axe_scan() == []
