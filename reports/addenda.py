"""Late data after a paper is generated: what changed, and the addendum that says so.

`paper_changes` compares a ready paper's stored snapshot with a fresh snapshot of
the same committee and period, built by the same `build_snapshot` (a constant
number of queries). An addendum is a job row like a paper: `addendum_request`
creates it before enqueueing, the worker claims it with a conditional update in
`addendum_generate`, renders with no transaction open and marks it ready in a
short atomic block. Every addendum is against the paper's snapshot (not the
previous addendum), so the latest one lists every change and replaces the others.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from celery import signature
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from reports.changes import changes_sentence, has_changes, snapshot_changes
from reports.models import Addendum, Paper, PaperSettings, PaperStatus
from reports.services import QUEUE_UNREACHABLE, TRANSIENT_ERRORS, PaperError
from reports.snapshot import build_snapshot, date_label
from returns.services import save_with_history

logger = logging.getLogger(__name__)

ADDENDUM_TASK = "reports.tasks.addendum_generate_task"


def fresh_snapshot(paper: Paper) -> dict:
    """Today's snapshot of the paper's committee and period, built as the paper's was, without the charts.

    Every figure the comparison reads comes from the same dashboard rows as the paper's; only the
    chart points and the XmR charts are left out (reports.changes compares neither).
    """
    committee = paper.committee
    # Unsaved defaults if the committee has none: a page view must write nothing, and the
    # comparison reads only the indicators' rows, never the settings' words.
    wording = PaperSettings.objects.filter(committee=committee).first() or PaperSettings(committee=committee)
    return build_snapshot(
        committee=committee, settings=wording, period=paper.period, meeting_date=paper.meeting_date, with_charts=False
    )


def paper_changes(paper: Paper, snapshot: dict | None = None) -> dict[str, list[dict]] | None:
    """The paper's figures and commentary that read differently now; None if it is not ready."""
    if not paper.is_ready or not paper.snapshot:
        return None
    return snapshot_changes(paper.snapshot, snapshot or fresh_snapshot(paper))


def same_changes(a: dict, b: dict | None) -> bool:
    """True when an addendum's stored document (`b`) lists exactly the changes `a`."""
    return b is not None and (a["figures"], a["commentary"]) == (b.get("figures"), b.get("commentary"))


def _refusal(paper: Paper, changes: dict, latest: Addendum | None) -> str | None:
    if not has_changes(changes):
        return (
            f"Nothing has changed since version {paper.version} of the paper was generated, "
            "so there is nothing for an addendum to say."
        )
    if latest is not None and latest.is_ready and same_changes(changes, latest.changes):
        return (
            f"Nothing has changed since addendum {latest.number} was generated: it already lists every change "
            f"to version {paper.version} of the paper."
        )
    return None


def _enqueue(addendum_id: int) -> None:
    """Send the addendum to the workers once its row is committed; mark it failed if the broker is down."""
    try:
        signature(ADDENDUM_TASK, args=(addendum_id,)).delay()
    except BrokerError:
        logger.exception("Addendum %s could not be queued", addendum_id)
        Addendum.objects.filter(pk=addendum_id, status=PaperStatus.QUEUED).update(
            status=PaperStatus.FAILED, failure_reason=QUEUE_UNREACHABLE, finished_at=timezone.now()
        )


def addendum_request(*, paper: Paper, user, enqueue: bool = True) -> Addendum:
    """Queue the next addendum to a ready paper (or return the one in flight, or retry a failed last one).

    Refused with `PaperError` when nothing has changed since the paper, or since the last addendum.
    """
    if not paper.is_ready:
        raise PaperError("Only a ready paper can have an addendum.")
    changes = paper_changes(paper)
    assert changes is not None
    with transaction.atomic():
        Paper.objects.select_for_update().filter(pk=paper.pk).exists()  # serialises addendum numbers
        addenda = Addendum.objects.filter(paper=paper)
        latest = addenda.order_by("-number").first()
        if latest is not None and latest.in_flight:
            return latest
        if message := _refusal(paper, changes, addenda.filter(status=PaperStatus.READY).order_by("-number").first()):
            raise PaperError(message)
        if latest is not None and latest.status == PaperStatus.FAILED:
            addendum = latest  # try the failed one again under its number, rather than leave a gap
            Addendum.objects.filter(pk=latest.pk).update(
                status=PaperStatus.QUEUED,
                progress=0,
                failure_reason="",
                started_at=None,
                finished_at=None,
                requested_by=user,
            )
        else:
            number = (addenda.aggregate(latest=Max("number"))["latest"] or 0) + 1
            addendum = Addendum(paper=paper, number=number, requested_by=user)
            save_with_history(addendum, user, "Requested")
        if enqueue:
            transaction.on_commit(lambda: _enqueue(addendum.pk))
    addendum.refresh_from_db()
    return addendum


def _claim(addendum_id: int) -> bool:
    """QUEUED → RUNNING, or a RUNNING row abandoned by a killed worker; False if not ours."""
    now = timezone.now()
    abandoned = now - timedelta(seconds=settings.KPIDASH_PAPER_TIME_LIMIT)
    claimable = Q(status=PaperStatus.QUEUED) | Q(status=PaperStatus.RUNNING, started_at__lt=abandoned)
    return bool(
        Addendum.objects.filter(claimable, pk=addendum_id).update(
            status=PaperStatus.RUNNING, started_at=now, progress=0, failure_reason=""
        )
    )


def addendum_is_running(*, addendum_id: int) -> bool:
    return Addendum.objects.filter(pk=addendum_id, status=PaperStatus.RUNNING).exists()


def addendum_document(addendum: Addendum, snapshot: dict, changes: dict) -> dict:
    """Everything the addendum's files print, frozen in the row like a paper's snapshot."""
    paper = addendum.paper
    old: dict = paper.snapshot or {}
    return {
        **changes,
        "number": addendum.number,
        "committee": old["committee"]["name"],
        "directorate": old["directorate"],
        "period_label": old["period_label"],
        "meeting_date_label": old["meeting_date_label"],
        "paper_version": paper.version,
        "paper_title": old["settings"]["subject"],
        "paper_date_label": date_label(timezone.localtime(paper.finished_at or paper.created_at).date()),
        "paper_data_as_at_label": old["data_as_at_label"],
        "data_as_at": snapshot["data_as_at"],
        "data_as_at_label": snapshot["data_as_at_label"],
        "sentence": changes_sentence(changes, f"version {paper.version} of the paper was generated"),
    }


def _save_file(addendum: Addendum, field_name: str, content: bytes) -> tuple[str, str]:
    field = getattr(addendum, field_name).field
    name = field.generate_filename(addendum, f"{addendum.file_stem()}.{field_name}")
    if field.storage.exists(name):  # left behind by a crashed attempt
        field.storage.delete(name)
    return field.storage.save(name, ContentFile(content)), hashlib.sha256(content).hexdigest()


def _build(addendum: Addendum) -> None:
    snapshot = fresh_snapshot(addendum.paper)
    changes = snapshot_changes(addendum.paper.snapshot or {}, snapshot)
    if not has_changes(changes):
        raise PaperError(f"Nothing has changed since version {addendum.paper.version} of the paper was generated.")
    document = addendum_document(addendum, snapshot, changes)
    Addendum.objects.filter(pk=addendum.pk).update(changes=document, data_as_at=snapshot["data_as_at"], progress=20)
    from reports.addendum_files import render_addendum_files  # WeasyPrint is heavy: only workers render

    pdf, docx = render_addendum_files(document)
    pdf_name, pdf_sha = _save_file(addendum, "pdf", pdf)
    docx_name, docx_sha = _save_file(addendum, "docx", docx)
    with transaction.atomic():
        Addendum.objects.filter(pk=addendum.pk, status=PaperStatus.RUNNING).update(
            status=PaperStatus.READY,
            progress=100,
            finished_at=timezone.now(),
            pdf=pdf_name,
            pdf_sha256=pdf_sha,
            docx=docx_name,
            docx_sha256=docx_sha,
        )


def _fail(addendum_id: int, reason: str) -> None:
    Addendum.objects.filter(pk=addendum_id).update(
        status=PaperStatus.FAILED, failure_reason=reason, finished_at=timezone.now()
    )


def addendum_generate(*, addendum_id: int) -> Addendum | None:
    """Build a queued addendum's files; None if it was not ours to build."""
    if not _claim(addendum_id):
        logger.info("Addendum %s is not queued; nothing to do.", addendum_id)
        return None
    addendum = Addendum.objects.select_related("paper__committee").get(pk=addendum_id)
    try:
        _build(addendum)
    except PaperError as exc:
        _fail(addendum_id, str(exc))
    except SoftTimeLimitExceeded:
        _fail(
            addendum_id, f"Generating the addendum took longer than {settings.KPIDASH_PAPER_SOFT_TIME_LIMIT} seconds."
        )
    except TRANSIENT_ERRORS:
        Addendum.objects.filter(pk=addendum_id, status=PaperStatus.RUNNING).update(status=PaperStatus.QUEUED)
        raise
    except Exception as exc:
        logger.exception("Addendum %s failed", addendum_id)
        _fail(addendum_id, f"The addendum could not be generated: {type(exc).__name__}: {exc}")
    addendum.refresh_from_db()
    return addendum
