"""Committee papers: request, generate, retry, and what is missing before you do.

`paper_generate` is the one code path that turns a queued row into files: the
Celery task and the `build_paper` command both call it. The lifecycle (claimed
with a conditional update, so a double click or a redelivered message makes one
paper; rendered with no transaction open; marked ready in a short atomic block)
is `reports.jobs`, shared with the addenda; this module says how a paper is built.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Max

from indicators.models import Committee
from reports import jobs
from reports.jobs import PaperError
from reports.models import Paper, PaperSettings
from reports.snapshot import build_snapshot, paper_dashboard, readiness_gaps


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


def _enqueue(paper_id: int) -> None:
    jobs.enqueue(PAPER_JOB, paper_id)


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
        if not jobs.requeue(PAPER_JOB, paper.pk, user=user):
            raise PaperError("Only a paper that failed can be retried.")
        transaction.on_commit(lambda: _enqueue(paper.pk))
    paper.refresh_from_db()
    return paper


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


def _build(paper: Paper, progress: jobs.Progress) -> dict[str, bytes]:
    snapshot = build_snapshot(
        committee=paper.committee,
        settings=paper_settings_for(paper.committee),
        period=paper.period,
        meeting_date=paper.meeting_date,
    )
    Paper.objects.filter(pk=paper.pk).update(snapshot=snapshot, data_as_at=snapshot["data_as_at"], progress=10)
    pdf, docx = render_paper_files(snapshot, progress)
    return {"pdf": pdf, "docx": docx}


PAPER_JOB = jobs.JobKind(
    model=Paper, task="reports.tasks.paper_generate_task", noun="paper", build=_build, related=("committee",)
)


def paper_generate(*, paper_id: int) -> Paper | None:
    """Build a queued paper's snapshot and files; None if it was not ours to build."""
    return jobs.generate(PAPER_JOB, paper_id)
