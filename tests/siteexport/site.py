"""Helpers for the site export tests: a demo with something in every sheet, emptying the site, reading exports."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.roles import VIEWER
from api.models import ApiToken
from demo.papers import load_demo_paper_settings
from indicators import ratings
from indicators.models import (
    Commentary,
    CommentaryStatus,
    Committee,
    DirectionBasis,
    Directorate,
    Indicator,
    Phase,
    Rating,
    Result,
    Threshold,
)
from plans.models import Action, ActionNote, Objective, Plan, Priority
from public.models import Publication
from questions.models import Answer, Meeting, Question, ResponseSheet
from reports.models import Addendum, Paper, PaperSettings
from returns.models import BankHolidayChange, CalendarChange, PeriodStatus, ReportingPeriod
from siteexport.restore import occupied
from spreadsheets.models import ImportRecord
from spreadsheets.workbook import open_workbook

LONDON = ZoneInfo("Europe/London")


def enrich_demo() -> None:
    """Add to the demo what it lacks, so every sheet of a site export has rows that matter."""
    User = get_user_model()
    users = {u.username: u for u in User.objects.all()}
    load_demo_paper_settings()
    Phase.objects.create(
        indicator=Indicator.objects.get(code="ICT01"), start=date(2018, 4, 1), reason="A new help desk system"
    )
    Committee.objects.filter(slug="environment-and-transport").update(direction_basis=DirectionBasis.SPC)
    ict03 = Indicator.objects.get(code="ICT03")
    Commentary.objects.create(
        indicator=ict03,
        period=date(2019, 11, 1),
        text="=Calls rose after the new system went live.",  # formula-like: written with an apostrophe
        status=CommentaryStatus.RETURNED,
        author=users["owner"],
        submitted_at=datetime(2019, 12, 2, 9, 30, tzinfo=LONDON),
        return_reason="Say which system.",
        version=3,
    )
    Commentary.objects.create(
        indicator=ict03,
        period=date(2019, 12, 1),  # no result yet: only the Commentary sheet carries it
        text="Draft for December.",
        status=CommentaryStatus.DRAFT,
        author=users["owner"],
        version=1,
    )
    ReportingPeriod.objects.create(
        period=date(2019, 11, 1),
        status=PeriodStatus.CLOSED,
        deadline=date(2019, 12, 10),
        opened_by=users["performance"],
        opened_at=datetime(2019, 11, 25, 8, 0, tzinfo=LONDON),
        closed_by=users["performance"],
        closed_at=datetime(2019, 12, 13, 16, 45, 12, 345678, tzinfo=LONDON),
    )
    ReportingPeriod.objects.create(period=date(2019, 12, 1), deadline=date(2020, 1, 10), opened_by=users["performance"])
    BankHolidayChange.objects.create(day=date(2019, 12, 27), change=CalendarChange.ADD, name="Council closure day")
    for code, year in (("ICT02", 2019), ("ICT02", 2018), ("FN01", 2019)):
        Publication.objects.create(
            indicator=Indicator.objects.get(code=code),
            financial_year=year,
            published_by=users["performance"],
            published_at=datetime(2020, 1, 6, 9, 0, tzinfo=LONDON),
        )
    _enrich_questions(users)
    leaver = User.objects.create_user("leaver", email="leaver@example.gov.uk", first_name="Lee", last_name="Ver")
    leaver.is_active = False
    leaver.save()
    leaver.groups.add(Group.objects.get(name=VIEWER))


def _enrich_questions(users: dict) -> None:
    """Beside the demo's two approved answers: a councillor's own question with a returned answer, one not
    answered yet, and another committee's meeting opened by no one left on the site."""
    meeting = Meeting.objects.get(committee__slug="policy-and-resources")
    own = Question.objects.create(
        meeting=meeting,
        indicator=Indicator.objects.get(code="ICT01"),
        asked_by=users["viewer"],
        text="+How many calls were answered\nwithin a minute?",  # formula-like, on two lines
        recorded_by=users["viewer"],
    )
    Question.objects.filter(pk=own.pk).update(created_at=datetime(2020, 1, 8, 17, 5, 1, 250000, tzinfo=LONDON))
    Answer.objects.create(
        question=own,
        text="Nine in ten.",
        status=CommentaryStatus.RETURNED,
        answered_by=users["owner"],
        submitted_at=datetime(2020, 1, 10, 11, 0, tzinfo=LONDON),
        return_reason="Give the figure for December too.",
    )
    Question.objects.create(
        meeting=meeting,
        indicator=Indicator.objects.get(code="FN01"),
        member_name="Cllr Ann Other",
        text="Why is this one Amber?",
        recorded_by=users["clerk"],
    )
    Meeting.objects.create(
        committee=Committee.objects.get(slug="environment-and-transport"),
        date=date(2020, 1, 23),
        period=date(2019, 11, 1),
    )


def wipe_site() -> None:
    """Empty what the demo filled, as in a newly migrated database (the role groups stay)."""
    with ratings.deferred():  # one refresh of nothing at the end, not one per deleted result
        # Not carried (README "Moving to a new site"): addenda (with their papers), API tokens, response sheets.
        for model in (ResponseSheet, Answer, Question, Meeting):
            model.objects.all().delete()
        for model in (Publication, ActionNote, Action, Objective, Priority, Plan, Addendum, ApiToken):
            model.objects.all().delete()
        for model in (Paper, PaperSettings, ImportRecord, Rating, Commentary, Result, Threshold, Phase, Indicator):
            model.objects.all().delete()
        for model in (Committee, Directorate, ReportingPeriod, BankHolidayChange):
            model.objects.all().delete()
        get_user_model().objects.all().delete()
    for model in apps.get_models():
        if model.__name__.startswith("Historical"):
            model.objects.all().delete()
    assert occupied() == [] and not get_user_model().objects.exists()


def sheets_of(path: Path) -> dict[str, dict[str, list]]:
    """Every sheet of both workbooks in a site export, read as the import reads them: member → sheet → rows."""
    out: dict[str, dict[str, list]] = {}
    with zipfile.ZipFile(path) as archive, tempfile.TemporaryDirectory() as folder:
        for member in ("workbook.xlsx", "site.xlsx"):
            target = Path(folder) / member
            target.write_bytes(archive.read(member))
            out[member] = {
                s.name: [s.headings, *(values for _, values in s.rows)] for s in open_workbook(target, member)
            }
    return out


def manifest_of(path: Path) -> dict:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("manifest.json"))


def rewrite(path: Path, member: str, edit) -> None:
    """Change one workbook inside a site export: `edit(workbook)` on an openpyxl copy of it."""
    with zipfile.ZipFile(path) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    book = openpyxl.load_workbook(io.BytesIO(contents[member]))
    edit(book)
    buffer = io.BytesIO()
    book.save(buffer)
    contents[member] = buffer.getvalue()
    write_zip(path, contents)


def write_zip(path: Path, contents: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)


def find_row(sheet, column: str, value) -> int:
    """The row number of the first row whose `column` holds `value`."""
    headings = [cell.value for cell in sheet[1]]
    index = headings.index(column)
    for number, row in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        if row[index] == value:
            return number
    raise LookupError(f"{column}={value!r} not on sheet {sheet.title}")
