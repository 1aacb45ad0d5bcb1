"""A clerk sees a paper's late data and makes its addendum, with JavaScript and without; axe passes."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from demo.papers import load_demo_paper_settings
from indicators.models import Committee
from reports import addenda
from reports.models import Addendum, Paper, PaperStatus
from reports.snapshot import build_snapshot
from returns.models import PeriodStatus, ReportingPeriod
from tests.reports.conftest import MEETING, NOVEMBER_2019, correct, pdf_text

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def changed_paper(demo, settings, tmp_path, monkeypatch) -> Paper:
    """A ready paper for Policy and Resources, November 2019, whose ICT02 figure was corrected since."""
    settings.MEDIA_ROOT = tmp_path / "media"
    # No worker here (the queue is tested in tests/reports): the addendum is built as the task would.
    monkeypatch.setattr(addenda, "_enqueue", lambda addendum_id: addenda.addendum_generate(addendum_id=addendum_id))
    load_demo_paper_settings()
    policy = Committee.objects.get(slug="policy-and-resources")
    snapshot = build_snapshot(
        committee=policy, settings=policy.paper_settings, period=NOVEMBER_2019, meeting_date=MEETING
    )
    paper = Paper.objects.create(
        committee=policy,
        period=NOVEMBER_2019,
        meeting_date=MEETING,
        version=1,
        status=PaperStatus.READY,
        snapshot=snapshot,
    )
    ReportingPeriod.objects.create(period=NOVEMBER_2019, deadline=date(2019, 12, 10), status=PeriodStatus.CLOSED)
    correct(get_user_model().objects.get(username="performance"), "ICT02", "96.0")
    return paper


def test_the_changes_and_the_addendum_pass_axe(changed_paper, page, sign_in, axe_scan):
    sign_in(get_user_model().objects.get(username="clerk"))
    page.goto(changed_paper.get_absolute_url())
    assert page.locator("#changes-sentence").inner_text() == "1 figure changed since this paper was generated."
    assert axe_scan() == []
    page.get_by_role("button", name="Generate addendum 1").click()
    assert page.locator("#addendum-1").inner_text().startswith("Addendum 1 Ready")
    assert page.get_by_text("Addendum 1 lists every one of these changes.").is_visible()
    assert axe_scan() == []


def test_without_javascript_a_clerk_generates_and_downloads_the_addendum(changed_paper, browser, live_server, client):
    context = browser.new_context(java_script_enabled=False, accept_downloads=True, base_url=live_server.url)
    client.force_login(get_user_model().objects.get(username="clerk"))
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    try:
        page.goto(changed_paper.get_absolute_url())
        page.get_by_role("button", name="Generate addendum 1").click()
        with page.expect_download() as download:
            page.get_by_role("link", name="PDF of addendum 1").click()
        with open(download.value.path(), "rb") as handle:
            text = pdf_text(handle.read())
        assert "ICT02 Positive feedback rating with the ICT help desk November 2019 88.6% 96.0% Red Green" in text
        assert page.get_by_role("button", name="Generate addendum 2").count() == 0  # addendum 1 lists it all
        assert Addendum.objects.get().is_ready
    finally:
        context.close()
