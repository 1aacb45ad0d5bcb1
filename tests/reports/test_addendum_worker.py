"""An addendum through a real Celery worker process and Redis (not eager mode)."""

from __future__ import annotations

import time
import uuid

import pytest
from celery import Celery

from reports import addenda
from reports.models import Addendum, PaperStatus
from tests.reports.conftest import correct
from tests.services import REDIS_URL, require_redis
from tests.workers import start_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(paper_media, monkeypatch):
    """A worker on its own queue, and the addendum's enqueue pointed at it."""
    require_redis()
    app = Celery("addendum-test", broker=REDIS_URL, set_as_current=False)
    queue = f"test-addenda-{uuid.uuid4().hex[:8]}"
    process = start_worker(queue, REDIS_URL=REDIS_URL, MEDIA_ROOT=str(paper_media), LOG_LEVEL="WARNING")

    def send(addendum_id: int) -> None:
        app.send_task(addenda.ADDENDUM_JOB.task, args=[addendum_id], queue=queue)

    monkeypatch.setattr(addenda, "_enqueue", send)
    process.send = send
    yield process
    process.terminate()
    process.communicate(timeout=30)
    app.close()


def _watch(worker, addendum_id: int, timeout: float = 240) -> list[str]:
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = Addendum.objects.values_list("status", flat=True).get(pk=addendum_id)
        if not seen or seen[-1] != status:
            seen.append(status)
        if status in (PaperStatus.READY, PaperStatus.FAILED):
            return seen
        assert worker.poll() is None, "the worker died"
        time.sleep(0.02)
    raise AssertionError(f"addendum {addendum_id} stuck: {seen}")


def test_a_real_worker_builds_the_addendum_once(worker, ready_paper, clerk_user, performance_user, closed_november):
    correct(performance_user, "ICT02", "96.0")
    addendum = addenda.addendum_request(paper=ready_paper, user=clerk_user)
    assert _watch(worker, addendum.pk)[-2:] == ["running", "ready"]  # queued, if we look before the worker does
    addendum.refresh_from_db()
    assert addendum.pdf_sha256 and addendum.docx_sha256 and addendum.changes["figures"][0]["new_value"] == "96.0%"
    worker.send(addendum.pk)  # redelivered: the row is not queued, so nothing is rebuilt
    correct(performance_user, "ICT02", "97.0")
    second = addenda.addendum_request(paper=ready_paper, user=clerk_user)
    assert _watch(worker, second.pk)[-1] == "ready"  # one worker, one at a time: after the duplicate
    assert Addendum.objects.get(number=1).pdf_sha256 == addendum.pdf_sha256
    assert list(Addendum.objects.order_by("number").values_list("number", flat=True)) == [1, 2]
