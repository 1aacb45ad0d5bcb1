"""Late data after a paper is generated: what changed, and the addendum that says so.

`paper_changes` compares a ready paper's stored snapshot with a fresh snapshot of
the same committee and period, built by the same `build_snapshot` (a constant
number of queries). An addendum is a document job like a paper (`reports.jobs`):
`addendum_request` creates it before enqueueing, the worker claims it in
`addendum_generate`, renders with no transaction open and marks it ready in a
short atomic block. Every addendum is against the paper's snapshot (not the
previous addendum), so the latest one lists every change and replaces the others.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from reports import jobs
from reports.changes import changes_sentence, has_changes, snapshot_changes
from reports.jobs import PaperError
from reports.models import Addendum, Paper, PaperSettings, PaperStatus
from reports.snapshot import build_snapshot, date_label
from returns.services import save_with_history


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
    jobs.enqueue(ADDENDUM_JOB, addendum_id)


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
            jobs.requeue(ADDENDUM_JOB, latest.pk, user=user)
        else:
            number = (addenda.aggregate(latest=Max("number"))["latest"] or 0) + 1
            addendum = Addendum(paper=paper, number=number, requested_by=user)
            save_with_history(addendum, user, "Requested")
        if enqueue:
            transaction.on_commit(lambda: _enqueue(addendum.pk))
    addendum.refresh_from_db()
    return addendum


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


def _build(addendum: Addendum, progress: jobs.Progress) -> dict[str, bytes]:
    snapshot = fresh_snapshot(addendum.paper)
    changes = snapshot_changes(addendum.paper.snapshot or {}, snapshot)
    if not has_changes(changes):
        raise PaperError(f"Nothing has changed since version {addendum.paper.version} of the paper was generated.")
    document = addendum_document(addendum, snapshot, changes)
    Addendum.objects.filter(pk=addendum.pk).update(changes=document, data_as_at=snapshot["data_as_at"], progress=20)
    from reports.addendum_files import render_addendum_files  # WeasyPrint is heavy: only workers render

    pdf, docx = render_addendum_files(document)
    return {"pdf": pdf, "docx": docx}


ADDENDUM_JOB = jobs.JobKind(
    model=Addendum,
    task="reports.tasks.addendum_generate_task",
    noun="addendum",
    build=_build,
    related=("paper__committee",),
)


def addendum_generate(*, addendum_id: int) -> Addendum | None:
    """Build a queued addendum's files; None if it was not ours to build."""
    return jobs.generate(ADDENDUM_JOB, addendum_id)
