"""Build a committee's paper synchronously: the same code path as the worker."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from indicators.models import Committee
from indicators.periods import add_months, parse_period, period_label
from reports.models import PaperStatus
from reports.services import paper_generate, paper_request


def _meeting_date(text: str | None, period: date) -> date:
    if not text:
        return add_months(period, 2).replace(day=21)
    try:
        meeting = date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--meeting-date {text!r} is not a date: expected YYYY-MM-DD, e.g. 2020-01-21") from None
    if meeting < add_months(period, 1):
        raise CommandError(f"--meeting-date must be after the end of {period_label(period)}.")
    return meeting


class Command(BaseCommand):
    help = "Build a committee's Performance Dashboard paper (PDF and Word) into a folder and print their paths."

    def add_arguments(self, parser):
        parser.add_argument("--committee", required=True, help="The committee's slug or name.")
        parser.add_argument("--period", required=True, help="Results up to the end of this month, YYYY-MM.")
        parser.add_argument("--out", required=True, help="The folder to write the files to.")
        parser.add_argument("--meeting-date", help="YYYY-MM-DD; by default the 21st two months after the period.")

    def handle(self, *args, committee: str, period: str, out: str, meeting_date: str | None, **options):
        found = Committee.objects.filter(Q(slug=committee) | Q(name__iexact=committee)).first()
        if found is None:
            names = ", ".join(Committee.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"No committee {committee!r}. Committees: {names}.")
        try:
            month = parse_period(period)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        meeting = _meeting_date(meeting_date, month)
        folder = Path(out)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(f"Cannot write to {folder}: {exc.strerror}") from None
        paper = paper_request(committee=found, period=month, meeting_date=meeting, user=None, enqueue=False)
        paper = paper_generate(paper_id=paper.pk) or paper
        paper.refresh_from_db()
        if paper.status != PaperStatus.READY:
            raise CommandError(
                paper.failure_reason
                or f"Version {paper.version} of this paper is already {paper.get_status_display().lower()} in a worker."
            )
        for field in (paper.pdf, paper.docx):
            target = folder / Path(field.name).name
            with field.open("rb") as source:
                target.write_bytes(source.read())
            self.stdout.write(str(target.resolve()))
