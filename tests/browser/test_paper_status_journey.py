"""A paper's status page follows a real worker to Ready without a manual reload (no <meta refresh>)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from celery import Celery
from django.contrib.auth import get_user_model

from demo.papers import load_demo_paper_settings
from indicators.models import Committee
from reports import services
from reports.models import Paper, PaperStatus
from tests.services import REDIS_URL, require_redis
from tests.workers import start_worker

TASK = "reports.tasks.paper_generate_task"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def paper_queue(settings, tmp_path, monkeypatch):
    """Papers go to a Redis queue of their own; `start()` starts a real worker on it."""
    require_redis()
    settings.MEDIA_ROOT = tmp_path / "media"
    queue = f"test-papers-{uuid.uuid4().hex[:8]}"
    app = Celery("paper-status-test", broker=REDIS_URL, set_as_current=False)
    monkeypatch.setattr(services, "_enqueue", lambda paper_id: app.send_task(TASK, args=[paper_id], queue=queue))
    processes = []

    class Queue:
        @staticmethod
        def start() -> None:
            env = {"REDIS_URL": REDIS_URL, "MEDIA_ROOT": str(settings.MEDIA_ROOT), "LOG_LEVEL": "WARNING"}
            processes.append(start_worker(queue, **env))

    yield Queue
    for process in processes:
        process.terminate()
        process.communicate(timeout=30)
    app.close()


@pytest.mark.worker
def test_the_status_page_turns_ready_by_itself_and_passes_axe_while_in_flight(
    demo, page, sign_in, axe_scan, paper_queue
):
    load_demo_paper_settings()
    sign_in(get_user_model().objects.get(username="clerk"))
    polls, violations = [], []
    page.on("request", lambda request: polls.append(request.url) if request.url.endswith("/status.json") else None)
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    page.goto("/papers/new/?committee=policy-and-resources")
    page.get_by_label("Results up to the end of").fill("2019-11")
    page.get_by_label("Meeting date").fill("2020-01-21")
    page.get_by_role("button", name="Generate").click()
    if page.get_by_role("button", name="Generate anyway").count():
        page.get_by_role("button", name="Generate anyway").click()
    status = page.locator("#paper-status [role=status]")
    assert status.inner_text().startswith("Queued")
    paper = Paper.objects.get()
    assert paper.status == PaperStatus.QUEUED  # no worker yet: the message waits in Redis
    page.wait_for_function("() => document.getElementById('paper-check-hint').textContent.includes('updates itself')")
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    assert axe_scan() == []  # in flight, with the script polling

    paper_queue.start()
    # No page.reload() anywhere: the script sees Ready and shows the downloads.
    page.get_by_role("link", name="PDF").wait_for(timeout=180_000)
    assert page.locator("#paper-status").inner_text().startswith("Ready")
    assert page.get_by_role("link", name="Word (.docx)").is_visible()
    assert page.get_by_role("link", name="Check progress").count() == 0
    assert polls and page.url.endswith(paper.get_absolute_url())
    assert axe_scan() == []
    count = len(polls)
    page.wait_for_timeout(4_000)
    assert len(polls) == count  # polling stopped once the paper was ready
    assert violations == []  # the script and its fetches keep to the CSP (script-src and connect-src 'self')


def test_without_javascript_the_page_offers_check_progress(demo, browser, live_server, client):
    load_demo_paper_settings()
    paper = services.paper_request(
        committee=Committee.objects.get(slug="policy-and-resources"),
        period=date(2019, 11, 1),
        meeting_date=date(2020, 1, 21),
        user=None,
        enqueue=False,
    )
    client.force_login(get_user_model().objects.get(username="viewer"))
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    try:
        page.goto(paper.get_absolute_url())
        assert page.get_by_text("The paper is being made in the background.").is_visible()
        assert page.locator('meta[http-equiv="refresh"]').count() == 0
        Paper.objects.filter(pk=paper.pk).update(status=PaperStatus.RUNNING, progress=60)
        page.get_by_role("link", name="Check progress").click()
        assert page.locator("#paper-status").inner_text().startswith("Running")
        assert "60% done" in page.locator("#paper-status").inner_text()
    finally:
        context.close()


def test_the_status_page_can_stop_and_restart_its_updates_and_shows_the_finished_paper_in_place(
    demo, page, sign_in, axe_scan
):
    """WCAG 2.2.1/2.2.2: the automatic updates can be stopped and started again, are announced
    politely in the same live region, and the finished paper appears without a reload."""
    load_demo_paper_settings()
    paper = services.paper_request(
        committee=Committee.objects.get(slug="policy-and-resources"),
        period=date(2019, 11, 1),
        meeting_date=date(2020, 1, 21),
        user=None,
        enqueue=False,
    )
    sign_in(get_user_model().objects.get(username="viewer"))
    polls = []
    page.on("request", lambda request: polls.append(request.url) if request.url.endswith("/status.json") else None)
    with page.expect_request(lambda request: request.url.endswith("/status.json"), timeout=10_000):
        page.goto(paper.get_absolute_url())
    region = page.locator("#paper-status [role=status]")
    assert region.get_attribute("role") == "status"  # polite: announced without taking focus
    page.evaluate("window.samePage = true; document.querySelector('#paper-status [role=status]').dataset.kept = 'yes'")
    assert axe_scan() == []  # while the poller is running

    page.get_by_role("button", name="Stop checking").click()
    assert "not checking" in page.locator("#paper-check-hint").inner_text()
    count = len(polls)
    page.wait_for_timeout(4_000)
    assert len(polls) == count  # stopped means stopped
    assert axe_scan() == []

    Paper.objects.filter(pk=paper.pk).update(status=PaperStatus.READY, progress=100)
    page.get_by_role("button", name="Start checking again").click()
    # focus is on the button the swap removes
    page.get_by_role("link", name="PDF").wait_for(timeout=10_000)
    assert page.evaluate("window.samePage === true")  # no reload: the reader keeps their place
    assert region.get_attribute("data-kept") == "yes"  # the same live region, so the change is announced
    assert region.inner_text().startswith("Ready")
    assert page.get_by_role("button", name="Stop checking").count() == 0
    assert page.get_by_role("link", name="Check progress").count() == 0
    assert page.evaluate("document.activeElement.textContent") == "Download"  # not lost to the top of the page
    assert axe_scan() == []
