"""The clerk records a member's question, its owner answers, the performance team approves, the clerk
publishes the response sheet and downloads it, and records a resolution: in Chromium, with axe."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from pypdf import PdfReader

pytestmark = pytest.mark.django_db(transaction=True)

QUESTION = "How many help desk calls waited over an hour in November?"
ANSWER = "Eleven calls waited over an hour, all on the day of the network outage."


def _user(name: str):
    return get_user_model().objects.get(username=name)


def test_a_question_goes_from_the_clerk_to_the_owner_to_approval_to_the_sheet(
    demo, page, sign_in, axe_scan, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    sign_in(_user("clerk"))
    page.goto("/questions/")
    assert axe_scan() == []
    page.get_by_label("Committee").select_option(label="Policy and Resources Cabinet Committee")
    page.get_by_label("Meeting date").fill("2020-03-17")
    page.get_by_role("button", name="Open the meeting").click()  # no month: refused, saying so
    assert "Enter the month the paper reports up to" in page.locator(".govuk-error-summary").inner_text()
    assert axe_scan() == []
    page.get_by_label("The paper's month").fill("2020-01")
    page.get_by_role("button", name="Open the meeting").click()
    assert "Members' questions for the meeting on 17 March 2020" in page.get_by_role("heading", level=1).inner_text()

    page.get_by_label("Indicator").select_option(label="ICT02 Positive feedback rating with the ICT help desk")
    page.get_by_label("Member who asked").fill("Cllr Priya Shah")
    page.get_by_label("Question").fill(QUESTION)
    page.get_by_role("button", name="Record the question").click()
    assert "Question added." in page.locator(".govuk-notification-banner").inner_text()
    assert "Answer to follow" in page.locator("#questions").inner_text()
    assert axe_scan() == []
    meeting_url = page.url

    page.context.clear_cookies()
    sign_in(_user("owner"))
    page.goto(meeting_url)
    page.get_by_role("link", name=re.compile("Answer the question on ICT02")).click()
    assert axe_scan() == []
    page.get_by_label("Answer").fill(ANSWER)
    page.get_by_role("button", name="Submit for approval").click()
    assert "Answer submitted for approval." in page.locator(".govuk-notification-banner").inner_text()

    page.context.clear_cookies()
    sign_in(_user("performance"))
    page.goto(meeting_url)
    page.get_by_role("link", name=re.compile("Answer the question on ICT02")).click()
    assert axe_scan() == []
    page.get_by_role("button", name="Approve the answer").click()
    assert "Approved" in page.locator("#questions").inner_text()

    page.context.clear_cookies()
    sign_in(_user("clerk"))
    page.goto(meeting_url)
    page.get_by_role("button", name="Publish the response sheet").click()
    assert "Response sheet version 1 published." in page.locator(".govuk-notification-banner").inner_text()
    assert axe_scan() == []
    with page.expect_download() as download:
        page.locator("#sheets a", has_text="PDF").first.click()
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(open(download.value.path(), "rb").read())).pages)
    assert "Cllr Priya Shah" in text and "ICT02" in " ".join(text.split())
    assert " ".join(ANSWER.split()) in " ".join(text.split())

    page.get_by_role("button", name="Record a resolution").click()
    assert axe_scan() == []
    page.get_by_label("The resolution").fill("Officers to report back on help desk waits in June.")
    page.get_by_label("Action title").fill("Report back on help desk waits")
    page.get_by_label("Owner").select_option(label="Sam Owner")
    page.get_by_label("Due date").fill("2030-06-30")
    page.get_by_label(re.compile(r"^ICT02 ")).check()
    page.get_by_role("button", name="Record the resolution").click()
    assert "Resolution recorded as an action" in page.locator(".govuk-notification-banner").inner_text()
    page.get_by_role("link", name="Report back on help desk waits").click()
    assert (
        "Policy and Resources Cabinet Committee, meeting 17 March 2020" in page.locator("#action-source").inner_text()
    )
    assert axe_scan() == []
