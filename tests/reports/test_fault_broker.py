"""The task queue unreachable when a paper is requested: the paper is failed honestly, never lost."""

from __future__ import annotations

import pytest
from kombu.exceptions import OperationalError as BrokerError

from reports import jobs, services
from reports.models import Paper, PaperStatus
from reports.tasks import paper_generate_task
from tests.reports.conftest import MEETING, NOVEMBER_2019

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(paper_generate_task, "apply_async", refuse)


def test_a_paper_requested_while_the_queue_is_down_is_failed_with_a_reason_and_retryable(
    broker_down, policy, clerk_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        paper = services.paper_request(committee=policy, period=NOVEMBER_2019, meeting_date=MEETING, user=clerk_user)

    paper.refresh_from_db()
    assert paper.status == PaperStatus.FAILED
    assert paper.failure_reason == jobs.QUEUE_UNREACHABLE
    assert paper.finished_at is not None


def test_a_failed_enqueue_does_not_block_the_next_request_for_the_period(
    broker_down, policy, clerk_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.paper_request(committee=policy, period=NOVEMBER_2019, meeting_date=MEETING, user=clerk_user)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.paper_request(committee=policy, period=NOVEMBER_2019, meeting_date=MEETING, user=clerk_user)

    assert (first.version, second.version) == (1, 2)


def test_retry_once_the_queue_is_back_sends_the_same_paper(
    broker_down, policy, clerk_user, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        paper = services.paper_request(committee=policy, period=NOVEMBER_2019, meeting_date=MEETING, user=clerk_user)
    sent = []
    monkeypatch.setattr(paper_generate_task, "apply_async", lambda *args, **kwargs: sent.append(args[0]))

    with django_capture_on_commit_callbacks(execute=True):
        services.paper_retry(paper=paper, user=clerk_user)

    assert sent == [(paper.pk,)]
    assert Paper.objects.get().status == PaperStatus.QUEUED


def test_a_queue_error_after_a_worker_took_the_paper_leaves_the_worker_s_status(
    broker_down, policy, clerk_user, monkeypatch
):
    paper = services.paper_request(
        committee=policy, period=NOVEMBER_2019, meeting_date=MEETING, user=clerk_user, enqueue=False
    )
    Paper.objects.filter(pk=paper.pk).update(status=PaperStatus.RUNNING)

    services._enqueue(paper.pk)

    assert Paper.objects.get().status == PaperStatus.RUNNING
