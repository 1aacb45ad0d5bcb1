"""Planning an import: read a workbook, check every row, and work out its changes.

It writes nothing of its own: on PostgreSQL the results' streaming writer
(`plan.stream_start`, `spreadsheets.apply`) may start while the Results sheet
is read, inside the import's transaction, and is rolled back with it if any
row is refused.

Cells are parsed by the widgets `spreadsheets.resources` declares, and rows are
checked by the same plain functions as the models' `clean()`. Results are
validated with dictionary lookups (one query for the indicators, one for the
existing results), so 100,000 rows take seconds. Unchanged rows are skipped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import slugify

from accounts.roles import PERFORMANCE_TEAM, user_roles
from indicators.models import (
    FIGURE_RULE_FIELDS,
    Commentary,
    CommentaryStatus,
    Committee,
    Directorate,
    Indicator,
    Phase,
    Result,
    Threshold,
    result_period_errors,
    stored_figure_errors,
    threshold_errors,
)
from indicators.periods import FinancialYear, format_period, period_label, same_period_last_year
from indicators.spc_chart import proposed_target_assurance
from indicators.validators import commentary_error, figure_errors, reason_error, tidy_text
from plans.models import Action
from plans.rules import ActionStatus, missing_action_message
from returns.models import ReportingPeriod
from returns.permissions import correction_needs_reason
from returns.rows import CONCERNS, Value, figure_rag, figure_variation
from returns.services import action_required, commentary_requirement, needs_commentary_check, status_after_edit
from spreadsheets.councilplan import (
    WIDGETS as COUNCIL_WIDGETS,
)
from spreadsheets.councilplan import (
    CouncilPlanChanges,
    CouncilPlanChecks,
    plan_actions,
    plan_objectives,
    plan_plans,
    plan_priorities,
)
from spreadsheets.models import ImportRecord
from spreadsheets.owners import OwnerLocks
from spreadsheets.resources import (
    IndicatorResource,
    ResultResource,
    ThresholdResource,
    column_widgets,
    split_names,
)
from spreadsheets.workbook import (
    ABOUT,
    ACTIONS,
    INDICATORS,
    OBJECTIVES,
    OWNER_VERSION,
    PLANS,
    PRIORITIES,
    REQUIRED,
    RESULTS,
    SHEETS,
    THRESHOLD_FIELDS,
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


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int
    column: str
    message: str


@dataclass
class SheetCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


@dataclass(frozen=True)
class RowChange:
    sheet: str
    row: int
    key: str
    action: str  # "created" | "updated"
    note: str = ""  # e.g. where a new target sits against the indicator's SPC process limits


@dataclass(slots=True)
class ResultRow:
    row: int
    indicator: Indicator
    period: date
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    commentary: str | None
    existing_id: int | None
    figures_changed: bool
    commentary_changed: bool
    streamed: bool = False  # already written by the streaming writer (PostgreSQL)
    expected_version: int | None = None  # owner uploads: the return's version the row was checked against


_Figures = tuple[Decimal | None, Decimal | None, Decimal | None]  # value, numerator, denominator


class ResultWriter(Protocol):
    def add(self, indicator_id: int, period: date, figures: tuple) -> None: ...

    def finish(self) -> Exception | None: ...


@dataclass
class ImportPlan:
    """What a file would change, and everything wrong with it."""

    file_name: str
    user: Any  # the importing user, or None (a command run without --user)
    owner: bool = False
    errors: list[RowError] = field(default_factory=list)  # the first MAX_ERRORS_SHOWN problems
    error_count: int = 0  # every problem found, listed or not
    unlisted: dict[tuple[str, str], int] = field(default_factory=dict)  # (sheet, column) → problems not listed
    counts: dict[str, SheetCounts] = field(default_factory=dict)
    changes: list[RowChange] = field(default_factory=list)
    indicators: list[tuple[Indicator, list | None, list]] = field(default_factory=list)
    thresholds: list[Threshold] = field(default_factory=list)
    results: list[ResultRow] = field(default_factory=list)
    record: ImportRecord | None = None
    applied: bool = False
    # Applying's hook (PostgreSQL): called before the Results rows are checked, it returns the writer
    # that new results are sent to as they are checked, while the rest of the file is read.
    stream_start: Callable[[ImportPlan], ResultWriter] | None = None
    stream: ResultWriter | None = None
    definitions_applied: bool = False
    reason: str = ""  # why the import corrects closed months, recorded in the history
    closed_periods: set[date] = field(default_factory=set)  # closed months whose returns the file changes
    reason_missing: bool = False  # refused only for want of that reason
    council: CouncilPlanChanges = field(default_factory=CouncilPlanChanges)  # plans, priorities, objectives, actions
    new_directorates: list[Directorate] = field(default_factory=list)  # named by the Indicators sheet, not on the site
    new_committees: list[Committee] = field(default_factory=list)
    creates: list[str] = field(default_factory=list)  # the preview's "Will create directorate …"
    keep_action_ids: bool = False  # a site restore: the Actions sheet's ids are kept (`spreadsheets.councilplan`)

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
    def target_notes(self) -> list[RowChange]:
        """The listed threshold rows with a new target, each saying where it sits against current performance."""
        return [change for change in self.changes if change.note]

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
        counts = self.counts.get(sheet) or self.counts.setdefault(sheet, SheetCounts())
        setattr(counts, action, getattr(counts, action) + 1)
        if action != "unchanged" and len(self.changes) < MAX_CHANGES_SHOWN:
            self.changes.append(RowChange(sheet, row, key() if callable(key) else key, action))


def reason_missing_message(plan: ImportPlan) -> str:
    verb = "is" if len(plan.closed_periods) == 1 else "are"
    return (
        f"The file changes returns for {plan.closed_labels}, which {verb} closed: give a reason for the "
        "correction. It is recorded in the history of each change, as on the return form."
    )


def check_reason(plan: ImportPlan) -> None:
    """The return form's rule on the import: closed months are corrected only with a reason."""
    if plan.ok and plan.closed_periods and not plan.reason:
        plan.error("", 0, "reason", reason_missing_message(plan))
        plan.reason_missing = True
    elif plan.ok and (message := reason_error(plan.reason)):
        plan.error("", 0, "reason", message)


def plan_file(plan: ImportPlan, path: Path, file_name: str) -> None:
    """Read and check every sheet of the file into `plan` (a file that cannot be read is its first error)."""
    try:
        _plan_sheets(plan, open_workbook(path, file_name))
    except WorkbookError as exc:
        plan.error("", 0, "", str(exc), first=True)


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
    for name, planner in ((INDICATORS, _plan_indicators), (THRESHOLDS, _plan_thresholds)):
        found = by_name.get(name)
        if found is not None and _check_columns(plan, name, found):
            planner(plan, context, found)
    _check_stored_thresholds(plan, context)
    _plan_council(plan, context, by_name)
    found = by_name.get(RESULTS)
    if found is not None and _check_columns(plan, RESULTS, found):
        _plan_results(plan, context, found)
    _check_stored_figures(plan, context)


def _plan_council(plan: ImportPlan, context: _Context, by_name: dict[str, Sheet]) -> None:
    """The council plan's sheets, parents first (before Results, whose new rows may already be written)."""
    sheets = (
        (PLANS, plan_plans),
        (PRIORITIES, plan_priorities),
        (OBJECTIVES, plan_objectives),
        (ACTIONS, plan_actions),
    )
    if not any(name in by_name for name, _ in sheets):
        return
    checks = CouncilPlanChecks(plan, context.indicators, keep_action_ids=plan.keep_action_ids)
    for name, planner in sheets:
        found = by_name.get(name)
        if found is not None and _check_columns(plan, name, found):
            planner(checks, found, _cells(plan, name, found, COUNCIL_WIDGETS[name]))


def _check_columns(plan: ImportPlan, name: str, sheet: Sheet) -> bool:
    # An owner's template has its version column, written "Version (do not edit)" or just "version".
    owner_results = plan.owner and name == RESULTS
    aliases = {VERSION: VERSION, OWNER_VERSION: VERSION} if owner_results else {}
    return check_columns(plan, name, sheet, known=SHEETS[name], required=REQUIRED[name], aliases=aliases)


def check_columns(
    plan: ImportPlan,
    name: str,
    sheet: Sheet,
    *,
    known: Sequence[str],
    required: Sequence[str],
    aliases: Mapping[str, str] | None = None,
) -> bool:
    """Whether a sheet's header row can be read: no unknown column, none twice, each required one there.

    `aliases` are other headings a column may have (heading → the column it is read as). Each problem
    is recorded on row 1 under its heading. The site export's `site.xlsx` is checked by it too.
    """
    aliases = aliases or {}
    read_as = {normalise(heading): column for heading, column in aliases.items()}
    ok, seen = True, set()
    for heading, column in zip(sheet.headings, sheet.columns, strict=True):
        if column not in known and column not in read_as:
            listed = ", ".join([*known, *aliases])
            plan.error(name, 1, heading, f"Unknown column “{heading}”: the {name} sheet has {listed}.")
            ok = False
            continue
        column = read_as.get(column, column)
        if column in seen:
            plan.error(name, 1, heading, f"The column {heading} appears twice.")
            ok = False
        seen.add(column)
    for column in required:
        if column not in seen:
            plan.error(name, 1, column, f"The {name} sheet needs a {column} column.")
            ok = False
    return ok


class _Context:
    """What the sheets share: the indicators by code, in their state after this file."""

    def __init__(self, plan: ImportPlan) -> None:
        self.indicators: dict[str, Indicator] = {i.code: i for i in Indicator.objects.select_related("directorate")}
        self.today = timezone.localdate()
        self.failed: set[str] = set()  # new indicators whose rows have errors
        # Existing indicators whose polarity or kind the file changes: code → (row, column).
        self.redefined: dict[str, tuple[int, str]] = {}
        self.thresholds_on_file: set[tuple[str, int]] = set()  # (code, financial year) of the Thresholds sheet
        # Existing indicators whose FIGURE_RULE_FIELDS (unit, flags, frequency) the file changes: code → (row, those).
        self.refigured: dict[str, tuple[int, list[str]]] = {}
        self.results_on_file: set[tuple[str, date]] = set()  # (code, period) of the Results sheet


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
    lookups = _IndicatorLookups(plan)
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
    def __init__(self, plan: ImportPlan) -> None:
        self.plan = plan
        self.directorates = {d.name.lower(): d for d in Directorate.objects.all()}
        self.committees = {c.name.lower(): c for c in Committee.objects.prefetch_related("directorates")}
        self.users = {}
        for user in get_user_model().objects.all():
            self.users[user.get_username().lower()] = user
            if user.email:
                self.users.setdefault(user.email.lower(), user)
        self.owners = {i.pk: sorted(u.pk for u in i.owners.all()) for i in Indicator.objects.prefetch_related("owners")}

    def new(self, model: type[Directorate] | type[Committee], name: str, number: int, errors: dict, column: str):
        """A directorate or committee the file names and this site lacks: made (unsaved) to be created with
        the import, checked as the admin checks it, or None with the reason in `errors`."""
        noun = "directorate" if model is Directorate else "committee"
        if self.plan.user is not None and PERFORMANCE_TEAM not in user_roles(self.plan.user):
            errors[column] = f"Unknown {noun} “{name}”: only the performance team can add one."
            return None
        found: dict = self.directorates if model is Directorate else self.committees
        taken = {record.slug for record in found.values()}
        base = slugify(name)[:90] or noun
        slug = next(s for s in (base, *(f"{base}-{n}" for n in range(2, len(taken) + 3))) if s not in taken)
        record = model(name=name, slug=slug)
        try:
            record.full_clean()
        except ValidationError as exc:
            errors[column] = f"A new {noun} “{name}” cannot be added: {exc.messages[0]}"
            return None
        found[name.lower()] = record
        if isinstance(record, Directorate):
            self.plan.new_directorates.append(record)
        else:
            self.plan.new_committees.append(record)
        self.plan.creates.append(f"Will create {noun} “{name}” (named on Indicators row {number}).")
        self.plan.count(f"{noun.capitalize()}s", number, f"will create {noun} “{name}”", "created")
        return record


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
    directorate = None
    if cells.get("directorate"):
        directorate = lookups.directorates.get(cells["directorate"].lower())
        if directorate is None:
            directorate = lookups.new(Directorate, cells["directorate"], number, errors, "directorate")
        if directorate is not None:
            indicator.directorate = directorate
    if indicator.directorate_id is None and directorate is None and "directorate" not in errors:
        errors["directorate"] = "Enter the directorate the indicator belongs to."
    owners, committees = _people_and_committees(cells, lookups, errors, number)
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
    committees = [c for c in committees if c.pk is None or indicator.directorate not in c.directorates.all()]
    owners_changed = owners is not None and owners != lookups.owners.get(indicator.pk, [])
    after = {name: getattr(indicator, name) for name in before}
    if existing is not None and (changed := next((n for n in ("polarity", "kind") if after[n] != before[n]), None)):
        context.redefined[code] = (number, changed)
    if existing is not None and (changes := [n for n in FIGURE_RULE_FIELDS if after[n] != before[n]]):
        context.refigured[code] = (number, changes)
    if existing is not None and after == before and not owners_changed and not committees:
        plan.count(INDICATORS, number, code, "unchanged")
        return
    plan.indicators.append((indicator, owners if owners_changed or existing is None else None, committees))
    plan.count(INDICATORS, number, code, "created" if existing is None else "updated")


def _people_and_committees(
    cells: dict, lookups: _IndicatorLookups, errors: dict, number: int
) -> tuple[list | None, list]:
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
        committee = lookups.committees.get(name.lower()) or lookups.new(Committee, name, number, errors, "committee")
        if committee is not None:
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
    shown_targets: list[tuple[int, Indicator, Decimal]] = []  # new targets the preview lists, by plan.changes index
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
        context.thresholds_on_file.add((indicator.code, year))
        current = existing.get((indicator.pk, year)) if indicator.pk else None
        shown = len(plan.changes)
        threshold = _plan_threshold(plan, current, indicator, year, cells, number)
        target = threshold.target if threshold is not None and indicator.is_kpi else None
        if target is not None and target != (current.target if current else None) and len(plan.changes) > shown:
            shown_targets.append((shown, indicator, target))
    _note_target_assurance(plan, shown_targets)


def _check_stored_thresholds(plan: ImportPlan, context: _Context) -> None:
    """The stored thresholds of indicators whose polarity or kind the file changes, checked against the new
    definition as the admin checks them (`threshold_errors`, as its thresholds inline does), unless the
    file's Thresholds sheet gives that year again (and its row was checked so)."""
    if not context.redefined:
        return
    stored = Threshold.objects.filter(indicator__code__in=context.redefined).select_related("indicator")
    for threshold in stored.order_by("indicator__code", "-financial_year"):
        code = threshold.indicator.code
        if (code, threshold.financial_year) in context.thresholds_on_file:
            continue
        number, column = context.redefined[code]
        for message in threshold_errors(threshold, context.indicators[code]).values():
            plan.error(
                INDICATORS,
                number,
                column,
                f"{code} {threshold.year_label} thresholds: {message} "
                "Change them on the Thresholds sheet of the same file.",
            )


def _note_target_assurance(plan: ImportPlan, shown: list[tuple[int, Indicator, Decimal]]) -> None:
    """Say, for each new or changed KPI target the preview lists, where it sits against the
    indicator's current SPC process limits (informational, never an error; issue 16).

    The indicators' stored values and phases come in two queries however many rows
    (an indicator new in the file has neither: it has not enough data).
    """
    ids = {indicator.pk for _, indicator, _ in shown if indicator.pk}
    values: dict[int | None, list[Value]] = defaultdict(list)
    phases: dict[int | None, list[Phase]] = defaultdict(list)
    if ids:
        stored = Result.objects.filter(indicator_id__in=ids, value__isnull=False)
        for indicator_id, period, value in stored.values_list("indicator_id", "period", "value").iterator():
            values[indicator_id].append(Value(period, value))
        for phase in Phase.objects.filter(indicator_id__in=ids):
            phases[phase.indicator_id].append(phase)
    for index, indicator, target in shown:
        said = proposed_target_assurance(indicator, values[indicator.pk], phases[indicator.pk], target)
        plan.changes[index] = replace(plan.changes[index], note=said.text)


def _plan_threshold(
    plan: ImportPlan, current: Threshold | None, indicator: Indicator, year: int, cells: dict, number: int
) -> Threshold | None:
    """The threshold as the file leaves it, if the file changes it."""
    threshold = Threshold(indicator=indicator, financial_year=year)
    if current is not None:
        threshold.pk = current.pk
        for name in THRESHOLD_FIELDS:
            setattr(threshold, name, getattr(current, name))
    for name in THRESHOLD_FIELDS:
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
        return None
    if current is not None and all(getattr(current, n) == getattr(threshold, n) for n in THRESHOLD_FIELDS):
        plan.count(THRESHOLDS, number, label, "unchanged")
        return None
    plan.thresholds.append(threshold)
    plan.count(THRESHOLDS, number, label, "created" if current is None else "updated")
    return threshold


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
    if plan.stream_start is not None and plan.ok:
        plan.stream = plan.stream_start(plan)
    for number, values in sheet.rows:
        cells = parse(number, values)
        if cells is not None:
            checks.row(number, cells)
    context.results_on_file = set(checks.seen)
    if not plan.owner:  # an owner's rows are saved through return_save, which applies the rule itself
        _check_return_rules(plan, checks.existing)


def _check_stored_figures(plan: ImportPlan, context: _Context) -> None:
    """The stored figures of indicators whose unit, flags or frequency the file changes, checked under the
    new definition as the admin checks them (`stored_figure_errors`), but those the Results sheet gives again."""
    for code, (number, changes) in context.refigured.items():
        column = changes[0]
        skip = {period for on_file, period in context.results_on_file if on_file == code}
        # A figure in a month the new frequency does not report cannot be corrected by a row, only withdrawn.
        fix = (
            "Withdraw it on its return page first."
            if column == "frequency"
            else "Correct it on the Results sheet of the same file."
        )
        for message in stored_figure_errors(context.indicators[code], skip=skip):
            plan.error(INDICATORS, number, column, f"{message} {fix}")
        if "frequency" in changes:
            _check_stored_phases(plan, context.indicators[code], number)


def _check_stored_phases(plan: ImportPlan, indicator: Indicator, number: int) -> None:
    """An indicator's SPC phases under its new frequency, as the admin's phases inline checks them (`Phase.clean`)."""
    for phase in Phase.objects.filter(indicator_id=indicator.pk).order_by("start"):
        phase.indicator = indicator
        try:
            phase.clean()
        except ValidationError as exc:
            for message in exc.messages:
                plan.error(
                    INDICATORS,
                    number,
                    "frequency",
                    f"{indicator.code}'s SPC phase from {period_label(phase.start)} would no longer be valid: "
                    f"{message} Change the phase in the admin first.",
                )


class _ResultChecks:
    """Per-row result validation with everything it needs loaded up front."""

    def __init__(self, plan: ImportPlan, context: _Context, with_commentary: bool) -> None:
        self.plan, self.context = plan, context
        self.seen: dict[tuple[str, date], int] = {}
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
            self.commentary = dict(  # compared as the file's is read (a text kept before tidy_text applied here)
                ((ind, period), tidy_text(text))
                for ind, period, text in Commentary.objects.filter(indicator_id__in=ids).values_list(
                    "indicator_id", "period", "text"
                )
            )
        self.period_errors: dict = {}
        self.locks = OwnerLocks(plan.user, ids) if plan.owner else None
        # Owners are refused closed months by the locks; the performance team may correct them, with a reason.
        self.closed = closed_periods()
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
        text = tidy_text(cells.get("commentary")) or None  # as the return form keeps it
        if figures == (None, None, None) and text is None:
            return  # a blank line of an owner template: nothing to import
        seen_key = (indicator.code, period)
        if seen_key in self.seen:
            _duplicate(
                plan, RESULTS, self.seen, seen_key, number, "period", f"{indicator.code} {format_period(period)}"
            )
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

    def _count(self, number, key, indicator, period, figures: _Figures, text, current, version=None) -> None:
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
                commentary=text,
                existing_id=current[0] if current else None,
                figures_changed=figures_changed,
                commentary_changed=commentary_changed,
                streamed=streamed,
                expected_version=expected_version,
            )
        )
        self.plan.count(RESULTS, number, key, "created" if current is None else "updated")


def _check_return_rules(plan: ImportPlan, existing: dict) -> None:
    """The return form's rules on the performance team's import, for a return it leaves submitted or
    approved: commentary if its figure is rated (or is a special cause of concern) as
    `KPIDASH_COMMENTARY_REQUIRED_FOR` says (`returns.services.commentary_requirement`), and, when the
    row changes it and `KPIDASH_ACTION_REQUIRED_TO_SUBMIT` is on, an open improvement action if its
    figure is Red or a special cause of concern (`returns.services.action_required`), as `return_save`
    asks of a correction.

    Judged on the data as the file leaves it (its thresholds, its actions, and its other figures on
    the SPC chart), in at most four queries however many rows; only rows that may break a rule are rated.
    """
    rows = [row for row in plan.results if row.indicator.pk]
    if not rows:
        return
    stored = Commentary.objects.filter(
        indicator_id__in={row.indicator.pk for row in rows}, period__in={row.period for row in rows}
    ).values_list("indicator_id", "period", "text", "status")
    current = {(ind, period): (text, status) for ind, period, text, status in stored}
    actions_asked = bool(settings.KPIDASH_ACTION_REQUIRED_TO_SUBMIT)
    waiting: list[tuple[ResultRow, bool, bool]] = []  # each row with which rules it may break: commentary, action
    for row in rows:
        text, status = current.get((row.indicator.pk, row.period), ("", None))
        text = text if row.commentary is None else row.commentary
        status = status_after_edit(status, performance=True) if status else CommentaryStatus.DRAFT
        left_submitted = status in (CommentaryStatus.SUBMITTED, CommentaryStatus.APPROVED)
        commentary = needs_commentary_check(status, text)
        action = actions_asked and left_submitted and (row.figures_changed or row.commentary_changed)
        if commentary or action:
            waiting.append((row, commentary, action))
    if waiting:
        _rate_waiting(plan, waiting, existing)


def _rate_waiting(plan: ImportPlan, waiting: list[tuple[ResultRow, bool, bool]], existing: dict) -> None:
    ids = {row.indicator.pk for row, _, _ in waiting}
    values: dict[tuple[int, date], Decimal | None] = {k: v[1] for k, v in existing.items() if k[0] in ids}
    values.update(((row.indicator.pk, row.period), row.value) for row in plan.results if row.indicator.pk in ids)
    series: dict[int, list[Value]] = defaultdict(list)
    for (indicator_id, period), value in values.items():
        series[indicator_id].append(Value(period, value))
    thresholds = {(t.indicator_id, t.financial_year): t for t in Threshold.objects.filter(indicator_id__in=ids)}
    thresholds.update(((t.indicator.pk, t.financial_year), t) for t in plan.thresholds if t.indicator.pk in ids)
    phases: dict[int, list[Phase]] = defaultdict(list)
    for phase in Phase.objects.filter(indicator_id__in=ids):
        phases[phase.indicator_id].append(phase)
    actioned = None
    for row, commentary, action in waiting:
        pk = row.indicator.pk
        threshold = thresholds.get((pk, FinancialYear.containing(row.period).start_year))
        last_year = values.get((pk, same_period_last_year(row.period)))
        rag = figure_rag(row.indicator, threshold, row.value, last_year)
        variation = figure_variation(row.indicator, row.period, series[pk], phases[pk])
        required = commentary and commentary_requirement(
            indicator=row.indicator, period=row.period, rag=rag, variation=variation
        )
        if required:
            plan.error(RESULTS, row.row, "commentary", required)
        concern = variation.value in CONCERNS
        if action and action_required(rag.value, concern):
            actioned = _actioned(plan, ids) if actioned is None else actioned
            if pk not in actioned:
                missing = missing_action_message(row.indicator.code, rag.value, concern)
                plan.error(
                    RESULTS,
                    row.row,
                    "value",
                    f"{missing}, and {period_label(row.period)}'s return stays submitted: add an open "
                    "improvement action for it (Actions → Add an improvement action, or a row of the "
                    "Actions sheet) first.",
                )


def _actioned(plan: ImportPlan, ids: set[int]) -> set[int]:
    """Which of these indicators have an open improvement action once the file's Actions are written."""
    changed = {action.pk for action, _, _ in plan.council.actions if action.pk}
    actioned = set(
        Action.objects.open().filter(indicators__in=ids).exclude(pk__in=changed).values_list("indicators", flat=True)
    )
    for action, indicators, _ in plan.council.actions:
        if action.status != ActionStatus.COMPLETE:
            actioned.update(indicator.pk for indicator in indicators)
    return actioned & ids


def check_closed_again(plan: ImportPlan) -> None:
    """The closed months the plan changes, read again under `apply.lock_periods`; a reason if one has closed."""
    closed = closed_periods()
    plan.closed_periods = {row.period for row in plan.results if row.period in closed}
    check_reason(plan)


def closed_periods() -> set[date]:
    return {p.period for p in ReportingPeriod.objects.all() if correction_needs_reason(p)}
