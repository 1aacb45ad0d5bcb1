"""Restoring a site export into an empty site: all of it, in one transaction, or nothing.

The order follows what points at what: directorates, committees and people
first; then the Spreadsheets workbook through the Spreadsheets import itself
(`spreadsheets.plan` checks every indicator, threshold and result with the rules
of every other path, `spreadsheets.apply` writes them with their history); then
the SPC phases, commentary with its approval, reporting periods, paper settings,
bank holiday changes, action notes and publications, each checked by its model's own
validation; last the members' questions (meetings, questions, answers), checked by
`questions.services`' own checks as well. Any
problem anywhere rolls everything back, and is reported with its sheet, row and
column. The stored ratings are then worked out for every indicator, in the same
transaction (`indicators.ratings.refresh`).
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import connection, models, transaction
from simple_history.utils import bulk_create_with_history

from accounts.roles import ROLES
from indicators import ratings
from indicators.models import Commentary, Committee, Directorate, Indicator, Phase, Result, Threshold
from indicators.periods import FinancialYear, format_period
from plans.models import Action, ActionNote, Plan
from plans.services import NOTE_MAX_LENGTH
from public.models import Publication
from questions.models import Answer, Meeting, Question
from questions.services import answer_text_errors, meeting_errors, question_errors, tidy_text
from reports.models import Paper, PaperSettings
from returns.models import BankHolidayChange, ReportingPeriod
from returns.services import save_with_history
from siteexport.archive import open_site_export
from siteexport.schema import (
    ACTION_NOTES,
    ANSWERS,
    BANK_HOLIDAYS,
    COMMENTARY,
    COMMITTEES,
    DIRECTORATES,
    MEETINGS,
    PAPER_FIELDS,
    PAPER_SETTINGS,
    PAPER_YES_NO,
    PEOPLE,
    PERIODS,
    PHASES,
    PUBLICATIONS,
    QUESTIONS,
    SITE,
    WORKBOOK,
    role_groups,
)
from siteexport.sheets import Rows, read_site
from spreadsheets.apply import apply_plan, lock_periods, record_import
from spreadsheets.models import ImportRecord
from spreadsheets.plan import ImportPlan, plan_file
from spreadsheets.resources import LIST_SEPARATOR
from spreadsheets.workbook import RESULTS, WorkbookError

# What makes a site not empty (people may exist: an administrator made with createsuperuser stays).
_OCCUPIED = (
    (Directorate, "directorate"),
    (Committee, "committee"),
    (Indicator, "indicator"),
    (Result, "result"),
    (ReportingPeriod, "reporting period"),
    (PaperSettings, "paper settings"),
    (Paper, "paper"),
    (BankHolidayChange, "bank holiday change"),
    (Plan, "plan"),
    (Action, "improvement action"),
    (Publication, "publication"),
    (Meeting, "meeting"),
)


class _Rollback(Exception):
    pass


def site_import(*, path: Path, file_name: str, user=None, dry_run: bool = False) -> ImportPlan:
    """Restore the site export at `path` into this (empty) site; the plan's errors say why not, if not.

    A dry run does everything, then rolls it back: the counts and errors are those of a real run.
    """
    plan = ImportPlan(file_name=file_name, user=user)
    with tempfile.TemporaryDirectory(prefix="kpidash-site-") as folder:
        try:
            members = open_site_export(Path(path), file_name, Path(folder))
        except WorkbookError as exc:
            plan.error("", 0, "", str(exc), first=True)
            return plan
        rows = read_site(plan, members.site)
        if not plan.ok:
            return plan
        try:
            with transaction.atomic(), ratings.deferred():
                _one_restore_at_a_time()
                lock_periods()
                check_empty(plan)  # under the lock: two restores at once cannot both find the site empty
                if plan.ok:
                    _restore(plan, rows, members.workbook)
                if dry_run or not plan.ok:
                    raise _Rollback
        except _Rollback:
            plan.applied = False
    return plan


def occupied() -> list[str]:
    """What this site already holds, e.g. ["2 directorates", "45 indicators"]."""
    said = []
    for model, noun in _OCCUPIED:
        count = model.objects.count()
        if count:
            plural = noun if count == 1 or noun.endswith("settings") else f"{noun}s"
            said.append(f"{count:,} {plural}")
    return said


def check_empty(plan: ImportPlan) -> None:
    if said := occupied():
        plan.error(
            "",
            0,
            "",
            f"This site already holds data ({', '.join(said)}): a site export is restored only into an empty, "
            "newly migrated database, so nothing was imported. Create a new database, run migrate, then import_site.",
            first=True,
        )


def _restore(plan: ImportPlan, rows: Rows, workbook: Path) -> None:
    directorates = _directorates(plan, rows[DIRECTORATES])
    committees = _committees(plan, rows[COMMITTEES], directorates)
    _people(plan, rows[PEOPLE])
    if not plan.ok:
        return  # the workbook's owners and directorates would only repeat these errors
    plan.keep_action_ids = True  # the Action notes sheet (and people's links to /actions/<id>/) name them by id
    plan_file(plan, workbook, WORKBOOK)
    if not plan.ok:
        return
    # The thresholds (checked by the plan) go in bulk with their history: apply_plan saves each one
    # (its history row, its lock and data version bumps), which was most of a 20,000-threshold restore.
    thresholds, plan.thresholds = plan.thresholds, []
    apply_plan(plan)
    bulk_create_with_history(
        thresholds, Threshold, batch_size=2000, default_user=plan.user, default_change_reason=_reason(plan)
    )
    users = {user.get_username(): user for user in get_user_model().objects.all()}
    indicators = {i.code: i for i in Indicator.objects.all()}
    _phases(plan, rows[PHASES], indicators)
    _commentary(plan, rows[COMMENTARY], indicators, users)
    _periods(plan, rows[PERIODS], users)
    _paper_settings(plan, rows[PAPER_SETTINGS], committees)
    _bank_holidays(plan, rows[BANK_HOLIDAYS])
    _reset_sequences(Action)
    _action_notes(plan, rows[ACTION_NOTES], users)
    _publications(plan, rows[PUBLICATIONS], indicators, users)
    meetings = _meetings(plan, rows[MEETINGS], users)
    # A row refused above is reported once: the questions and answers pointing at it are skipped without another.
    meetings_listed = {(cells["committee"], cells["date"]) for _, cells in rows[MEETINGS]}
    questions = _questions(plan, rows[QUESTIONS], meetings, meetings_listed, indicators, users)
    _reset_sequences(Question)
    _answers(plan, rows[ANSWERS], questions, {cells["id"] for _, cells in rows[QUESTIONS]}, users)
    if plan.ok:
        record_import(plan, ImportRecord.Source.COMMAND)
        # Every indicator's ratings from scratch (record_import asked only for those with results).
        ratings.refresh(dict.fromkeys(i.pk for i in indicators.values()))


def _names(value) -> list[str]:
    """A semicolon-separated list (not commas: "Growth, Environment and Transport" is one directorate)."""
    return [name.strip() for name in str(value or "").split(LIST_SEPARATOR) if name.strip()]


def _reason(plan: ImportPlan) -> str:
    return f"Imported from {plan.file_name}"[:100]


def _checked(
    plan: ImportPlan, sheet: str, number: int, instance: models.Model, columns: dict[str, str], **kwargs
) -> bool:
    """The model's own validation (fields, uniqueness, clean()); each message on the column it is about."""
    try:
        instance.full_clean(**kwargs)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            plan.error(sheet, number, columns.get(name, name if name != "__all__" else ""), messages[0])
        return False
    return True


def _directorates(plan: ImportPlan, rows: list[tuple[int, dict]]) -> dict[str, Directorate]:
    found = {}
    for number, cells in rows:
        directorate = Directorate(name=cells["name"], slug=cells["slug"])
        if _checked(plan, DIRECTORATES, number, directorate, {}):
            directorate.save()
            found[directorate.name.lower()] = directorate
            plan.count(DIRECTORATES, number, directorate.name, "created")
    return found


def _committees(plan: ImportPlan, rows, directorates: dict[str, Directorate]) -> dict[str, Committee]:
    found = {}
    for number, cells in rows:
        committee = Committee(name=cells["name"], slug=cells["slug"])
        if cells.get("direction_basis"):
            committee.direction_basis = cells["direction_basis"]
        names = _names(cells.get("directorates"))
        members = [directorates[name.lower()] for name in names if name.lower() in directorates]
        for name in names:
            if name.lower() not in directorates:
                plan.error(COMMITTEES, number, "directorates", f"“{name}” is not on the Directorates sheet.")
        if _checked(plan, COMMITTEES, number, committee, {}) and len(members) == len(names):
            committee.save()
            committee.directorates.set(members)
            found[committee.name.lower()] = committee
            plan.count(COMMITTEES, number, committee.name, "created")
    return found


_PEOPLE_COLUMNS = {"is_active": "active", "is_staff": "staff", "is_superuser": "superuser"}


def _people(plan: ImportPlan, rows) -> None:
    User = get_user_model()
    groups = role_groups()
    for number, cells in rows:
        user = User(
            username=cells["username"],
            first_name=cells.get("first_name") or "",
            last_name=cells.get("last_name") or "",
            email=cells.get("email") or "",
        )
        for field, column in _PEOPLE_COLUMNS.items():
            if cells.get(column) is not None:
                setattr(user, field, cells[column])
        user.set_unusable_password()  # never a password: README "Moving to a new site" says how they sign in
        names = _names(cells.get("roles"))
        roles = [groups[name.lower()] for name in names if name.lower() in groups]
        for name in names:
            if name.lower() not in groups:
                plan.error(PEOPLE, number, "roles", f"Unknown role “{name}”: the roles are {', '.join(ROLES)}.")
        if _checked(plan, PEOPLE, number, user, _PEOPLE_COLUMNS) and len(roles) == len(names):
            user.save()
            user.groups.set(roles)
            plan.count(PEOPLE, number, user.get_username(), "created")


def _lookup(plan: ImportPlan, sheet: str, number: int, column: str, found: dict, key, what: str):
    """`found[key]`, or None (an error unless the cell is blank)."""
    if key in (None, ""):
        return None
    value = found.get(key)
    if value is None:
        plan.error(sheet, number, column, what)
    return value


def _indicator(plan: ImportPlan, sheet: str, number: int, code: str, indicators: dict) -> Indicator | None:
    return _lookup(plan, sheet, number, "code", indicators, code, f"Unknown indicator code “{code}”.")


def _person(plan: ImportPlan, sheet: str, number: int, column: str, users: dict, username):
    return _lookup(plan, sheet, number, column, users, username, f"No user has the username “{username}”.")


def _phases(plan: ImportPlan, rows, indicators: dict) -> None:
    for number, cells in rows:
        indicator = _indicator(plan, PHASES, number, cells["code"], indicators)
        if indicator is None:
            continue
        phase = Phase(indicator=indicator, start=cells["start"], reason=cells.get("reason") or "")
        if _checked(plan, PHASES, number, phase, {"indicator": "code"}):
            save_with_history(phase, plan.user, _reason(plan))
            plan.count(PHASES, number, f"{indicator.code} {format_period(phase.start)}", "created")


def _commentary(plan: ImportPlan, rows, indicators: dict, users: dict) -> None:
    # The Results sheet's commentary column made these (as drafts); this sheet says the rest.
    made = {(c.indicator.code, c.period): c for c in Commentary.objects.select_related("indicator")}
    in_results = {(r.indicator.code, r.period): r for r in plan.results if r.commentary is not None}
    seen: dict[tuple, int] = {}
    for number, cells in rows:
        indicator = _indicator(plan, COMMENTARY, number, cells["code"], indicators)
        if indicator is None:
            continue
        key = (indicator.code, cells["period"])
        label = f"{indicator.code} {format_period(cells['period'])}"
        if key in seen:
            plan.error(COMMENTARY, number, "period", f"Duplicate row: {label} is already on row {seen[key]}.")
            continue
        seen[key] = number
        commentary = made.get(key) or Commentary(indicator=indicator, period=cells["period"])
        _fill_commentary(plan, number, commentary, cells, users)
        result_row = in_results.pop(key, None)
        if result_row is not None and result_row.commentary != commentary.text:
            plan.error(
                RESULTS,
                result_row.row,
                "commentary",
                f"The commentary for {label} differs from row {number} of the Commentary sheet in {SITE}: "
                "the two must agree.",
            )
        if _checked(plan, COMMENTARY, number, commentary, {"indicator": "code"}):
            save_with_history(commentary, plan.user, _reason(plan))
            plan.count(COMMENTARY, number, label, "created")
    for (code, period), row in in_results.items():
        plan.error(
            RESULTS,
            row.row,
            "commentary",
            f"{code} {format_period(period)} has commentary but no row on the Commentary sheet in {SITE}, "
            "which carries its status and approval.",
        )


def _fill_commentary(plan: ImportPlan, number: int, commentary: Commentary, cells: dict, users: dict) -> None:
    def person(column: str):
        return _person(plan, COMMENTARY, number, column, users, cells.get(column))

    commentary.text = cells.get("text") or ""
    commentary.status = cells.get("status") or commentary.status
    commentary.author, commentary.approver = person("author"), person("approver")
    commentary.submitted_at, commentary.approved_at = cells.get("submitted_at"), cells.get("approved_at")
    commentary.return_reason = cells.get("return_reason") or ""
    commentary.version = cells["version"] if cells.get("version") is not None else commentary.version
    approval = commentary.approver is not None or commentary.approved_at is not None
    if approval and not commentary.is_approved:
        plan.error(
            COMMENTARY,
            number,
            "approver" if commentary.approver is not None else "approved_at",
            f"Only approved commentary has an approver and an approval time; this is {commentary.status}.",
        )


def _periods(plan: ImportPlan, rows, users: dict) -> None:
    for number, cells in rows:
        period = ReportingPeriod(period=cells["period"], deadline=cells["deadline"])
        period.status = cells.get("status") or period.status
        for column in ("opened_by", "closed_by"):
            setattr(period, column, _person(plan, PERIODS, number, column, users, cells.get(column)))
        period.opened_at, period.closed_at = cells.get("opened_at"), cells.get("closed_at")
        if _checked(plan, PERIODS, number, period, {}):
            save_with_history(period, plan.user, _reason(plan))
            plan.count(PERIODS, number, period.slug, "created")


def _paper_settings(plan: ImportPlan, rows, committees: dict[str, Committee]) -> None:
    for number, cells in rows:
        name = cells["committee"]
        committee = _lookup(
            plan, PAPER_SETTINGS, number, "committee", committees, name.lower(), f"“{name}” is not a committee."
        )
        if committee is None:
            continue
        values = {
            f: bool(cells.get(f)) if f in PAPER_YES_NO else cells.get(f) or "" for f in PAPER_FIELDS if f in cells
        }
        settings = PaperSettings(committee=committee, **values)
        if _checked(plan, PAPER_SETTINGS, number, settings, {}):
            settings.save()
            plan.count(PAPER_SETTINGS, number, committee.name, "created")


def _bank_holidays(plan: ImportPlan, rows) -> None:
    for number, cells in rows:
        change = BankHolidayChange(day=cells["day"], name=cells.get("name") or "")
        change.change = cells.get("change") or change.change
        if _checked(plan, BANK_HOLIDAYS, number, change, {}):
            save_with_history(change, plan.user, _reason(plan))
            plan.count(BANK_HOLIDAYS, number, change.day.isoformat(), "created")


def _reset_sequences(*models_: type[models.Model]) -> None:
    """After rows written with the ids they had (actions), the next new one continues after them."""
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models_)):
            cursor.execute(sql)


def _action_notes(plan: ImportPlan, rows, users: dict) -> None:
    actions = {a.pk: a for a in Action.objects.all()}
    for number, cells in rows:
        action = _lookup(
            plan,
            ACTION_NOTES,
            number,
            "action",
            actions,
            cells["action"],
            f"No action has the id {cells['action']} on the Actions sheet of {WORKBOOK}.",
        )
        author = _person(plan, ACTION_NOTES, number, "author", users, cells.get("author"))
        if action is None or (cells.get("author") and author is None):
            continue
        note = ActionNote(action=action, author=author, text=cells["text"])
        if len(note.text) > NOTE_MAX_LENGTH:  # the action page's rule (`plans.services.action_note_add`)
            plan.error(ACTION_NOTES, number, "text", f"A progress note can be at most {NOTE_MAX_LENGTH} characters.")
        elif _checked(plan, ACTION_NOTES, number, note, {}):
            save_with_history(note, plan.user, _reason(plan))
            # Written when it was said, not at the restore (created_at is set on the first save).
            ActionNote.objects.filter(pk=note.pk).update(created_at=cells["created_at"])
            plan.count(ACTION_NOTES, number, f"Action {action.pk}", "created")


def _publications(plan: ImportPlan, rows, indicators: dict, users: dict) -> None:
    for number, cells in rows:
        indicator = _indicator(plan, PUBLICATIONS, number, cells["code"], indicators)
        publisher = _person(plan, PUBLICATIONS, number, "published_by", users, cells.get("published_by"))
        if indicator is None or (cells.get("published_by") and publisher is None):
            continue
        label = f"{indicator.code} {FinancialYear(cells['financial_year']).label}"
        if not indicator.active:  # the publication page's rule (`public.services.publication_set`)
            plan.error(PUBLICATIONS, number, "code", f"{indicator.code} is not active, so it cannot be published.")
            continue
        publication = Publication(indicator=indicator, financial_year=cells["financial_year"], published_by=publisher)
        if cells.get("published_at"):
            publication.published_at = cells["published_at"]
        if _checked(plan, PUBLICATIONS, number, publication, {"indicator": "code"}):
            save_with_history(publication, plan.user, _reason(plan))
            plan.count(PUBLICATIONS, number, label, "created")


def _meetings(plan: ImportPlan, rows, users: dict) -> dict[tuple[str, date], Meeting]:
    committees = {c.slug: c for c in Committee.objects.all()}
    found = {}
    for number, cells in rows:
        slug = cells["committee"]
        committee = _lookup(
            plan, MEETINGS, number, "committee", committees, slug, f"No committee has the slug “{slug}”."
        )
        creator = _person(plan, MEETINGS, number, "created_by", users, cells.get("created_by"))
        if committee is None or (cells.get("created_by") and creator is None):
            continue
        meeting = Meeting(committee=committee, date=cells["date"], period=cells["period"], created_by=creator)
        errors = meeting_errors(committee=committee, meeting_date=meeting.date, period=meeting.period)
        if _refused(plan, MEETINGS, number, errors, {"meeting_date": "date"}):
            continue
        if _checked(plan, MEETINGS, number, meeting, {}):
            _save_as_it_was(plan, meeting, cells.get("created_at"))
            found[slug, meeting.date] = meeting
            plan.count(MEETINGS, number, str(meeting), "created")
    return found


def _refused(plan: ImportPlan, sheet: str, number: int, errors: dict, columns: dict[str, str]) -> bool:
    """Record the errors of a `questions.services` check (field → messages) on their columns; any?"""
    for name, messages in errors.items():
        plan.error(sheet, number, columns.get(name, name), messages[0])
    return bool(errors)


def _save_as_it_was(plan: ImportPlan, instance: models.Model, created_at) -> None:
    save_with_history(instance, plan.user, _reason(plan))
    if created_at is not None:  # when it was made, not the restore (created_at is set on the first save)
        type(instance)._default_manager.filter(pk=instance.pk).update(created_at=created_at)
        instance.created_at = created_at  # type: ignore[attr-defined]


def _questions(
    plan: ImportPlan, rows, meetings: dict, meetings_listed: set, indicators: dict, users: dict
) -> dict[int, Question]:
    found = {}
    for number, cells in rows:
        if (cells["committee"], cells["meeting_date"]) in meetings_listed - meetings.keys():
            continue  # its meeting was refused, saying why
        meeting = _lookup(
            plan,
            QUESTIONS,
            number,
            "meeting_date",
            meetings,
            (cells["committee"], cells["meeting_date"]),
            f"No meeting of “{cells['committee']}” on {cells['meeting_date']:%Y-%m-%d} on the Meetings sheet.",
        )
        indicator = _indicator(plan, QUESTIONS, number, cells["code"], indicators)
        people = {c: _person(plan, QUESTIONS, number, c, users, cells.get(c)) for c in ("asked_by", "recorded_by")}
        if meeting is None or indicator is None or any(cells.get(c) and p is None for c, p in people.items()):
            continue
        text, member_name = tidy_text(cells.get("text")), cells.get("member_name") or ""
        errors = question_errors(
            committee=meeting.committee,
            indicator=indicator,
            member_name=member_name,
            own=people["asked_by"] is not None,
            text=text,
        )
        if _refused(plan, QUESTIONS, number, errors, {"indicator": "code"}):
            continue
        question = Question(pk=cells["id"], meeting=meeting, indicator=indicator, member_name=member_name, text=text)
        question.asked_by, question.recorded_by = people["asked_by"], people["recorded_by"]
        if _checked(plan, QUESTIONS, number, question, {"indicator": "code"}):
            _save_as_it_was(plan, question, cells.get("created_at"))
            found[question.pk] = question
            plan.count(QUESTIONS, number, f"Question {question.pk}", "created")
    return found


def _answers(plan: ImportPlan, rows, questions: dict[int, Question], questions_listed: set, users: dict) -> None:
    columns = ("answered_by", "approver")
    for number, cells in rows:
        if cells["question"] in questions_listed - questions.keys():
            continue  # its question was refused, saying why
        question = _lookup(
            plan,
            ANSWERS,
            number,
            "question",
            questions,
            cells["question"],
            f"No question has the id {cells['question']} on the Questions sheet.",
        )
        people = {c: _person(plan, ANSWERS, number, c, users, cells.get(c)) for c in columns}
        if question is None or any(cells.get(c) and p is None for c, p in people.items()):
            continue
        text = tidy_text(cells.get("text"))
        if _refused(plan, ANSWERS, number, answer_text_errors(text), {}):
            continue
        answer = Answer(question=question, text=text, return_reason=cells.get("return_reason") or "")
        answer.status = cells.get("status") or answer.status
        answer.answered_by, answer.approver = people["answered_by"], people["approver"]
        answer.submitted_at, answer.approved_at = cells.get("submitted_at"), cells.get("approved_at")
        if _checked(plan, ANSWERS, number, answer, {}):
            save_with_history(answer, plan.user, _reason(plan))
            plan.count(ANSWERS, number, f"Answer to question {question.pk}", "created")


# Any fixed number: the key of the PostgreSQL advisory lock a restore holds until it commits.
_RESTORE_LOCK_KEY = 0x6B706964  # "kpid"


def _one_restore_at_a_time() -> None:
    """Make a second restore wait until the first commits, then find the site no longer empty.

    An empty site has no row to lock, so on PostgreSQL the restore takes a transaction-level
    advisory lock; SQLite lets one writer at a time anyway.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_RESTORE_LOCK_KEY])
