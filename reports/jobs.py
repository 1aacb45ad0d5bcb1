"""The lifecycle every generated document shares: queued → running → ready or failed.

A document job is a row of a `reports.models.DocumentJob` model (a paper, an
addendum, any later kind). The view creates the row and enqueues it after commit
(`enqueue`); the worker task (`run_task`) calls `generate`, which claims the row
with a conditional update, so a double click or a redelivered message builds it
once; the kind's `build` reads the data and renders with no transaction open and
returns the files; `generate` stores them and marks the row ready in a short
atomic block, or failed with a reason fit to show the user. A failed row may be
queued again (`requeue`), keeping its number.

A new kind of document needs a `DocumentJob` model, a `JobKind` naming it, its
task and its `build`, a Celery task calling `run_task`, and its request service.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from celery import signature
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.http import FileResponse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from reports.models import DocumentJob, PaperStatus

logger = logging.getLogger(__name__)

# Errors worth trying again later: the database went away or was locked.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)
QUEUE_UNREACHABLE = "The task queue could not be reached; retry when it is back."
# Each file a document has, by field name (and the format's name in its download address).
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}

# The options every document task runs with (reports.tasks).
TASK_OPTIONS: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "autoretry_for": (*TRANSIENT_ERRORS, BrokerError),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 5,
    "soft_time_limit": settings.KPIDASH_PAPER_SOFT_TIME_LIMIT,
    "time_limit": settings.KPIDASH_PAPER_TIME_LIMIT,
}


class PaperError(Exception):
    """A request (or a build) that cannot be carried out; the message is fit to show the user."""


Progress = Callable[[int], None]


@dataclass(frozen=True)
class JobKind:
    """One kind of document: its model, its Celery task (by name) and how it is built.

    `build(row, progress)` renders the document and returns its files by field name
    (`{"pdf": bytes, "docx": bytes}`); each field `f` has a `f_sha256` beside it. It
    may raise `PaperError`, whose message becomes the failure reason as it stands.
    """

    model: type[DocumentJob]
    task: str
    noun: str
    build: Callable[[Any, Progress], dict[str, bytes]]
    related: tuple[str, ...] = ()


def enqueue(kind: JobKind, job_id: int) -> None:
    """Send the row to the workers (call it once the row is committed).

    If the broker cannot be reached (after kombu's own publish retries), the row
    would otherwise stay QUEUED with no message behind it, and block every later
    request; so it is marked failed, which offers Retry.
    """
    try:
        # By name, so the services do not import the tasks that import them; reports.apps
        # registers the tasks at start-up, so eager mode and the worker run the same task.
        signature(kind.task, args=(job_id,)).delay()
    except BrokerError:
        logger.exception("%s %s could not be queued", kind.noun.capitalize(), job_id)
        kind.model._default_manager.filter(pk=job_id, status=PaperStatus.QUEUED).update(
            status=PaperStatus.FAILED, failure_reason=QUEUE_UNREACHABLE, finished_at=timezone.now()
        )


def requeue(kind: JobKind, job_id: int, *, user) -> bool:
    """FAILED → QUEUED with a clean slate, requested by `user`; False if the row had not failed."""
    return bool(
        kind.model._default_manager.filter(pk=job_id, status=PaperStatus.FAILED).update(
            status=PaperStatus.QUEUED,
            progress=0,
            failure_reason="",
            started_at=None,
            finished_at=None,
            requested_by=user,
        )
    )


def claim(kind: JobKind, job_id: int) -> bool:
    """Take the row from QUEUED to RUNNING; False if someone else has (or had) it.

    A RUNNING row older than the hard time limit belongs to a worker that was
    killed, so it may be claimed again by the redelivered message.
    """
    now = timezone.now()
    abandoned = now - timedelta(seconds=settings.KPIDASH_PAPER_TIME_LIMIT)
    claimable = Q(status=PaperStatus.QUEUED) | Q(status=PaperStatus.RUNNING, started_at__lt=abandoned)
    return bool(
        kind.model._default_manager.filter(claimable, pk=job_id).update(
            status=PaperStatus.RUNNING, started_at=now, progress=0, failure_reason=""
        )
    )


def is_running(kind: JobKind, job_id: int) -> bool:
    """True while another worker holds the row (or held it and was killed)."""
    return kind.model._default_manager.filter(pk=job_id, status=PaperStatus.RUNNING).exists()


def _save_file(row: DocumentJob, field_name: str, content: bytes) -> tuple[str, str]:
    field = getattr(row, field_name).field
    name = field.generate_filename(row, f"{row.file_stem()}.{field_name}")
    if field.storage.exists(name):  # a redelivered message after a crash left it behind
        field.storage.delete(name)
    return field.storage.save(name, ContentFile(content)), hashlib.sha256(content).hexdigest()


def _finish(kind: JobKind, row: DocumentJob, files: dict[str, bytes]) -> None:
    stored: dict[str, str] = {}
    for field_name, content in files.items():
        stored[field_name], stored[f"{field_name}_sha256"] = _save_file(row, field_name, content)
    with transaction.atomic():
        kind.model._default_manager.filter(pk=row.pk, status=PaperStatus.RUNNING).update(
            status=PaperStatus.READY, progress=100, finished_at=timezone.now(), **stored
        )


def _fail(kind: JobKind, job_id: int, reason: str) -> None:
    kind.model._default_manager.filter(pk=job_id).update(
        status=PaperStatus.FAILED, failure_reason=reason, finished_at=timezone.now()
    )


def generate(kind: JobKind, job_id: int) -> Any | None:
    """Build a queued row's files; the row afterwards, or None if it was not ours to build."""
    if not claim(kind, job_id):
        logger.info("%s %s is not queued; nothing to do.", kind.noun.capitalize(), job_id)
        return None
    row = kind.model._default_manager.select_related(*kind.related).get(pk=job_id)

    def progress(percent: int) -> None:
        kind.model._default_manager.filter(pk=job_id, status=PaperStatus.RUNNING).update(progress=percent)

    try:
        _finish(kind, row, kind.build(row, progress))
    except PaperError as exc:
        _fail(kind, job_id, str(exc))
    except SoftTimeLimitExceeded:
        _fail(
            kind,
            job_id,
            f"Generating the {kind.noun} took longer than {settings.KPIDASH_PAPER_SOFT_TIME_LIMIT} "
            "seconds and was stopped. Try again; if it fails again, tell the performance team.",
        )
    except TRANSIENT_ERRORS:
        # Put it back so the task's retry can claim it; if the database is
        # down this fails too, and the stale RUNNING row is claimable later.
        kind.model._default_manager.filter(pk=job_id, status=PaperStatus.RUNNING).update(status=PaperStatus.QUEUED)
        raise
    except Exception as exc:
        logger.exception("%s %s failed", kind.noun.capitalize(), job_id)
        _fail(kind, job_id, f"The {kind.noun} could not be generated: {type(exc).__name__}: {exc}")
    row.refresh_from_db()
    return row


def run_task(task, kind: JobKind, job_id: int) -> str | None:
    """The body of a document's Celery task (bound, with `TASK_OPTIONS`): the row's status after it."""
    row = generate(kind, job_id)
    if row is None and is_running(kind, job_id):
        # Redelivered while another worker has it: look again once that worker's
        # hard limit has passed, when a killed worker's row becomes claimable.
        raise task.retry(countdown=settings.KPIDASH_PAPER_TIME_LIMIT + 5)
    return row.status if row else None


def download(row: DocumentJob | None, fmt: str) -> FileResponse | None:
    """A ready row's file in format `fmt` as an attachment named after the row; None if it has none."""
    file = getattr(row, fmt, None) if row is not None and fmt in CONTENT_TYPES else None
    if row is None or not row.is_ready or not file:
        return None
    return FileResponse(
        file.open("rb"), as_attachment=True, filename=f"{row.file_stem()}.{fmt}", content_type=CONTENT_TYPES[fmt]
    )
