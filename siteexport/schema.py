"""The site export's format: a zip of the spreadsheet workbook, a workbook of the rest, and a manifest.

`workbook.xlsx` is exactly what the Spreadsheets page exports (Indicators,
Thresholds, Results, Plans, Priorities, Objectives, Actions: `spreadsheets.workbook`),
so it can also be imported on
its own there. `site.xlsx` holds what that workbook does not: the sheets below,
whose cells are parsed by the same widgets as the workbook's
(`spreadsheets.resources`). `manifest.json` names the format and its version.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.contrib.auth.models import Group

from accounts.roles import ROLES
from indicators.models import CommentaryStatus, DirectionBasis
from reports.models import PaperSettings
from returns.models import CalendarChange, PeriodStatus
from spreadsheets.resources import (
    ChoiceWidget,
    DayWidget,
    FinancialYearWidget,
    PeriodWidget,
    TextWidget,
    WholeNumberWidget,
    YesNoWidget,
)

FORMAT, VERSION = "kpidash-site", 1
MANIFEST, WORKBOOK, SITE = "manifest.json", "workbook.xlsx", "site.xlsx"
MEMBERS = (MANIFEST, WORKBOOK, SITE)

DIRECTORATES = "Directorates"
COMMITTEES = "Committees"
PEOPLE = "People"
PHASES = "Phases"
COMMENTARY = "Commentary"
PERIODS = "Reporting periods"
PAPER_SETTINGS = "Paper settings"
BANK_HOLIDAYS = "Bank holiday changes"
ACTION_NOTES = "Action notes"  # progress notes on the workbook's Actions (by their id there)
PUBLICATIONS = "Publications"  # which indicators are public, year by year (`public/`)
# Members' questions (`questions/`): meetings by committee and date, questions by their id (as the
# Actions sheet keeps actions': /questions/question/<id>/ stays the same question), answers by their question's.
MEETINGS = "Meetings"
QUESTIONS = "Questions"
ANSWERS = "Answers"

# The PaperSettings fields people write (not the committee it belongs to, nor when it was saved).
PAPER_FIELDS = [f.name for f in PaperSettings._meta.concrete_fields if f.name not in ("id", "committee", "updated_at")]
# Those that are yes or no (e.g. whether the appendix is grouped by priority), written "yes"/"no".
PAPER_YES_NO = [f.name for f in PaperSettings._meta.concrete_fields if f.get_internal_type() == "BooleanField"]

SHEETS: dict[str, list[str]] = {
    DIRECTORATES: ["name", "slug"],
    COMMITTEES: ["name", "slug", "direction_basis", "directorates"],
    PEOPLE: ["username", "first_name", "last_name", "email", "roles", "active", "staff", "superuser"],
    PHASES: ["code", "start", "reason"],
    COMMENTARY: "code period status text author submitted_at approver approved_at return_reason version".split(),
    PERIODS: ["period", "status", "deadline", "opened_by", "opened_at", "closed_by", "closed_at"],
    PAPER_SETTINGS: ["committee", *PAPER_FIELDS],
    BANK_HOLIDAYS: ["day", "change", "name"],
    ACTION_NOTES: ["action", "author", "created_at", "text"],
    PUBLICATIONS: ["code", "financial_year", "published_by", "published_at"],
    MEETINGS: ["committee", "date", "period", "created_by", "created_at"],
    QUESTIONS: "id committee meeting_date code member_name asked_by text recorded_by created_at".split(),
    ANSWERS: ["question", "text", "status", "answered_by", "submitted_at", "approver", "approved_at", "return_reason"],
}
# Sheets newer than the format's first exports: a file without one restores as if it were empty.
ADDED_LATER = frozenset({ACTION_NOTES, PUBLICATIONS, MEETINGS, QUESTIONS, ANSWERS})
KEYS = {
    DIRECTORATES: ["name", "slug"],
    COMMITTEES: ["name", "slug"],
    PEOPLE: ["username"],
    PHASES: ["code", "start"],
    COMMENTARY: ["code", "period"],
    PERIODS: ["period", "deadline"],
    PAPER_SETTINGS: ["committee"],
    BANK_HOLIDAYS: ["day"],
    ACTION_NOTES: ["action", "created_at", "text"],
    PUBLICATIONS: ["code", "financial_year"],
    MEETINGS: ["committee", "date", "period"],
    # Not the text: a blank one gets the meeting page's own message ("Enter the question.").
    QUESTIONS: ["id", "committee", "meeting_date", "code"],
    ANSWERS: ["question"],
}

ABOUT_TEXT = [
    "kpidash site export: the records the Spreadsheets workbook (workbook.xlsx) does not hold.",
    "Restore a whole site with: python manage.py import_site site.zip (into an empty, newly migrated database).",
    "Times are written in UTC as 2019-12-12T10:00:00+00:00, days as 2020-01-10, months as 2019-11.",
    "People are restored without passwords; lists (roles, directorates) are separated by semicolons.",
    "Text beginning with = + - @ is written with a leading apostrophe, removed again on import.",
    "This sheet is ignored on import.",
]


def datetime_text(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


class DateTimeWidget:
    """A moment written as ISO 8601 with its offset (the export writes UTC)."""

    def clean(self, value, row=None, **kwargs) -> datetime | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        example = "write it as 2019-12-12T10:00:00+00:00"
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not a date and time with its time zone: {example}.")
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"“{value}” is not a date and time: {example}.") from None
        if moment.tzinfo is None:
            raise ValueError(f"“{value}” has no time zone: {example}.")
        return moment


_text, _yes_no, _moment, _day = TextWidget(), YesNoWidget(), DateTimeWidget(), DayWidget()
_period = PeriodWidget()

# How each column's cells are read: as text, a moment if the name ends in _at, unless named here.
_READ_AS: dict[str, dict] = {
    COMMITTEES: {"direction_basis": ChoiceWidget(DirectionBasis.choices)},
    PEOPLE: {"active": _yes_no, "staff": _yes_no, "superuser": _yes_no},
    PHASES: {"start": _period},
    COMMENTARY: {"period": _period, "status": ChoiceWidget(CommentaryStatus.choices), "version": WholeNumberWidget()},
    PERIODS: {"period": _period, "status": ChoiceWidget(PeriodStatus.choices), "deadline": _day},
    PAPER_SETTINGS: dict.fromkeys(PAPER_YES_NO, _yes_no),
    BANK_HOLIDAYS: {"day": _day, "change": ChoiceWidget(CalendarChange.choices)},
    ACTION_NOTES: {"action": WholeNumberWidget()},
    PUBLICATIONS: {"financial_year": FinancialYearWidget()},
    MEETINGS: {"date": _day, "period": _period},
    QUESTIONS: {"id": WholeNumberWidget(), "meeting_date": _day},
    ANSWERS: {"question": WholeNumberWidget(), "status": ChoiceWidget(CommentaryStatus.choices)},
}
WIDGETS: dict[str, dict] = {
    sheet: {c: _READ_AS.get(sheet, {}).get(c) or (_moment if c.endswith("_at") else _text) for c in columns}
    for sheet, columns in SHEETS.items()
}


def role_groups() -> dict[str, Group]:
    """The kpidash roles, by lower-case name (the only groups a person carries across)."""
    return {group.name.lower(): group for group in Group.objects.filter(name__in=ROLES)}
