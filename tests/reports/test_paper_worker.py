"""Generation through a real Celery worker process and Redis (not eager mode)."""

from __future__ import annotations

import time
import uuid

import pytest
from celery import Celery

from reports import services
from reports.models import Paper, PaperStatus
from tests.reports.conftest import MEETING, NOVEMBER_2019
from tests.services import REDIS_URL, require_redis
from tests.workers import start_worker

TASK = "reports.tasks.paper_generate_task"

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_app():
    require_redis()
    # Not the current app: shared tasks enqueued by later tests must still go
    # through kpidash's own app and broker.
    app = Celery("paper-test", broker=REDIS_URL, set_as_current=False)
    yield app
    app.close()


@pytest.fixture
def worker(redis_app, paper_media, monkeypatch):
    """A worker on its own queue, and the service's enqueue pointed at it."""
    queue = f"test-papers-{uuid.uuid4().hex[:8]}"
    process = start_worker(queue, REDIS_URL=REDIS_URL, MEDIA_ROOT=str(paper_media), LOG_LEVEL="WARNING")

    def send(paper_id: int, task_id: str | None = None) -> None:
        redis_app.send_task(TASK, args=[paper_id], queue=queue, task_id=task_id)

    monkeypatch.setattr(services, "_enqueue", send)
    process.send = send
    yield process
    process.terminate()
    process.output = process.communicate(timeout=30)[0].decode(errors="replace")


def _watch(worker, paper_id: int, until: set[str], timeout: float = 240) -> list[str]:
    """The statuses seen, polling the row, until one of `until` or the timeout."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = Paper.objects.values_list("status", flat=True).get(pk=paper_id)
        if not seen or seen[-1] != status:
            seen.append(status)
        if status in until:
            return seen
        assert worker.poll() is None, "the worker died"
        time.sleep(0.02)
    raise AssertionError(f"paper {paper_id} stuck: {seen}")


def test_a_real_worker_builds_the_paper_once_fails_honestly_and_retries(worker, policy, clerk_user, paper_media):
    paper = services.paper_request(committee=policy, period=NOVEMBER_2019, meeting_date=MEETING, user=clerk_user)
    assert _watch(worker, paper.pk, {PaperStatus.READY, PaperStatus.FAILED}) == ["queued", "running", "ready"]
    paper.refresh_from_db()
    assert paper.progress == 100 and paper.pdf_sha256 and paper.docx_sha256 and paper.snapshot["counts"]["red"] == 1

    # The same message delivered twice more: still one paper, untouched.
    task_id = str(uuid.uuid4())
    worker.send(paper.pk, task_id)
    worker.send(paper.pk, task_id)
    probe = services.paper_request(committee=policy, period=NOVEMBER_2019, meeting_date=MEETING, user=clerk_user)
    assert _watch(worker, probe.pk, {PaperStatus.READY, PaperStatus.FAILED}) == ["queued", "running", "ready"]
    assert Paper.objects.filter(version=1).get().pdf_sha256 == paper.pdf_sha256
    assert Paper.objects.count() == 2  # the double delivery made none; the new request made version 2

    # Rendering that fails (the papers folder cannot be created) leaves a reason, and retry works.
    (paper_media / "papers").rename(paper_media / "moved")
    (paper_media / "papers").write_text("not a folder")
    third = services.paper_request(committee=policy, period=NOVEMBER_2019, meeting_date=MEETING, user=clerk_user)
    assert _watch(worker, third.pk, {PaperStatus.READY, PaperStatus.FAILED})[-1] == "failed"
    third.refresh_from_db()
    assert "could not be generated" in third.failure_reason
    (paper_media / "papers").unlink()
    services.paper_retry(paper=third, user=clerk_user)
    assert _watch(worker, third.pk, {PaperStatus.READY, PaperStatus.FAILED})[-1] == "ready"
    assert Paper.objects.get(pk=third.pk).version == 3
