"""An owner sees their Red KPI has no improvement action, adds one, and the flag goes: in Chromium, with axe."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from plans.models import Action
from plans.rules import ActionStatus

pytestmark = pytest.mark.django_db(transaction=True)

FLAG = "ICT02 is Red and has no improvement action"


def test_owner_adds_an_improvement_action_for_a_red_kpi_and_the_flag_goes(demo, page, sign_in, axe_scan):
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
