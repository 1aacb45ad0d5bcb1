"""An owner sees their Red KPI has no improvement action, adds one, and the flag goes; the indicator
page lists it; the owner's next return names it and the performance team approves that; the clerk's
paper prints both: in Chromium, with axe."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.contrib.auth import get_user_model

from plans.models import Action
from plans.rules import ActionStatus
from reports import services
from returns.services import period_open
from tests.reports.conftest import docx_text, pdf_text

pytestmark = pytest.mark.django_db(transaction=True)

FLAG = "ICT02 is Red and has no improvement action"
COMMENTARY = "Satisfaction is still low; call-backs to every unhappy caller began on 2 December (see the action)."


def test_owner_adds_an_improvement_action_for_a_red_kpi_and_the_flag_goes(
    demo, page, sign_in, axe_scan, settings, tmp_path, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path / "media"
    Action.objects.filter(indicators__code="ICT02").update(status=ActionStatus.COMPLETE)  # the demo's is done
    sign_in(get_user_model().objects.get(username="owner"))

    page.goto("/committees/policy-and-resources/")
    assert FLAG in page.locator("#notices").inner_text()
    assert axe_scan() == []
    page.goto("/returns/")
    assert FLAG in page.locator("#missing-actions").inner_text()
    assert axe_scan() == []

    page.get_by_role("link", name="Add an improvement action for ICT02").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Add an improvement action"
    assert page.get_by_label(re.compile(r"^ICT02 ")).is_checked()
    assert axe_scan() == []
    page.get_by_role("button", name="Add the action").click()  # nothing filled in: refused, saying what is missing
    assert "Enter a title: say what will be done." in page.locator(".govuk-error-summary").inner_text()
    assert axe_scan() == []
    page.get_by_label("Title").fill("Call back every caller who rates the help desk poorly")
    page.get_by_label("Due date").fill("2030-01-31")
    page.get_by_label("On track").check()
    page.get_by_role("button", name="Add the action").click()

    assert "Improvement action added" in page.locator(".govuk-notification-banner").inner_text()
    assert "On track" in page.locator("#action-summary").inner_text()
    page.get_by_label("Add a progress note").fill("First twenty call-backs made.")
    page.get_by_role("button", name="Add the note").click()
    assert "First twenty call-backs made." in page.locator("main").inner_text()
    assert axe_scan() == []

    page.goto("/returns/")
    assert FLAG not in page.locator("main").inner_text()
    page.goto("/committees/policy-and-resources/")
    assert FLAG not in page.locator("main").inner_text()
    page.goto("/plans/framing-kents-future/")
    assert "New models of care and support" in page.locator("main").inner_text()
    assert axe_scan() == []

    # The indicator page lists it (outside its page cache, so at once).
    page.goto("/indicators/ICT02/")
    actions = page.locator("#indicator-actions").inner_text()
    assert "Call back every caller who rates the help desk poorly" in actions and "31 January 2030" in actions
    assert axe_scan() == []

    # December opens; the owner's Red return names the action, and the performance team approves it.
    period_open(
        period=date(2019, 12, 1), deadline=date(2020, 1, 10), user=get_user_model().objects.get(username="performance")
    )
    page.goto("/returns/")
    page.get_by_role("link", name=re.compile(r"ICT02 for December 2019")).click()
    page.get_by_label("Value", exact=True).fill("85")
    page.get_by_label("Commentary").fill(COMMENTARY)
    page.get_by_role("button", name="Submit for approval").click()
    assert "It is rated Red." in page.locator(".govuk-notification-banner").inner_text()
    sign_in(get_user_model().objects.get(username="performance"))
    page.goto("/review/")
    assert COMMENTARY in page.locator("#review-queue").inner_text()
    assert axe_scan() == []
    page.get_by_role("button", name="Approve ICT02 for December 2019").click()
    assert "1 return approved." in page.locator(".govuk-notification-banner").inner_text()

    # The clerk's paper prints the approved commentary and the action, with owner and due date,
    # in the cover report and ICT02's section.
    queued: list[int] = []
    monkeypatch.setattr(services, "_enqueue", queued.append)  # the worker is tested elsewhere: run it here
    sign_in(get_user_model().objects.get(username="clerk"))
    page.goto("/papers/new/?committee=policy-and-resources")
    page.get_by_label("Results up to the end of").fill("2019-12")
    page.get_by_label("Meeting date").fill("2020-01-21")
    page.get_by_role("button", name="Generate").click()
    if page.get_by_role("button", name="Generate anyway").count():
        page.get_by_role("button", name="Generate anyway").click()
    (paper_id,) = queued
    services.paper_generate(paper_id=paper_id)
    page.reload()
    assert axe_scan() == []
    action = "Action: Call back every caller who rates the help desk poorly (Sam Owner, due 31 January 2030)."
    for label, read in (("PDF", pdf_text), ("Word (.docx)", docx_text)):
        href = page.get_by_role("link", name=re.compile(rf"^{re.escape(label)}")).get_attribute("href")
        response = page.request.get(href)
        assert response.ok
        text = read(response.body())
        assert action in text
        assert COMMENTARY in text
        assert "Call back every caller who rates the help desk poorly Sam Owner 31 January 2030 On track" in text
