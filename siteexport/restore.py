"""Restoring a site export into an empty site: all of it, in one transaction, or nothing.

The order follows what points at what: directorates, committees and people
first; then the Spreadsheets workbook through the Spreadsheets import itself
(`spreadsheets.plan` checks every indicator, threshold and result with the rules
of every other path, `spreadsheets.apply` writes them with their history); then
the SPC phases, commentary with its approval, reporting periods, paper settings,
bank holiday changes, action notes and publications, each checked by its model's own
validation; last the members' questions (meetings, questions, answers), checked by
`questions.services`' own checks as well. The roles of the people a row names are not
judged again: an export records what was done, by people whose roles or indicators may have
changed since (the forms judged them when they acted). Any problem anywhere rolls everything
back, and is reported with its sheet, row and
column. The stored ratings are then worked out for every indicator, in the same
transaction (`indicators.ratings.refresh`).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from simple_history.utils import bulk_create_with_history

from indicators import ratings
from indicators.models import Committee, Directorate, Indicator, Result, Threshold
from plans.models import Action, Plan
from public.models import Publication
from questions.models import Meeting, Question
from reports.models import Paper, PaperSettings
from returns.models import BankHolidayChange, ReportingPeriod
from siteexport import restore_figures as figures
from siteexport import restore_plans as plans
from siteexport import restore_structure as structure
from siteexport import schema
from siteexport.archive import open_site_export
from siteexport.restore_lookups import reason, reset_sequences
from siteexport.restore_questions import restore_answers, restore_meetings, restore_questions
from siteexport.sheets import Rows, read_site
from spreadsheets.apply import apply_plan, lock_periods, record_import
from spreadsheets.models import ImportRecord
from spreadsheets.plan import ImportPlan, plan_file
from spreadsheets.workbook import WorkbookError

# What makes a site not empty (people may exist: an administrator made with createsuperuser stays).
_OCCUPIED: tuple[type[models.Model], ...] = (Directorate, Committee, Indicator, Result, ReportingPeriod, PaperSettings)
_OCCUPIED += (Paper, BankHolidayChange, Plan, Action, Publication, Meeting)


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
    for model in _OCCUPIED:
        if count := model._default_manager.count():
            names = ("improvement action", "improvement actions") if model is Action else None
            single, plural = names or (model._meta.verbose_name, model._meta.verbose_name_plural)
            said.append(f"{count:,} {single if count == 1 else plural}")
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
    directorates = structure.restore_directorates(plan, rows[schema.DIRECTORATES])
    committees = structure.restore_committees(plan, rows[schema.COMMITTEES], directorates)
    structure.restore_people(plan, rows[schema.PEOPLE])
    if not plan.ok:
        return  # the workbook's owners and directorates would only repeat these errors
    plan.keep_action_ids = True  # the Action notes sheet (and people's links to /actions/<id>/) name them by id
    plan_file(plan, workbook, schema.WORKBOOK)
    if not plan.ok:
        return
    # The thresholds (checked by the plan) go in bulk with their history: apply_plan saves each one
    # (its history row, its lock and data version bumps), which was most of a 20,000-threshold restore.
    thresholds, plan.thresholds = plan.thresholds, []
    apply_plan(plan)
    bulk_create_with_history(
        thresholds, Threshold, batch_size=2000, default_user=plan.user, default_change_reason=reason(plan)
    )
    users = {user.get_username(): user for user in get_user_model().objects.all()}
    indicators = {i.code: i for i in Indicator.objects.all()}
    figures.restore_phases(plan, rows[schema.PHASES], indicators)
    figures.restore_commentary(plan, rows[schema.COMMENTARY], indicators, users)
    structure.restore_periods(plan, rows[schema.PERIODS], users)
    structure.restore_paper_settings(plan, rows[schema.PAPER_SETTINGS], committees)
    structure.restore_bank_holidays(plan, rows[schema.BANK_HOLIDAYS])
    reset_sequences(Action)
    plans.restore_action_notes(plan, rows[schema.ACTION_NOTES], users)
    plans.restore_publications(plan, rows[schema.PUBLICATIONS], indicators, users)
    meetings = restore_meetings(plan, rows[schema.MEETINGS], users)
    # A row refused above is reported once: the questions and answers pointing at it are skipped without another.
    meetings_listed = {(cells["committee"], cells["date"]) for _, cells in rows[schema.MEETINGS]}
    questions = restore_questions(plan, rows[schema.QUESTIONS], meetings, meetings_listed, indicators, users)
    reset_sequences(Question)
    questions_listed = {cells["id"] for _, cells in rows[schema.QUESTIONS]}
    restore_answers(plan, rows[schema.ANSWERS], questions, questions_listed, users)
    if plan.ok:
        record_import(plan, ImportRecord.Source.COMMAND)
        # Every indicator's ratings from scratch (record_import asked only for those with results).
        ratings.refresh(dict.fromkeys(i.pk for i in indicators.values()))


# Any fixed number: the key of the PostgreSQL advisory lock a restore holds until it commits.
_RESTORE_LOCK_KEY = 0x6B706964  # "kpid"


def _one_restore_at_a_time() -> None:
    """Make a second restore wait until the first commits, then find the site no longer empty.

    An empty site has no row to lock, so on PostgreSQL the restore takes a transaction-level
    advisory lock; SQLite lets one writer at a time anyway. However long the first takes: a
    restore is deliberate and long, so DB_LOCK_TIMEOUT (for requests) is off for its transaction.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = 0")
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_RESTORE_LOCK_KEY])
