"""The reminder task: enqueued after commit, and run by a real Celery worker process."""

from __future__ import annotations

import email
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from indicators.models import Indicator
from kpidash.celery import app
from returns.models import ReportingPeriod
from returns.tasks import send_reminders
from returns.workdays import is_working_day
from tests.returns.conftest import DEC
from tests.workers import start_worker


def test_the_daily_schedule_names_the_registered_reminder_task():
    entry = settings.CELERY_BEAT_SCHEDULE["returns-reminders"]
    assert entry["task"] == send_reminders.name
    assert entry["task"] in app.tasks
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({7}, {0})


def test_sending_reminders_now_enqueues_the_task_only_after_commit(
    client, demo, performance_user, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(send_reminders, "delay", lambda *a, **k: sent.append(a))
    client.force_login(performance_user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("reminders_send_now"))
    assert response.status_code == 302
    assert sent == [] and len(callbacks) == 1
    callbacks[0]()
    assert sent == [()]


def _messages(folder: Path) -> list[email.message.Message]:
    found = []
    for path in folder.glob("*.log"):
        for chunk in path.read_text().split("-" * 79):
            if chunk.strip():
                found.append(email.message_from_string(chunk.strip()))
    return found


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_emails_each_owner_once_with_their_missing_indicators(demo, tmp_path):
    day = timezone.localdate()
    while not is_working_day(day):
        day += timedelta(days=1)
    ReportingPeriod.objects.create(period=DEC, deadline=day)
    queue = f"test-reminders-{uuid.uuid4().hex[:8]}"  # so no other worker takes the task
    worker = start_worker(
        queue,
        EMAIL_FILE_PATH=str(tmp_path),
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
    )
    try:
        send_reminders.apply_async(kwargs={"today": day.isoformat()}, queue=queue)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and len(_messages(tmp_path)) < 3:
            assert worker.poll() is None, worker.stdout.read().decode()
            time.sleep(0.5)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode()
    messages = {m["To"]: m for m in _messages(tmp_path)}
    # The demo's Freedom of Information action is three weeks overdue whenever it is loaded:
    # its owner is reminded and the performance team told.
    assert sorted(messages) == ["owner2@example.gov.uk", "owner@example.gov.uk", "performance@example.gov.uk"], output
    foi = "Bring in two temporary officers to clear the Freedom of Information backlog (GL02): was due by"
    assert foi in messages["owner2@example.gov.uk"].get_payload()
    assert foi in messages["performance@example.gov.uk"].get_payload()
    body = messages["owner@example.gov.uk"].get_payload()
    owned = Indicator.objects.filter(owners__username="owner", frequency__in=["monthly", "quarterly"])
    for indicator in owned:
        assert f"{indicator.code} {indicator.name}, December 2019: Missing" in body
    assert "FN01" not in body


@pytest.mark.django_db(transaction=True)  # as in production: no transaction open, so enqueued at once
def test_sending_reminders_now_while_the_queue_is_unreachable_says_none_were_sent(
    client, demo, performance_user, monkeypatch
):
    """A hung Redis broker fails the publish within seconds (tests/kpidash/test_hung_redis.py); the page says so."""

    def unreachable(*args, **kwargs):
        raise BrokerError("Error while reading from 127.0.0.1:6379 : timed out")

    monkeypatch.setattr(send_reminders, "delay", unreachable)
    client.force_login(performance_user)
    response = client.post(reverse("reminders_send_now"), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "The task queue could not be reached, so no reminders were sent. Try again later." in page
    assert "reminder run is queued" not in page
