"""Writing a site export: the Spreadsheets workbook, the rest of the site's records, and a manifest, in one zip."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.roles import ROLES
from indicators.models import Commentary, Committee, Directorate, Phase
from indicators.periods import format_period
from plans.models import ActionNote
from public.models import Publication
from questions.models import Answer, Meeting, Question
from reports.models import PaperSettings
from returns.models import BankHolidayChange, ReportingPeriod
from siteexport import schema
from spreadsheets.workbook import export_sheets, write_xlsx


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


def site_sheets() -> dict[str, Iterator[list]]:
    """Every sheet of `site.xlsx` (header first), each in one or two queries."""
    return {
        schema.DIRECTORATES: _directorates(),
        schema.COMMITTEES: _committees(),
        schema.PEOPLE: _people(),
        schema.PHASES: _phases(),
        schema.COMMENTARY: _commentary(),
        schema.PERIODS: _periods(),
        schema.PAPER_SETTINGS: _paper_settings(),
        schema.BANK_HOLIDAYS: _bank_holidays(),
        schema.ACTION_NOTES: _action_notes(),
        schema.PUBLICATIONS: _publications(),
        schema.MEETINGS: _meetings(),
        schema.QUESTIONS: _questions(),
        schema.ANSWERS: _answers(),
    }


def _directorates() -> Iterator[list]:
    yield schema.SHEETS[schema.DIRECTORATES]
    for d in Directorate.objects.order_by("name"):
        yield [d.name, d.slug]


def _committees() -> Iterator[list]:
    yield schema.SHEETS[schema.COMMITTEES]
    for c in Committee.objects.prefetch_related("directorates").order_by("name"):
        yield [c.name, c.slug, c.direction_basis, "; ".join(sorted(d.name for d in c.directorates.all()))]


def _people() -> Iterator[list]:
    yield schema.SHEETS[schema.PEOPLE]
    for user in get_user_model().objects.prefetch_related("groups").order_by("username"):
        roles = sorted(g.name for g in user.groups.all() if g.name in ROLES)
        yield [
            user.get_username(),
            user.first_name,
            user.last_name,
            user.email,
            "; ".join(roles),
            _yes_no(user.is_active),
            _yes_no(user.is_staff),
            _yes_no(user.is_superuser),
        ]


def _phases() -> Iterator[list]:
    yield schema.SHEETS[schema.PHASES]
    for p in Phase.objects.select_related("indicator").order_by("indicator__code", "start"):
        yield [p.indicator.code, format_period(p.start), p.reason]


def _commentary() -> Iterator[list]:
    yield schema.SHEETS[schema.COMMENTARY]
    rows = Commentary.objects.select_related("indicator", "author", "approver").order_by("indicator__code", "period")
    for c in rows.iterator(chunk_size=2000):
        yield [
            c.indicator.code,
            format_period(c.period),
            c.status,
            c.text or None,
            _username(c.author),
            schema.datetime_text(c.submitted_at),
            _username(c.approver),
            schema.datetime_text(c.approved_at),
            c.return_reason or None,
            c.version,
        ]


def _periods() -> Iterator[list]:
    yield schema.SHEETS[schema.PERIODS]
    for p in ReportingPeriod.objects.select_related("opened_by", "closed_by").order_by("period"):
        yield [
            format_period(p.period),
            p.status,
            p.deadline.isoformat(),
            _username(p.opened_by),
            schema.datetime_text(p.opened_at),
            _username(p.closed_by),
            schema.datetime_text(p.closed_at),
        ]


def _paper_settings() -> Iterator[list]:
    yield schema.SHEETS[schema.PAPER_SETTINGS]
    for s in PaperSettings.objects.select_related("committee").order_by("committee__name"):
        yield [
            s.committee.name,
            *(
                _yes_no(getattr(s, name)) if name in schema.PAPER_YES_NO else (getattr(s, name) or None)
                for name in schema.PAPER_FIELDS
            ),
        ]


def _bank_holidays() -> Iterator[list]:
    yield schema.SHEETS[schema.BANK_HOLIDAYS]
    for change in BankHolidayChange.objects.order_by("day"):
        yield [change.day.isoformat(), change.change, change.name]


def _action_notes() -> Iterator[list]:
    yield schema.SHEETS[schema.ACTION_NOTES]
    for note in ActionNote.objects.select_related("author").order_by("action_id", "created_at", "pk"):
        yield [note.action_id, _username(note.author), schema.datetime_text(note.created_at), note.text]


def _publications() -> Iterator[list]:
    yield schema.SHEETS[schema.PUBLICATIONS]
    rows = Publication.objects.select_related("indicator", "published_by").order_by("indicator__code", "financial_year")
    for publication in rows:
        yield [
            publication.indicator.code,
            publication.year_label,
            _username(publication.published_by),
            schema.datetime_text(publication.published_at),
        ]


def _meetings() -> Iterator[list]:
    yield schema.SHEETS[schema.MEETINGS]
    for m in Meeting.objects.select_related("committee", "created_by").order_by("committee__slug", "date"):
        yield [
            m.committee.slug,
            m.date.isoformat(),
            format_period(m.period),
            _username(m.created_by),
            schema.datetime_text(m.created_at),
        ]


def _questions() -> Iterator[list]:
    yield schema.SHEETS[schema.QUESTIONS]
    rows = Question.objects.select_related("meeting__committee", "indicator", "asked_by", "recorded_by")
    for q in rows.order_by("pk"):
        yield [
            q.pk,
            q.meeting.committee.slug,
            q.meeting.date.isoformat(),
            q.indicator.code,
            q.member_name or None,
            _username(q.asked_by),
            q.text,
            _username(q.recorded_by),
            schema.datetime_text(q.created_at),
        ]


def _answers() -> Iterator[list]:
    yield schema.SHEETS[schema.ANSWERS]
    for a in Answer.objects.select_related("answered_by", "approver").order_by("question_id"):
        yield [
            a.question_id,
            a.text,
            a.status,
            _username(a.answered_by),
            schema.datetime_text(a.submitted_at),
            _username(a.approver),
            schema.datetime_text(a.approved_at),
            a.return_reason or None,
        ]


def manifest() -> dict:
    return {
        "format": schema.FORMAT,
        "version": schema.VERSION,
        "created_at": schema.datetime_text(timezone.now()),
        "members": {
            schema.WORKBOOK: "the Spreadsheets workbook: Indicators, Thresholds, Results, Plans, Priorities, "
            "Objectives, Actions",
            schema.SITE: "directorates, committees, people, SPC phases, commentary, reporting periods, "
            "paper settings, bank holiday changes, action notes, publications, members' questions "
            "(meetings, questions, answers)",
        },
    }


def export_site(target: Path) -> None:
    """Write the whole site to `target` (a zip file; see `siteexport.schema`)."""
    workbook, site = io.BytesIO(), io.BytesIO()
    write_xlsx(workbook, export_sheets())
    write_xlsx(site, site_sheets(), about=schema.ABOUT_TEXT)
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr(schema.MANIFEST, json.dumps(manifest(), indent=2), compress_type=zipfile.ZIP_DEFLATED)
        # Workbooks are zips already: stored as they are.
        archive.writestr(schema.WORKBOOK, workbook.getvalue(), compress_type=zipfile.ZIP_STORED)
        archive.writestr(schema.SITE, site.getvalue(), compress_type=zipfile.ZIP_STORED)
