"""Committee papers: request, generate, retry, and what is missing before you do.

`paper_generate` is the one code path that turns a queued row into files: the
Celery task and the `build_paper` command both call it. It claims the row with
a conditional update, so a double click or a redelivered message makes one
paper; reads the data in one short pass; renders with no transaction open;
then marks the row ready in a short atomic block.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date, timedelta

from celery import signature
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from indicators.models import Committee
from reports.models import Paper, PaperSettings, PaperStatus
from reports.snapshot import build_snapshot, paper_dashboard, readiness_gaps

logger = logging.getLogger(__name__)

# Errors worth trying again later: the database went away or was locked.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class PaperError(Exception):
    """A request that cannot be carried out; the message is fit to show the user."""


def paper_settings_defaults(committee: Committee) -> dict[str, str]:
    """Settings a committee starts with: everything generic, no invented names."""
    directorates = " and ".join(d.name for d in committee.directorates.order_by("name"))
    return {"from_lines": f"Corporate Director for {directorates}" if directorates else ""}


def paper_settings_for(committee: Committee) -> PaperSettings:
    settings_row, _ = PaperSettings.objects.get_or_create(
        committee=committee, defaults=paper_settings_defaults(committee)
    )
    return settings_row


def paper_readiness(*, committee: Committee, period: date) -> list[str]:
    """What the paper would show as missing: figures not entered, commentary not approved."""
    return readiness_gaps(paper_dashboard(committee, period))


PAPER_TASK = "reports.tasks.paper_generate_task"
QUEUE_UNREACHABLE = "The task queue could not be reached; retry when it is back."


def _enqueue(paper_id: int) -> None:
    """Send the paper to the workers once its row is committed.

    If the broker cannot be reached (after kombu's own publish retries), the
    row would otherwise stay QUEUED with no message behind it, and block every
    later request for the period; so it is marked failed, which offers Retry.
    """
    try:
        # By name, so this module does not import the tasks that import it; reports.apps
        # registers the task at start-up, so eager mode and the worker run the same task.
        signature(PAPER_TASK, args=(paper_id,)).delay()
    except BrokerError:
        logger.exception("Paper %s could not be queued", paper_id)
        Paper.objects.filter(pk=paper_id, status=PaperStatus.QUEUED).update(
            status=PaperStatus.FAILED, failure_reason=QUEUE_UNREACHABLE, finished_at=timezone.now()
        )


def paper_request(*, committee: Committee, period: date, meeting_date: date, user, enqueue: bool = True) -> Paper:
    """Queue the next version of a committee's paper for a period (or return the one in flight).

    `enqueue=False` leaves the row for the caller to build (the `build_paper` command).
    """
    with transaction.atomic():
        # Serialises version numbers per committee (a no-op lock on SQLite, whose writes are serial).
        Committee.objects.select_for_update().filter(pk=committee.pk).exists()
        papers = Paper.objects.filter(committee=committee, period=period)
        in_flight = papers.in_flight().order_by("-version").first()
        if in_flight is not None:
            return in_flight
        version = (papers.aggregate(latest=Max("version"))["latest"] or 0) + 1
        paper = Paper.objects.create(
            committee=committee, period=period, meeting_date=meeting_date, version=version, requested_by=user
        )
        if enqueue:
            transaction.on_commit(lambda: _enqueue(paper.pk))
    return paper


def paper_retry(*, paper: Paper, user) -> Paper:
    """Queue a failed paper again, keeping its version number."""
    with transaction.atomic():
        retried = Paper.objects.filter(pk=paper.pk, status=PaperStatus.FAILED).update(
            status=PaperStatus.QUEUED,
            progress=0,
            failure_reason="",
            started_at=None,
            finished_at=None,
            requested_by=user,
        )
        if not retried:
            raise PaperError("Only a paper that failed can be retried.")
        transaction.on_commit(lambda: _enqueue(paper.pk))
    paper.refresh_from_db()
    return paper


def _claim(paper_id: int) -> bool:
    """Take the row from QUEUED to RUNNING; False if someone else has (or had) it.

    A RUNNING row older than the hard time limit belongs to a worker that was
    killed, so it may be claimed again by the redelivered message.
    """
    now = timezone.now()
    abandoned = now - timedelta(seconds=settings.KPIDASH_PAPER_TIME_LIMIT)
    claimable = Q(status=PaperStatus.QUEUED) | Q(status=PaperStatus.RUNNING, started_at__lt=abandoned)
    return bool(
        Paper.objects.filter(claimable, pk=paper_id).update(
            status=PaperStatus.RUNNING, started_at=now, progress=0, failure_reason=""
        )
    )


def paper_is_running(*, paper_id: int) -> bool:
    """True while another worker holds the paper (or held it and was killed)."""
    return Paper.objects.filter(pk=paper_id, status=PaperStatus.RUNNING).exists()


def _progress(paper_id: int, percent: int) -> None:
    Paper.objects.filter(pk=paper_id, status=PaperStatus.RUNNING).update(progress=percent)


def _save_file(paper: Paper, field_name: str, content: bytes) -> tuple[str, str]:
    field = getattr(paper, field_name).field
    name = field.generate_filename(paper, f"{paper.file_stem()}.{field_name}")
    if field.storage.exists(name):  # a redelivered message after a crash left it behind
        field.storage.delete(name)
    return field.storage.save(name, ContentFile(content)), hashlib.sha256(content).hexdigest()


def render_paper_files(snapshot: dict, progress=lambda percent: None) -> tuple[bytes, bytes]:
    """Both formats from a snapshot alone (the paper as it was on the day)."""
    # Imported here: WeasyPrint and matplotlib are heavy, and only workers render.
    from reports.content import paper_content
    from reports.pdf import render_pdf
    from reports.word import render_docx

    content = paper_content(snapshot, progress)
    pdf = render_pdf(content)
    progress(75)
    docx = render_docx(content)
    progress(90)
    return pdf, docx


def _build(paper: Paper) -> None:
    snapshot = build_snapshot(
        committee=paper.committee,
        settings=paper_settings_for(paper.committee),
        period=paper.period,
        meeting_date=paper.meeting_date,
    )
    Paper.objects.filter(pk=paper.pk).update(snapshot=snapshot, data_as_at=snapshot["data_as_at"], progress=10)
    pdf, docx = render_paper_files(snapshot, lambda percent: _progress(paper.pk, percent))
    pdf_name, pdf_sha = _save_file(paper, "pdf", pdf)
    docx_name, docx_sha = _save_file(paper, "docx", docx)
    with transaction.atomic():
        Paper.objects.filter(pk=paper.pk, status=PaperStatus.RUNNING).update(
            status=PaperStatus.READY,
            progress=100,
            finished_at=timezone.now(),
            pdf=pdf_name,
            pdf_sha256=pdf_sha,
            docx=docx_name,
            docx_sha256=docx_sha,
        )


def _fail(paper_id: int, reason: str) -> None:
    Paper.objects.filter(pk=paper_id).update(
        status=PaperStatus.FAILED, failure_reason=reason, finished_at=timezone.now()
    )


def paper_generate(*, paper_id: int) -> Paper | None:
    """Build a queued paper's snapshot and files; None if it was not ours to build."""
    if not _claim(paper_id):
        logger.info("Paper %s is not queued; nothing to do.", paper_id)
        return None
    paper = Paper.objects.select_related("committee").get(pk=paper_id)
    try:
        _build(paper)
    except SoftTimeLimitExceeded:
        _fail(
            paper_id,
            f"Generating the paper took longer than {settings.KPIDASH_PAPER_SOFT_TIME_LIMIT} "
            "seconds and was stopped. Try again; if it fails again, tell the performance team.",
        )
    except TRANSIENT_ERRORS:
        # Put it back so the task's retry can claim it; if the database is
        # down this fails too, and the stale RUNNING row is claimable later.
        Paper.objects.filter(pk=paper_id, status=PaperStatus.RUNNING).update(status=PaperStatus.QUEUED)
        raise
    except Exception as exc:
        logger.exception("Paper %s failed", paper_id)
        _fail(paper_id, f"The paper could not be generated: {type(exc).__name__}: {exc}")
    paper.refresh_from_db()
    return paper
