"""Spreadsheet import: check a workbook, preview its changes, apply them all or none.

`workbook_check` reads and validates every row (a dry run); `workbook_import`
does the same and, only when the whole file is valid, writes the new and
changed rows in one transaction, with their audit history, and records the
import. Cells are parsed by the widgets `indicators.resources` declares, and
rows are checked by the same plain functions as the models' `clean()`.

Results are validated with dictionary lookups (one query for the indicators,
one for the existing results) and written in bulk, so 100,000 rows take
seconds. Unchanged rows are skipped: importing a file twice changes nothing.
On PostgreSQL the import is a single pass: new results (and their history)
are sent by binary COPY from a writer thread while later rows are still being
checked, inside the one transaction, which any error rolls back.

The module has three parts: planning (reading and checking each sheet),
applying (the writes), and the store of uploads awaiting confirmation.

A service owner's upload (`owner=True`) may hold only the Results sheet, only
for their indicators and open periods; its rows are saved through
`returns.services.return_save`, the same service as the return form.
"""

from __future__ import annotations

import json
import queue
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from indicators.cache import data_version_bump, lock_versions
from indicators.models import (
    Commentary,
    CommentaryStatus,
    Committee,
    Directorate,
    ImportRecord,
    Indicator,
    Result,
    Threshold,
    result_period_errors,
    threshold_errors,
)
from indicators.periods import FinancialYear, format_period, period_label
from indicators.resources import (
    IndicatorResource,
    ResultResource,
    ThresholdResource,
    column_widgets,
    split_names,
)
from indicators.validators import commentary_error, figure_errors
from indicators.workbook import (
    ABOUT,
    INDICATORS,
    OWNER_VERSION,
    REQUIRED,
    RESULTS,
    SHEETS,
    THRESHOLDS,
    Sheet,
    WorkbookError,
    normalise,
    open_workbook,
    sheet_name,
)

MAX_CHANGES_SHOWN = 200
# A file of 200,000 bad rows would otherwise list 200,000 problems (a page of hundreds of
# megabytes): the first ones are kept and the rest only counted, per sheet and column.
MAX_ERRORS_SHOWN = 200
MAX_MESSAGE = 1000  # characters of one problem's message


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


_INDICATOR_TEXT = ("name", "definition", "data_source")
_INDICATOR_CHOICES = (
    "kind",
    "polarity",
    "unit",
    "decimals",
    "frequency",
    "ytd_method",
    "headline",
    "active",
    "allow_out_of_range",
    "numerator_le_denominator",
)
_THRESHOLD_FIELDS = (
    "target",
    "floor",
    "lower",
    "upper",
    "scheme",
    "green_tolerance",
    "amber_tolerance",
    "tolerance_unit",
)


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int
    column: str
    message: str


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


@dataclass(frozen=True)
class Change:
    sheet: str
    row: int
    key: str
    action: str  # "created" | "updated"


@dataclass(slots=True)
class ResultRow:
    row: int
    indicator: Indicator
    period: date
    value: object
    numerator: object
    denominator: object
    commentary: str | None
    existing_id: int | None
    figures_changed: bool
    commentary_changed: bool
    streamed: bool = False  # already written by the streaming writer (PostgreSQL)
    expected_version: int | None = None  # owner uploads: the return's version the row was checked against


@dataclass
class ImportPlan:
    """What a file would change, and everything wrong with it."""

    file_name: str
    user: object
    owner: bool = False
    errors: list[RowError] = field(default_factory=list)  # the first MAX_ERRORS_SHOWN problems
    error_count: int = 0  # every problem found, listed or not
    unlisted: dict[tuple[str, str], int] = field(default_factory=dict)  # (sheet, column) → problems not listed
    counts: dict[str, Counts] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    indicators: list[tuple[Indicator, list | None, list]] = field(default_factory=list)
    thresholds: list[Threshold] = field(default_factory=list)
    results: list[ResultRow] = field(default_factory=list)
    record: ImportRecord | None = None
    applied: bool = False
    streaming: bool = False  # write new results while the rest of the file is checked
    stream: _ResultStream | None = None
    definitions_applied: bool = False
    reason: str = ""  # why the import corrects closed months, recorded in the history
    closed_periods: set[date] = field(default_factory=set)  # closed months whose returns the file changes
    reason_missing: bool = False  # refused only for want of that reason

    @property
    def closed_labels(self) -> str:
        return ", ".join(period_label(p) for p in sorted(self.closed_periods))

    @property
    def ok(self) -> bool:
        return not self.error_count

    @property
    def unlisted_count(self) -> int:
        return self.error_count - len(self.errors)

    @property
    def unlisted_errors(self) -> list[tuple[str, str, int]]:
        """(sheet, column, how many) of the problems beyond the list, most first."""
        return sorted(((s, c, n) for (s, c), n in self.unlisted.items()), key=lambda item: -item[2])

    @property
    def total_changed(self) -> int:
        return sum(c.created + c.updated for c in self.counts.values())

    def error(self, sheet: str, row: int, column: str, message: str, *, first: bool = False) -> None:
        """Record a problem (`first`: one with the whole file, listed before the rows' problems)."""
        self.error_count += 1
        # A message may quote the cell (“'…' is not a number.”), which may be 131,072 characters long.
        error = RowError(_shorten(sheet, 100), row, _shorten(column, 100), _shorten(message, MAX_MESSAGE))
        if first:
            self.errors.insert(0, error)
            if len(self.errors) <= MAX_ERRORS_SHOWN:
                return
            error = self.errors.pop()
        elif len(self.errors) < MAX_ERRORS_SHOWN:
            self.errors.append(error)
            return
        key = (error.sheet, error.column)
        self.unlisted[key] = self.unlisted.get(key, 0) + 1

    def count(self, sheet: str, row: int, key, action: str) -> None:
        """Count a row's outcome; `key` names it in the preview (a callable is only called when shown)."""
        counts = self.counts.get(sheet) or self.counts.setdefault(sheet, Counts())
        setattr(counts, action, getattr(counts, action) + 1)
        if action != "unchanged" and len(self.changes) < MAX_CHANGES_SHOWN:
            self.changes.append(Change(sheet, row, key() if callable(key) else key, action))


# --- entry points ---------------------------------------------------------------


def workbook_check(*, path: Path, file_name: str, user, owner: bool = False, reason: str = "") -> ImportPlan:
    """Validate a file and work out its changes without writing anything (the dry run)."""
    plan = ImportPlan(file_name=file_name, user=user, owner=owner, reason=(reason or "").strip())
    try:
        sheets = open_workbook(Path(path), file_name)
        _plan_sheets(plan, sheets)
    except WorkbookError as exc:
        plan.error("", 0, "", str(exc), first=True)
    if owner and plan.ok and plan.results:
        owner_apply(plan, dry_run=True)
    return plan


def workbook_import(
    *,
    path: Path,
    file_name: str,
    user,
    owner: bool = False,
    source: str = ImportRecord.Source.WEB,
    reason: str = "",
) -> ImportPlan:
    """Check the file, then apply it in one transaction if (and only if) every row is valid.

    A file that changes returns of a closed month needs a `reason`, as the return form does.
    """
    if owner or connection.vendor != "postgresql":
        plan = workbook_check(path=path, file_name=file_name, user=user, owner=owner, reason=reason)
        _check_reason(plan)
        if not plan.ok:
            return plan
        with transaction.atomic():
            lock_versions()  # before any row: the order every writer keeps
            _lock_periods()
            if not owner:
                _check_closed_again(plan)  # a month may have closed since the check
            if owner:
                owner_apply(plan, dry_run=False)
            elif plan.ok:
                apply_plan(plan)
            if plan.ok:
                _record(plan, source)
        return plan
    return _import_streaming(path=Path(path), file_name=file_name, user=user, source=source, reason=reason)


def reason_missing_message(plan: ImportPlan) -> str:
    verb = "is" if len(plan.closed_periods) == 1 else "are"
    return (
        f"The file changes returns for {plan.closed_labels}, which {verb} closed: give a reason for the "
        "correction. It is recorded in the history of each change, as on the return form."
    )


def _check_reason(plan: ImportPlan) -> None:
    """The return form's rule on the import: closed months are corrected only with a reason."""
    if plan.ok and plan.closed_periods and not plan.reason:
        plan.error("", 0, "reason", reason_missing_message(plan))
        plan.reason_missing = True


def _record(plan: ImportPlan, source: str) -> None:
    # Results written by bulk_create/COPY send no signals: one bump for the whole import, in its transaction.
    data_version_bump()
    plan.record = ImportRecord.objects.create(
        user=plan.user if getattr(plan.user, "pk", None) else None,
        file_name=plan.file_name[:255],
        source=ImportRecord.Source.OWNER if plan.owner else source,
        counts={sheet: counts.as_dict() for sheet, counts in plan.counts.items()},
    )
    plan.applied = True


def _import_streaming(*, path: Path, file_name: str, user, source: str, reason: str) -> ImportPlan:
    """PostgreSQL: one pass that checks every row and writes new results as it goes, in one transaction.

    While this thread reads and checks the file, a writer thread sends the new
    results and their history to PostgreSQL (binary COPY) on the same
    connection, so the database's work overlaps ours. Any error rolls the
    whole transaction back: nothing is written.
    """
    plan = ImportPlan(file_name=file_name, user=user, streaming=True, reason=(reason or "").strip())
    try:
        with transaction.atomic():
            lock_versions()  # before any row: the order every writer keeps
            _lock_periods()  # before the rows are checked against the months' status
            with connection.cursor() as cursor:
                # Foreign keys are checked as the rows stream in, not all at the commit.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            try:
                _plan_sheets(plan, open_workbook(path, file_name))
            except WorkbookError as exc:
                plan.error("", 0, "", str(exc), first=True)
            finally:
                _stream_finish(plan)
            _check_reason(plan)
            if not plan.ok:
                raise _Rollback
            apply_plan(plan)
            _record(plan, source)
    except _Rollback:
        plan.applied = False
    return plan


def _stream_finish(plan: ImportPlan) -> None:
    if plan.stream is None:
        return
    failure = plan.stream.finish()
    plan.stream = None
    if failure is not None and plan.ok:
        plan.error(
            "",
            0,
            "",
            (
                f"The results could not be saved ({type(failure).__name__}: {failure}), so nothing was imported. "
                "Try again; if it happens again, tell the system administrator."
            ),
        )


# --- planning -----------------------------------------------------------------------


def _plan_sheets(plan: ImportPlan, sheets: list[Sheet]) -> None:
    by_name: dict[str, Sheet] = {}
    for sheet in sheets:
        name = sheet_name(sheet.name)
        if name == ABOUT:
            continue
        if name is None:
            plan.error(sheet.name, 0, "", f"Unknown sheet “{sheet.name}”: expected {', '.join(SHEETS)}.")
        elif name in by_name:
            plan.error(sheet.name, 0, "", f"The file has more than one {name} sheet.")
        elif plan.owner and name != RESULTS:
            plan.error(sheet.name, 0, "", f"Only the Results sheet can be uploaded from an owner template, not {name}.")
        else:
            by_name[name] = sheet
    if not by_name and plan.ok:
        plan.error("", 0, "", f"The file has none of the sheets {', '.join(SHEETS)}.")
    context = _Context(plan)
    for name, planner in ((INDICATORS, _plan_indicators), (THRESHOLDS, _plan_thresholds), (RESULTS, _plan_results)):
        sheet = by_name.get(name)
        if sheet is not None and _check_columns(plan, name, sheet):
            planner(plan, context, sheet)


def _check_columns(plan: ImportPlan, name: str, sheet: Sheet) -> bool:
    ok = True
    seen: set[str] = set()
    allowed = SHEETS[name]
    if plan.owner and name == RESULTS:
        allowed = [*allowed, OWNER_VERSION]
    for heading, column in zip(sheet.headings, sheet.columns, strict=True):
        if column in _VERSION_COLUMNS and plan.owner and name == RESULTS:
            column = VERSION
        elif column not in SHEETS[name]:
            plan.error(name, 1, heading, f"Unknown column “{heading}”: the {name} sheet has {', '.join(allowed)}.")
            ok = False
            continue
        if column in seen:
            plan.error(name, 1, heading, f"The column {heading if column == VERSION else column} appears twice.")
            ok = False
        seen.add(column)
    for column in REQUIRED[name]:
        if column not in sheet.columns:
            plan.error(name, 1, column, f"The {name} sheet needs a {column} column.")
            ok = False
    return ok


class _Context:
    """What the sheets share: the indicators by code, in their state after this file."""

    def __init__(self, plan: ImportPlan) -> None:
        self.indicators: dict[str, Indicator] = {i.code: i for i in Indicator.objects.select_related("directorate")}
        self.today = timezone.localdate()
        self.failed: set[str] = set()  # new indicators whose rows have errors


# Key columns repeat on every row (500 codes, 200 periods in 100,000 rows): their
# cells are parsed once per distinct value.
_REPEATING = {"code", "period", "financial_year"}


def _memoised(clean: Callable) -> Callable:
    cache: dict = {}

    def cached(raw):
        try:
            outcome = cache[raw]
        except KeyError:
            try:
                outcome = cache[raw] = (True, clean(raw))
            except (ValueError, ValidationError) as exc:
                outcome = cache[raw] = (False, exc)
        except TypeError:  # an unhashable cell value
            return clean(raw)
        if outcome[0]:
            return outcome[1]
        # Raised again without its old traceback: each raise would otherwise chain another, keeping
        # every bad row's frames (and cells) alive until the check ends.
        raise outcome[1].with_traceback(None)

    return cached


def _cells(plan: ImportPlan, sheet_label: str, sheet: Sheet, widgets: dict) -> Callable:
    """A function parsing one row into {column: value}, recording each bad cell as an error."""
    parsers = [
        (index, column, heading, _memoised(widgets[column].clean) if column in _REPEATING else widgets[column].clean)
        for index, (column, heading) in enumerate(zip(sheet.columns, sheet.headings, strict=True))
        if column in widgets
    ]

    def parse(number: int, values: list, partial: dict | None = None) -> dict | None:
        """The row's cells, or None if any is bad (then `partial`, if given, gets the good ones)."""
        parsed, ok = {}, True
        width = len(values)
        for index, column, heading, clean in parsers:
            try:
                parsed[column] = clean(values[index] if index < width else None)
            except (ValueError, ValidationError) as exc:
                message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
                plan.error(sheet_label, number, heading, message)
                ok = False
        if not ok and partial is not None:
            partial.update(parsed)
        return parsed if ok else None

    return parse


def _duplicate(plan: ImportPlan, sheet: str, seen: dict, key, number: int, column: str, what: str) -> bool:
    if key in seen:
        plan.error(sheet, number, column, f"Duplicate row: {what} is already on row {seen[key]}.")
        return True
    seen[key] = number
    return False


# --- Indicators ------------------------------------------------------------------------


def _plan_indicators(plan: ImportPlan, context: _Context, sheet: Sheet) -> None:
    widgets = column_widgets(IndicatorResource)
    widgets.update({"directorate": widgets["code"], "owners": widgets["code"], "committee": widgets["code"]})
    parse = _cells(plan, INDICATORS, sheet, widgets)
    lookups = _IndicatorLookups()
    seen: dict = {}
    for number, values in sheet.rows:
        partial: dict = {}
        cells = parse(number, values, partial)
        if cells is None and partial.get("code") and partial["code"] not in context.indicators:
            context.failed.add(partial["code"])
        if cells is None or not cells.get("code"):
            if cells is not None:
                plan.error(INDICATORS, number, "code", "Enter the indicator's code.")
            continue
        code = cells["code"]
        if _duplicate(plan, INDICATORS, seen, code, number, "code", code):
            continue
        _plan_indicator(plan, context, lookups, number, cells)


class _IndicatorLookups:
    def __init__(self) -> None:
        self.directorates = {d.name.lower(): d for d in Directorate.objects.all()}
        self.committees = {c.name.lower(): c for c in Committee.objects.prefetch_related("directorates")}
        self.users = {}
        for user in get_user_model().objects.all():
            self.users[user.get_username().lower()] = user
            if user.email:
                self.users.setdefault(user.email.lower(), user)
        self.owners = {i.pk: sorted(u.pk for u in i.owners.all()) for i in Indicator.objects.prefetch_related("owners")}


def _plan_indicator(plan: ImportPlan, context: _Context, lookups: _IndicatorLookups, number: int, cells: dict):
    code = cells["code"]
    existing = context.indicators.get(code)
    indicator = Indicator(code=code) if existing is None else existing
    before = {name: getattr(indicator, name) for name in (*_INDICATOR_TEXT, *_INDICATOR_CHOICES, "directorate_id")}
    errors: dict[str, str] = {}
    for name in _INDICATOR_TEXT:
        if name in cells:
            setattr(indicator, name, cells[name])
    for name in _INDICATOR_CHOICES:
        if cells.get(name) is not None:
            setattr(indicator, name, cells[name])
    if not indicator.name:
        errors["name"] = "Enter the indicator's name."
    if "directorate" in cells:
        directorate = lookups.directorates.get(cells["directorate"].lower())
        if directorate is None:
            errors["directorate"] = f"Unknown directorate “{cells['directorate']}”: add it in the admin first."
        else:
            indicator.directorate = directorate
    if indicator.directorate_id is None and "directorate" not in errors:
        errors["directorate"] = "Enter the directorate the indicator belongs to."
    owners, committees = _people_and_committees(cells, lookups, errors)
    try:
        # Every field's own checks (the code's form and length, lengths, choices, control characters)
        # here at the preview, so the confirm cannot fail on one the database enforces.
        indicator.clean_fields(exclude=["directorate", "owners"])
    except ValidationError as exc:
        errors.update({name: messages[0] for name, messages in exc.message_dict.items()})
    if errors:
        for column, message in errors.items():
            plan.error(INDICATORS, number, column, message)
        if existing is None:
            context.failed.add(code)
        return
    context.indicators[code] = indicator
    committees = [c for c in committees if indicator.directorate not in c.directorates.all()]
    owners_changed = owners is not None and owners != lookups.owners.get(indicator.pk, [])
    after = {name: getattr(indicator, name) for name in before}
    if existing is not None and after == before and not owners_changed and not committees:
        plan.count(INDICATORS, number, code, "unchanged")
        return
    plan.indicators.append((indicator, owners if owners_changed or existing is None else None, committees))
    plan.count(INDICATORS, number, code, "created" if existing is None else "updated")


def _people_and_committees(cells: dict, lookups: _IndicatorLookups, errors: dict) -> tuple[list | None, list]:
    owners = None
    if "owners" in cells:
        owners = []
        for name in split_names(cells["owners"]):
            user = lookups.users.get(name.lower())
            if user is None:
                errors["owners"] = f"No user has the username or email address “{name}”."
            else:
                owners.append(user.pk)
        owners = sorted(set(owners))
    committees = []
    for name in split_names(cells.get("committee")):
        committee = lookups.committees.get(name.lower())
        if committee is None:
            errors["committee"] = f"Unknown committee “{name}”: add it in the admin first."
        else:
            committees.append(committee)
    return owners, committees


# --- Thresholds -----------------------------------------------------------------------


def _plan_thresholds(plan: ImportPlan, context: _Context, sheet: Sheet) -> None:
    widgets = column_widgets(ThresholdResource)
    widgets["code"] = column_widgets(IndicatorResource)["code"]
    parse = _cells(plan, THRESHOLDS, sheet, widgets)
    existing = {
        (t.indicator_id, t.financial_year): t
        for t in Threshold.objects.filter(indicator__in=[i for i in context.indicators.values() if i.pk])
    }
    seen: dict = {}
    for number, values in sheet.rows:
        cells = parse(number, values)
        if cells is None:
            continue
        indicator = _indicator_for(plan, context, THRESHOLDS, number, cells.get("code"))
        year = cells.get("financial_year")
        if year is None:
            plan.error(THRESHOLDS, number, "financial_year", "Enter the financial year, e.g. 2019/20.")
        if indicator is None or year is None:
            continue
        label = f"{indicator.code} {FinancialYear(year).label}"
        if _duplicate(plan, THRESHOLDS, seen, (indicator.code, year), number, "financial_year", label):
            continue
        current = existing.get((indicator.pk, year)) if indicator.pk else None
        _plan_threshold(plan, current, indicator, year, cells, number)


def _plan_threshold(
    plan: ImportPlan, current: Threshold | None, indicator: Indicator, year: int, cells: dict, number: int
) -> None:
    threshold = Threshold(indicator=indicator, financial_year=year)
    if current is not None:
        threshold.pk = current.pk
        for name in _THRESHOLD_FIELDS:
            setattr(threshold, name, getattr(current, name))
    for name in _THRESHOLD_FIELDS:
        if name in cells:
            value = cells[name]
            setattr(threshold, name, value if value is not None or name not in ("scheme", "tolerance_unit") else "")
    errors = threshold_errors(threshold, indicator)
    try:
        threshold.clean_fields(exclude=["indicator"])
    except ValidationError as exc:
        errors.update({name: messages[0] for name, messages in exc.message_dict.items()})
    label = f"{indicator.code} {threshold.year_label}"
    if errors:
        for column, message in errors.items():
            plan.error(THRESHOLDS, number, column, message)
        return
    if current is not None and all(getattr(current, n) == getattr(threshold, n) for n in _THRESHOLD_FIELDS):
        plan.count(THRESHOLDS, number, label, "unchanged")
        return
    plan.thresholds.append(threshold)
    plan.count(THRESHOLDS, number, label, "created" if current is None else "updated")


def _indicator_for(plan: ImportPlan, context: _Context, sheet: str, number: int, code) -> Indicator | None:
    if not code:
        plan.error(sheet, number, "code", "Enter the indicator's code.")
        return None
    indicator = context.indicators.get(code)
    if indicator is None and code in context.failed:
        plan.error(sheet, number, "code", f"Correct the errors in indicator {code} on the Indicators sheet first.")
    elif indicator is None:
        plan.error(sheet, number, "code", f"Unknown indicator code “{code}”.")
    return indicator


# --- Results ---------------------------------------------------------------------------


# An owner template's version column ("Version (do not edit)", or just "version").
VERSION = "version"
_VERSION_COLUMNS = frozenset({VERSION, normalise(OWNER_VERSION)})


class _VersionWidget:
    """A version cell: the whole number kpidash wrote there, or blank."""

    def clean(self, value) -> int | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or number < 0 or number != number.to_integral_value():
            raise ValueError(
                f"“{value}” is not a version kpidash wrote: leave this column as it was, or download a fresh template."
            )
        return int(number)


def _plan_results(plan: ImportPlan, context: _Context, sheet: Sheet) -> None:
    widgets = column_widgets(ResultResource)
    widgets.update({"code": column_widgets(IndicatorResource)["code"], "name": widgets["commentary"]})
    version_column = next((c for c in sheet.columns if c in _VERSION_COLUMNS), None) if plan.owner else None
    if version_column:
        widgets[version_column] = _VersionWidget()
    parse = _cells(plan, RESULTS, sheet, widgets)
    checks = _ResultChecks(plan, context, with_commentary="commentary" in sheet.columns)
    checks.version_column = version_column
    if plan.streaming and plan.ok:
        # Indicators and thresholds first: new results may belong to new indicators.
        _apply_definitions(plan)
        plan.stream = _ResultStream(plan)
    for number, values in sheet.rows:
        cells = parse(number, values)
        if cells is not None:
            checks.row(number, cells)


class _ResultChecks:
    """Per-row result validation with everything it needs loaded up front."""

    def __init__(self, plan: ImportPlan, context: _Context, with_commentary: bool) -> None:
        self.plan, self.context, self.seen = plan, context, {}
        ids = [i.pk for i in context.indicators.values() if i.pk]
        self.existing = (
            {
                (ind, period): (pk, value, num, den)
                for pk, ind, period, value, num, den in Result.objects.filter(indicator_id__in=ids)
                .values_list("pk", "indicator_id", "period", "value", "numerator", "denominator")
                .iterator(chunk_size=10_000)
            }
            if ids
            else {}
        )
        self.commentary = {}
        if with_commentary:
            self.commentary = dict(
                ((ind, period), text)
                for ind, period, text in Commentary.objects.filter(indicator_id__in=ids).values_list(
                    "indicator_id", "period", "text"
                )
            )
        self.period_errors: dict = {}
        self.locks = _OwnerLocks(plan.user, ids) if plan.owner else None
        # Owners are refused closed months by the locks; the performance team may correct them, with a reason.
        self.closed = _closed_periods()
        self.version_column: str | None = None  # owner uploads: the column holding each return's version

    def row(self, number: int, cells: dict) -> None:
        plan = self.plan
        indicator = _indicator_for(plan, self.context, RESULTS, number, cells.get("code"))
        period = cells.get("period")
        if period is None:
            plan.error(RESULTS, number, "period", "Enter the period, e.g. 2019-11.")
        if indicator is None or period is None:
            return
        figures = (cells.get("value"), cells.get("numerator"), cells.get("denominator"))
        text = cells.get("commentary") or None
        if figures == (None, None, None) and text is None:
            return  # a blank line of an owner template: nothing to import
        seen_key = (indicator.code, period)
        if seen_key in self.seen:
            key = f"{indicator.code} {format_period(period)}"
            _duplicate(plan, RESULTS, self.seen, seen_key, number, "period", key)
            return
        self.seen[seen_key] = number

        def key() -> str:
            return f"{indicator.code} {format_period(period)}"

        errors = self._period_errors(indicator, period)
        current = self.existing.get((indicator.pk, period)) if indicator.pk else None
        if figures == (None, None, None) and current is not None:
            figures = current[1:]
        value, figure_problems = figure_errors(indicator, *figures)
        figures = (value, figures[1], figures[2])
        if text is not None and (problem := commentary_error(text)):
            figure_problems["commentary"] = problem
        if not errors and not figure_problems and self._unchanged(indicator, period, figures, text, current):
            # Before any lock: a row as stored changes nothing, so an approved return (or a closed
            # month) left as it was in a template never stops the rest of the file.
            plan.count(RESULTS, number, key, "unchanged")
            return
        if self.locks is not None and not errors:
            errors = self.locks.errors(indicator, period)
        errors = errors | figure_problems
        if errors:
            for column, message in errors.items():
                plan.error(RESULTS, number, column, message)
            return
        version = cells.get(self.version_column) if self.version_column else None
        self._count(number, key, indicator, period, figures, text, current, version)

    def _unchanged(self, indicator: Indicator, period: date, figures: tuple, text: str | None, current) -> bool:
        return (
            current is not None
            and tuple(current[1:]) == figures
            and (text is None or self.commentary.get((indicator.pk, period)) == text)
        )

    def _period_errors(self, indicator: Indicator, period: date) -> dict:
        cache_key = (indicator.frequency, period)
        errors = self.period_errors.get(cache_key)
        if errors is None:
            errors = self.period_errors[cache_key] = result_period_errors(period, indicator, self.context.today)
        return errors

    def _count(self, number, key, indicator, period, figures, text, current, version=None) -> None:
        figures_changed = current is None or tuple(current[1:]) != figures
        commentary_changed = text is not None and self.commentary.get((indicator.pk, period)) != text
        if period in self.closed:
            self.plan.closed_periods.add(period)
        expected_version = None
        if self.locks is not None:
            expected_version, conflict = self.locks.version(indicator, period, current, version, self.version_column)
            if conflict:
                self.plan.error(RESULTS, number, OWNER_VERSION, conflict)
                return
        streamed = False
        if current is None and self.plan.stream is not None and self.plan.ok:
            self.plan.stream.add(indicator.pk, period, figures)
            streamed = True
        self.plan.results.append(
            ResultRow(
                number,
                indicator,
                period,
                *figures,
                text,
                current[0] if current else None,
                figures_changed,
                commentary_changed,
                streamed,
                expected_version,
            )
        )
        self.plan.count(RESULTS, number, key, "created" if current is None else "updated")


def _lock_periods() -> None:
    """Lock every month's row until the import commits, so no month closes while it is checked and applied.

    A close waits for the import, and an import waits for a close in flight and
    then reads the month as closed. Taken after the version lock, as the return
    services take their month's row (`returns.services._locked_period`).
    """
    from returns.models import ReportingPeriod

    list(ReportingPeriod.objects.select_for_update().order_by("period").values_list("pk", flat=True))


def _check_closed_again(plan: ImportPlan) -> None:
    """The closed months the plan changes, read again under `_lock_periods`; a reason if one has closed."""
    closed = _closed_periods()
    plan.closed_periods = {row.period for row in plan.results if row.period in closed}
    _check_reason(plan)


def _closed_periods() -> set[date]:
    from returns.models import ReportingPeriod
    from returns.permissions import correction_needs_reason

    return {p.period for p in ReportingPeriod.objects.all() if correction_needs_reason(p)}


class _OwnerLocks:
    """The return form's locks (`returns.permissions.lock_reason`), with their data loaded once."""

    def __init__(self, user, indicator_ids: list[int]) -> None:
        from returns.models import ReportingPeriod

        self.user = user
        self.owned = set(Indicator.objects.filter(pk__in=indicator_ids, owners=user).values_list("pk", flat=True))
        self.periods = {p.period: p for p in ReportingPeriod.objects.all()}
        self.commentaries = {
            (c.indicator_id, c.period): c for c in Commentary.objects.filter(indicator_id__in=self.owned)
        }

    def errors(self, indicator: Indicator, period: date) -> dict[str, str]:
        from returns.permissions import lock_reason

        reason = lock_reason(
            self.user,
            indicator,
            period,
            reporting_period=self.periods.get(period),
            commentary=self.commentaries.get((indicator.pk, period)),
            owner=indicator.pk in self.owned,
        )
        if reason is None:
            return {}
        return {"code" if indicator.pk not in self.owned else "period": reason}

    def version(
        self, indicator: Indicator, period: date, result, version: int | None, column: str | None
    ) -> tuple[int, str | None]:
        """The return's version now, and why a row made from `version` must not overwrite it (or None).

        Only rows that would change the return get here: a row equal to what
        is stored is never a conflict, however old its version.
        """
        commentary = self.commentaries.get((indicator.pk, period))
        now = commentary.version if commentary else 0
        if version is None:
            if result is None and commentary is None:
                return now, None  # nothing entered yet, so nothing to overwrite
            why = "this row's version is blank" if column else f"this file has no “{OWNER_VERSION}” column"
            return now, version_unknown_message(indicator, period, why)
        if version > now:
            return now, (
                f"{indicator.code} {period_label(period)}: this row's version ({version}) is not one kpidash gave "
                f"this return (it is at version {now}). Leave the {OWNER_VERSION} column as it was: "
                "download a fresh template."
            )
        if version < now:
            return now, changed_since_message(indicator, period)
        return now, None


def changed_since_message(indicator: Indicator, period: date) -> str:
    """A row made before someone else's change: who, when and what, and what to do."""
    from returns.services import return_last_change

    last = return_last_change(indicator=indicator, period=period)
    return (
        f"{indicator.code} {period_label(period)} was changed by {last.name} on {last.when} to {last.value} "
        "after this template was downloaded, so your row would overwrite it: nothing was imported. "
        "Download a fresh template and enter your figures in it."
    )


def version_unknown_message(indicator: Indicator, period: date, why: str) -> str:
    from returns.services import return_last_change

    last = return_last_change(indicator=indicator, period=period)
    return (
        f"{indicator.code} {period_label(period)} already has a figure ({last.value}, last changed by {last.name} "
        f"on {last.when}) and {why}, so kpidash cannot tell whether it changed after the file was made: "
        "nothing was imported. Download a fresh template and enter your figures in it."
    )


# --- applying ----------------------------------------------------------------------------


class _Rollback(Exception):
    pass


def _reason(plan: ImportPlan) -> str:
    """The history's reason (simple_history holds 100 characters: a given reason goes before the file name)."""
    if not plan.reason:
        return f"Imported from {plan.file_name}"[:100]
    reason = f"Imported from {plan.file_name}: {plan.reason}"
    return reason if len(reason) <= 100 else f"Imported: {plan.reason}"[:100]


def _importer(plan: ImportPlan):
    return plan.user if getattr(plan.user, "pk", None) else None


def apply_plan(plan: ImportPlan) -> None:
    """Write a valid plan's changes with their audit history (call inside a transaction)."""
    _apply_definitions(plan)
    user, reason = _importer(plan), _reason(plan)
    _write_results(plan.results, user, reason)
    _write_commentary(plan.results, user, reason)
    _reopen_approved(plan.results, user, reason)


def _apply_definitions(plan: ImportPlan) -> None:
    """The Indicators and Thresholds sheets' changes (once)."""
    if plan.definitions_applied:
        return
    plan.definitions_applied = True
    user, reason = _importer(plan), _reason(plan)
    for indicator, owners, committees in plan.indicators:
        _save_with_history(indicator, user, reason)
        if owners is not None:
            indicator.owners.set(owners)
        for committee in committees:
            committee.directorates.add(indicator.directorate)
    for threshold in plan.thresholds:
        _save_with_history(threshold, user, reason)


def _save_with_history(instance, user, reason: str) -> None:
    instance._history_user = user
    instance._change_reason = reason
    instance.save()


BATCH = 10_000
STREAM_BATCH = 2_000  # small, so little is left to write once the last row is checked
_RESULT_COLUMNS = (
    "indicator_id",
    "period",
    "value",
    "numerator",
    "denominator",
    "entered_by_id",
    "entered_at",
    "updated_at",
)


def _write_results(rows: list[ResultRow], user, reason: str) -> None:
    """Insert new results, update changed ones, and add a history record for each (in bulk)."""
    now = timezone.now()
    user_id = user.pk if user else None
    created, updated = [], []
    for row in rows:
        if row.figures_changed and not row.streamed:
            values = [
                row.existing_id,
                row.indicator.pk,
                row.period,
                row.value,
                row.numerator,
                row.denominator,
                user_id,
                now,
                now,
            ]
            (updated if row.existing_id else created).append(values)
    for start in range(0, max(len(created), len(updated)), BATCH):
        if connection.vendor == "postgresql":
            connection.ensure_connection()
            with connection.connection.cursor() as raw:
                _write_results_postgresql(raw, created[start : start + BATCH], updated[start : start + BATCH])
                _copy_history(raw, created[start : start + BATCH], "+", user_id, reason, now)
                _copy_history(raw, updated[start : start + BATCH], "~", user_id, reason, now)
        else:
            _write_results_orm(created[start : start + BATCH], updated[start : start + BATCH])
            _write_history(created[start : start + BATCH], "+", user_id, reason, now)
            _write_history(updated[start : start + BATCH], "~", user_id, reason, now)


def _write_results_orm(created: list[list], updated: list[list]) -> None:
    objects = [Result(**dict(zip(_RESULT_COLUMNS, values[1:], strict=True))) for values in created]
    Result.objects.bulk_create(objects)
    for values, result in zip(created, objects, strict=True):
        values[0] = result.pk
    Result.objects.bulk_update(
        [Result(pk=values[0], **dict(zip(_RESULT_COLUMNS, values[1:], strict=True))) for values in updated],
        ["value", "numerator", "denominator", "updated_at"],
    )


def _write_results_postgresql(raw, created: list[list], updated: list[list]) -> None:
    """COPY, not INSERT: ids come from the table's sequence first, then the rows stream in (no per-row SQL).

    `raw` is a psycopg cursor: the streaming writer calls this from its own thread.
    """
    table = Result._meta.db_table
    if created:
        raw.execute(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)", [len(created)]
        )
        for values, (pk,) in zip(created, raw.fetchall(), strict=True):
            values[0] = pk
        _copy_rows(raw, Result, ["id", *_RESULT_COLUMNS], created)
    if updated:
        raw.execute(
            "CREATE TEMPORARY TABLE kpidash_result_import "
            "(id bigint, value numeric, numerator numeric, denominator numeric, updated_at timestamptz) "
            "ON COMMIT DROP"
        )
        with raw.copy("COPY kpidash_result_import FROM STDIN") as copy:
            for v in updated:
                copy.write_row((v[0], v[3], v[4], v[5], v[8]))
        raw.execute(
            f"UPDATE {table} AS r SET value = u.value, numerator = u.numerator, "
            "denominator = u.denominator, updated_at = u.updated_at "
            "FROM kpidash_result_import AS u WHERE r.id = u.id"
        )
        raw.execute("DROP TABLE kpidash_result_import")


def _write_history(rows: list[list], history_type: str, user_id, reason: str, now) -> None:
    """The audit history's records for rows written in bulk (save() would have made them one by one)."""
    if rows:
        historical = Result.history.model
        historical.objects.bulk_create(
            historical(
                id=values[0],
                **dict(zip(_RESULT_COLUMNS, values[1:], strict=True)),
                history_date=now,
                history_type=history_type,
                history_user_id=user_id,
                history_change_reason=reason,
            )
            for values in rows
        )


def _copy_history(raw, rows: list[list], history_type: str, user_id, reason: str, now) -> None:
    """PostgreSQL: the history records for rows written by COPY, by COPY too."""
    if rows:
        columns = [
            "id",
            *_RESULT_COLUMNS,
            "history_date",
            "history_type",
            "history_user_id",
            "history_change_reason",
        ]
        extra = (now, history_type, user_id, reason)
        _copy_rows(raw, Result.history.model, columns, ((*values, *extra) for values in rows))


class _ResultStream:
    """Writes new results and their history from a background thread, on the import's own connection.

    The main thread only queues rows (it makes no queries while the stream is
    open); psycopg serialises use of the connection, and waiting on the server
    releases the GIL, so PostgreSQL's work overlaps the checking of later rows.
    """

    def __init__(self, plan: ImportPlan) -> None:
        connection.ensure_connection()
        self.raw_connection = connection.connection
        self.user_id = getattr(_importer(plan), "pk", None)
        self.reason, self.now = _reason(plan), timezone.now()
        self.pending: list[list] = []
        self.queue: queue.Queue = queue.Queue(maxsize=4)
        self.failure: Exception | None = None
        self.thread = threading.Thread(target=self._run, name="kpidash-import-writer", daemon=True)
        self.thread.start()

    def add(self, indicator_id: int, period: date, figures: tuple) -> None:
        self.pending.append([None, indicator_id, period, *figures, self.user_id, self.now, self.now])
        if len(self.pending) >= STREAM_BATCH:
            self.queue.put(self.pending)
            self.pending = []

    def finish(self) -> Exception | None:
        """Write what is left, stop the thread, and return what went wrong in it (if anything)."""
        if self.pending:
            self.queue.put(self.pending)
            self.pending = []
        self.queue.put(None)
        self.thread.join()
        return self.failure

    def _run(self) -> None:
        while (batch := self.queue.get()) is not None:
            if self.failure is not None:
                continue  # keep draining so the main thread never blocks
            try:
                with self.raw_connection.cursor() as raw:
                    _write_results_postgresql(raw, batch, [])
                    _copy_history(raw, batch, "+", self.user_id, self.reason, self.now)
            except Exception as exc:  # reported by finish(); the transaction is then rolled back
                self.failure = exc


_COPY_TYPES = {
    "AutoField": "int4",
    "BigAutoField": "int8",
    "IntegerField": "int4",
    "BigIntegerField": "int8",
    "DateField": "date",
    "DateTimeField": "timestamptz",
    "DecimalField": "numeric",
    "CharField": "text",
    "TextField": "text",
}


def _copy_rows(raw_cursor, model, columns: list[str], rows) -> None:
    """Binary COPY of `rows` into `model`'s table (psycopg 3), the fastest way into PostgreSQL."""
    types = []
    for column in columns:
        field = model._meta.get_field(column.removesuffix("_id") if column.endswith("_id") else column)
        target = field.target_field if field.is_relation else field
        types.append(_COPY_TYPES[target.get_internal_type()])
    with raw_cursor.copy(f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(types)
        for values in rows:
            copy.write_row(values)


def _write_commentary(rows: list[ResultRow], user, reason: str) -> None:
    changed = [row for row in rows if row.commentary_changed]
    if not changed:
        return
    current = {
        (c.indicator_id, c.period): c
        for c in Commentary.objects.filter(indicator__in={row.indicator.pk for row in changed})
    }
    for row in changed:
        commentary = current.get((row.indicator.pk, row.period))
        if commentary is None:
            commentary = Commentary(indicator=row.indicator, period=row.period, author=user)
        elif commentary.is_approved:
            # An edit resets approval, as it does in the return form.
            commentary.status = CommentaryStatus.SUBMITTED
        commentary.text = row.commentary
        commentary.version += 1
        _save_with_history(commentary, user, reason)


def _reopen_approved(rows: list[ResultRow], user, reason: str) -> None:
    """A changed figure is a new version of its return (so a stale owner template or form cannot
    overwrite it), and sends an approved return back for review, as the return form does."""
    changed = {(row.indicator.pk, row.period) for row in rows if row.figures_changed and row.existing_id}
    if not changed:
        return
    commentaries = Commentary.objects.filter(
        indicator__in={pk for pk, _ in changed},
        period__in={period for _, period in changed},
    )
    bumped = []
    for commentary in commentaries:
        if (commentary.indicator_id, commentary.period) not in changed:
            continue
        commentary.version += 1
        if commentary.status == CommentaryStatus.APPROVED:
            commentary.status = CommentaryStatus.SUBMITTED
            _save_with_history(commentary, user, f"{reason}: figure changed after approval")
        else:
            bumped.append(commentary)
    Commentary.objects.bulk_update(bumped, ["version"], batch_size=BATCH)


def owner_apply(plan: ImportPlan, *, dry_run: bool) -> None:
    """Save an owner's rows through the return form's service; roll back on any error (or a dry run)."""
    from returns.services import ReturnConflict, ReturnError, return_save

    try:
        with transaction.atomic():
            for row in plan.results:
                fraction = row.numerator is not None or row.denominator is not None
                text = row.commentary
                if text is None:
                    existing = Commentary.objects.filter(indicator=row.indicator, period=row.period).first()
                    text = existing.text if existing else ""
                try:
                    return_save(
                        indicator=row.indicator,
                        period=row.period,
                        user=plan.user,
                        value=None if fraction else row.value,
                        numerator=row.numerator,
                        denominator=row.denominator,
                        commentary=text,
                        expected_version=row.expected_version,
                        # The preview cannot have the reason yet: workbook_import asks for it before the real run.
                        reason=plan.reason or ("(given at confirm)" if dry_run else ""),
                    )
                except ReturnConflict:
                    # Changed between the check and this save (the check's message, with the latest change).
                    plan.error(RESULTS, row.row, OWNER_VERSION, changed_since_message(row.indicator, row.period))
                except ReturnError as exc:
                    for column, messages in exc.errors.items():
                        column = "value" if column == "__all__" else column
                        for message in messages:
                            plan.error(RESULTS, row.row, column, message)
            if dry_run or not plan.ok:
                raise _Rollback
    except _Rollback:
        pass


# --- uploads waiting for confirmation ------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    token: str
    path: Path
    file_name: str
    user_id: int
    owner: bool


def upload_store(*, uploaded_file, user, owner: bool) -> Upload:
    """Keep an upload under KPIDASH_IMPORT_DIR with a random token until it is confirmed or expires."""
    uploads_expire()
    folder = Path(settings.KPIDASH_IMPORT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    path = folder / f"{token}.upload"
    name = Path(uploaded_file.name or "upload").name[:200]
    upload = Upload(token, path, name, user.pk, owner)
    try:
        with path.open("wb") as out:
            for chunk in uploaded_file.chunks():
                out.write(chunk)
        meta = {"file_name": name, "user_id": user.pk, "owner": owner}
        (folder / f"{token}.json").write_text(json.dumps(meta))
    except BaseException:
        upload_discard(upload)  # a disk full or a dropped connection leaves no half-written upload
        raise
    return upload


def upload_load(*, token: str, user, owner: bool) -> Upload | None:
    """The user's own pending upload with this token, or None (unknown, expired, someone else's)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{20,64}", token or ""):
        return None
    folder = Path(settings.KPIDASH_IMPORT_DIR)
    meta = None
    for suffix in (".json", ".importing"):  # .importing: claimed by a confirm (`upload_claim`) under way
        try:
            meta = json.loads((folder / f"{token}{suffix}").read_text())
            break
        except (OSError, ValueError):
            continue
    if not isinstance(meta, dict):
        return None
    path = folder / f"{token}.upload"
    if meta.get("user_id") != user.pk or bool(meta.get("owner")) != owner or not path.exists():
        return None
    return Upload(token, path, meta["file_name"], user.pk, owner)


def upload_claim(upload: Upload) -> bool:
    """Take a pending upload to import it: True for exactly one of any number of simultaneous confirms.

    The claim renames the upload's .json file, which is atomic (the
    filesystem's conditional update): only one rename of a file succeeds, and
    every other confirm then finds it gone, as it would once the import is done.
    """
    meta = upload.path.with_suffix(".json")
    try:
        meta.rename(upload.path.with_suffix(".importing"))
    except FileNotFoundError:
        return False
    return True


def upload_release(upload: Upload) -> None:
    """Give a claimed upload back (it was refused only for want of a reason), so it can be confirmed again."""
    upload.path.with_suffix(".importing").rename(upload.path.with_suffix(".json"))


def upload_discard(upload: Upload) -> None:
    for suffix in (".upload", ".json", ".importing"):
        upload.path.with_suffix(suffix).unlink(missing_ok=True)


def uploads_expire() -> int:
    """Delete uploads older than KPIDASH_IMPORT_MAX_AGE seconds; returns how many files went."""
    folder = Path(settings.KPIDASH_IMPORT_DIR)
    if not folder.is_dir():
        return 0
    cutoff = time.time() - settings.KPIDASH_IMPORT_MAX_AGE
    removed = 0
    for path in folder.iterdir():
        if path.suffix not in (".upload", ".json", ".importing"):
            continue
        try:
            expired = path.stat().st_mtime < cutoff
        except FileNotFoundError:  # discarded by another request meanwhile
            continue
        if expired:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
