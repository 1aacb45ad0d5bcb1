"""The workbook's council plan and actions sheets: each row checked (writing nothing), then written.

Plans are matched on their slug, priorities on their plan and number, objectives
on their plan, priority and number, actions on their id (blank: a new action).
Rows are checked with the models' own field checks and, for actions, the rules
of every other path (`plans.services.action_errors`); `apply_council_plan` writes
what changed, actions through `plans.services.action_import`. Nothing is ever
deleted: a record left out of the file stays as it is. Progress notes are not on
the workbook: they are what someone said, when, and are added on the action's page
(the site export carries them).

`plan` below is the import's `spreadsheets.plan.ImportPlan` (its `error` and
`count`); each sheet's cells are parsed by the function `parse` it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models

from indicators.models import Indicator
from plans.models import STATUS_CHOICES, Action, Objective, Plan, Priority
from plans.services import ActionError, action_import, action_import_errors
from returns.services import save_with_history
from spreadsheets.resources import ChoiceWidget, DayWidget, TextWidget, WholeNumberWidget, split_names
from spreadsheets.workbook import ACTION_COLUMNS, ACTIONS, OBJECTIVES, PLANS, PRIORITIES, Sheet, objective_ref

_SPECIAL = {"id", "owner", "indicators", "objectives"}  # the Actions columns with rules of their own


class StatusWidget(ChoiceWidget):
    """An action's status as its owner says it; "overdue" is worked out from the due date, never stored."""

    def clean(self, value, row=None, **kwargs) -> str | None:
        if value is not None and str(value).strip().lower() == "overdue":
            raise ValueError(
                "Overdue is worked out from the due date, never stored: give the status its owner says "
                "(not_started, on_track, at_risk or complete)."
            )
        return super().clean(value, row, **kwargs)


class NameWidget(TextWidget):
    """A record named by its name (a committee): the name is checked against the database by the planner."""


def _field(column: str) -> models.Field:
    """The Action field an Actions column holds (every column but the special ones is one)."""
    return cast(models.Field, Action._meta.get_field(column))


def _action_widget(column: str):
    """The widget for an Actions column that is a field of Action, by the field's type."""
    model_field = _field(column)
    if column == "status":
        return StatusWidget(STATUS_CHOICES)
    if isinstance(model_field, models.ForeignKey):
        return NameWidget()
    if isinstance(model_field, models.DateField):
        return DayWidget()
    if model_field.choices:
        return ChoiceWidget(cast(list[tuple[str, str]], list(model_field.choices)))
    return TextWidget()


_text, _whole = TextWidget(), WholeNumberWidget()
WIDGETS: dict[str, dict] = {
    PLANS: {"slug": _text, "name": _text, "description": _text},
    PRIORITIES: {"plan": _text, "number": _whole, "title": _text, "description": _text},
    OBJECTIVES: {"plan": _text, "priority": _whole, "number": _whole, "title": _text, "indicators": _text},
    ACTIONS: {
        "id": _whole,
        "owner": _text,
        "indicators": _text,
        "objectives": _text,
        **{column: _action_widget(column) for column in ACTION_COLUMNS if column not in _SPECIAL},
    },
}


@dataclass
class CouncilPlanChanges:
    """What the file writes to the council plan and actions, in the order it is written."""

    plans: list[Plan] = field(default_factory=list)
    priorities: list[Priority] = field(default_factory=list)
    objectives: list[tuple[Objective, list[Indicator] | None]] = field(default_factory=list)
    actions: list[tuple[Action, list[Indicator], list[Objective]]] = field(default_factory=list)


class CouncilPlanChecks:
    """The plan's records by their keys, in their state after this file (new ones unsaved)."""

    def __init__(self, plan: Any, indicators: dict[str, Indicator], keep_action_ids: bool = False) -> None:
        self.plan, self.indicators = plan, indicators
        self.keep_action_ids = keep_action_ids  # a site restore: an id not on this site is a new action with it
        self.changes: CouncilPlanChanges = plan.council
        self.plans = {p.slug: p for p in Plan.objects.all()}
        self.priorities = {(p.plan.slug, p.number): p for p in Priority.objects.select_related("plan")}
        self.objectives = {
            objective_ref(o): o
            for o in Objective.objects.select_related("priority__plan").prefetch_related("indicators")
        }
        self.failed: set = set()  # keys of rows with errors (a later sheet's row naming one says so)

    def error(self, sheet: str, number: int, column: str, message: str) -> None:
        self.plan.error(sheet, number, column, message)

    def _duplicate(self, sheet: str, seen: dict, key, number: int, column: str, what: str) -> bool:
        if key in seen:
            self.error(sheet, number, column, f"Duplicate row: {what} is already on row {seen[key]}.")
            return True
        seen[key] = number
        return False

    def _model_errors(self, instance: models.Model, exclude: list[str]) -> dict[str, str]:
        try:
            instance.clean_fields(exclude=exclude)
        except ValidationError as exc:
            return {name: messages[0] for name, messages in exc.message_dict.items()}
        return {}

    def _report(self, sheet: str, number: int, errors: dict[str, str], key) -> bool:
        for column, message in errors.items():
            self.error(sheet, number, "" if column == "__all__" else column, message)
        if errors:
            self.failed.add((sheet, key))
        return not errors

    def _parent(self, sheet: str, number: int, column: str, found: dict, key, parent_sheet: str, what: str):
        value = found.get(key)
        if value is None:
            if (parent_sheet, key) in self.failed:
                self.error(sheet, number, column, f"Correct the errors in {what} on the {parent_sheet} sheet first.")
            else:
                self.error(sheet, number, column, f"Unknown {what}: add it on the {parent_sheet} sheet.")
        return value

    def codes(self, value) -> tuple[list[Indicator], str | None]:
        """The indicators named by `value` (codes separated by semicolons), and what is wrong, if anything."""
        found, unknown = [], []
        for code in split_names(value):
            indicator = self.indicators.get(code)
            if indicator is None:
                unknown.append(code)
            else:
                found.append(indicator)
        if unknown:
            return found, f"Unknown indicator code{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}."
        return found, None


def _set_text(instance: models.Model, cells: dict, names: Iterable[str]) -> None:
    for name in names:
        if name in cells:
            setattr(instance, name, cells[name] or "")


def _fields(instance: models.Model, names: Iterable[str]) -> tuple:
    return tuple(getattr(instance, name) for name in names)


def plan_plans(checks: CouncilPlanChecks, sheet: Sheet, parse: Callable) -> None:
    seen: dict = {}
    for number, values in sheet.rows:
        cells = parse(number, values)
        if cells is None:
            continue
        slug = cells.get("slug")
        if not slug:
            checks.error(PLANS, number, "slug", "Enter the plan's slug (its address: /plans/<slug>/).")
            continue
        if checks._duplicate(PLANS, seen, slug, number, "slug", slug):
            continue
        existing = checks.plans.get(slug)
        plan = existing or Plan(slug=slug)
        before = _fields(plan, ("name", "description"))
        _set_text(plan, cells, ("name", "description"))
        errors = checks._model_errors(plan, exclude=[])
        if not checks._report(PLANS, number, errors, slug):
            continue
        checks.plans[slug] = plan
        if existing is not None and _fields(plan, ("name", "description")) == before:
            checks.plan.count(PLANS, number, slug, "unchanged")
            continue
        checks.changes.plans.append(plan)
        checks.plan.count(PLANS, number, slug, "created" if existing is None else "updated")


def plan_priorities(checks: CouncilPlanChecks, sheet: Sheet, parse: Callable) -> None:
    seen: dict = {}
    for number, values in sheet.rows:
        cells = parse(number, values)
        if cells is None:
            continue
        slug, place = cells.get("plan"), cells.get("number")
        if not slug or place is None:
            checks.error(PRIORITIES, number, "plan" if not slug else "number", "Enter the plan and the number.")
            continue
        key = (slug, place)
        if checks._duplicate(PRIORITIES, seen, key, number, "number", f"{slug} priority {place}"):
            continue
        parent = checks._parent(PRIORITIES, number, "plan", checks.plans, slug, PLANS, f"plan “{slug}”")
        if parent is None:
            continue
        existing = checks.priorities.get(key)
        priority = existing or Priority(plan=parent, number=place)
        before = _fields(priority, ("title", "description"))
        _set_text(priority, cells, ("title", "description"))
        errors = checks._model_errors(priority, exclude=["plan"])
        if not checks._report(PRIORITIES, number, errors, key):
            continue
        checks.priorities[key] = priority
        if existing is not None and _fields(priority, ("title", "description")) == before:
            checks.plan.count(PRIORITIES, number, f"{slug} {place}", "unchanged")
            continue
        checks.changes.priorities.append(priority)
        checks.plan.count(PRIORITIES, number, f"{slug} {place}", "created" if existing is None else "updated")


def plan_objectives(checks: CouncilPlanChecks, sheet: Sheet, parse: Callable) -> None:
    seen: dict = {}
    for number, values in sheet.rows:
        cells = parse(number, values)
        if cells is None:
            continue
        slug, place, own = cells.get("plan"), cells.get("priority"), cells.get("number")
        if not slug or place is None or own is None:
            checks.error(OBJECTIVES, number, "number", "Enter the plan, the priority's number and the number.")
            continue
        ref = f"{slug} {place}.{own}"
        if checks._duplicate(OBJECTIVES, seen, ref, number, "number", ref):
            continue
        priority = checks._parent(
            OBJECTIVES, number, "priority", checks.priorities, (slug, place), PRIORITIES, f"priority {slug} {place}"
        )
        if priority is None:
            checks.failed.add((OBJECTIVES, ref))
            continue
        indicators, problem = checks.codes(cells["indicators"]) if "indicators" in cells else (None, None)
        existing = checks.objectives.get(ref)
        objective = existing or Objective(priority=priority, number=own)
        before = objective.title
        _set_text(objective, cells, ("title",))
        errors = checks._model_errors(objective, exclude=["priority"])
        if problem:
            errors["indicators"] = problem
        if not checks._report(OBJECTIVES, number, errors, ref):
            continue
        checks.objectives[ref] = objective
        stored = {i.code for i in existing.indicators.all()} if existing is not None else set()
        links_changed = indicators is not None and {i.code for i in indicators} != stored
        if existing is not None and objective.title == before and not links_changed:
            checks.plan.count(OBJECTIVES, number, ref, "unchanged")
            continue
        checks.changes.objectives.append((objective, indicators if links_changed or existing is None else None))
        checks.plan.count(OBJECTIVES, number, ref, "created" if existing is None else "updated")


class _ActionChecks:
    """Everything the Actions rows are checked against, loaded once."""

    def __init__(self, checks: CouncilPlanChecks) -> None:
        self.checks = checks
        self.actions = {
            a.pk: a
            for a in Action.objects.select_related("owner", "source_committee").prefetch_related(
                "indicators", "objectives__priority__plan"
            )
        }
        self.users: dict[str, Any] = {}
        for user in get_user_model().objects.all():
            self.users[user.get_username().lower()] = user
            if user.email:
                self.users.setdefault(user.email.lower(), user)
        self.named: dict[type, dict[str, models.Model]] = {}  # records named by an added column (a committee)
        self.simple = [c for c in ACTION_COLUMNS if c not in _SPECIAL]

    def by_name(self, model: type[models.Model], name: str) -> models.Model | None:
        if model not in self.named:
            self.named[model] = {str(getattr(r, "name", r)).lower(): r for r in model._default_manager.all()}
        return self.named[model].get(name.lower())


def plan_actions(checks: CouncilPlanChecks, sheet: Sheet, parse: Callable) -> None:
    found = _ActionChecks(checks)
    seen: dict = {}
    for number, values in sheet.rows:
        cells = parse(number, values)
        if cells is None:
            continue
        pk = cells.get("id")
        if pk is not None and checks._duplicate(ACTIONS, seen, pk, number, "id", f"action {pk}"):
            continue
        existing = found.actions.get(pk) if pk is not None else None
        if pk is not None and existing is None and not checks.keep_action_ids:
            checks.error(ACTIONS, number, "id", f"No action has the id {pk}: leave the id blank for a new action.")
            continue
        _plan_action(checks, found, number, cells, existing, pk)


def _plan_action(checks: CouncilPlanChecks, found: _ActionChecks, number: int, cells: dict, existing, pk) -> None:
    action = existing or Action(pk=pk)
    before = (*_fields(action, [_attname(c) for c in found.simple]), action.owner_id if existing else None)
    errors: dict[str, str] = {}
    for column in found.simple:
        if column in cells:
            _set_field(found, action, column, cells[column], errors)
    if "owner" in cells:
        owner = found.users.get((cells["owner"] or "").lower()) if cells["owner"] else None
        if cells["owner"] and owner is None:
            errors["owner"] = f"No user has the username or email address “{cells['owner']}”."
        action.owner = owner
    indicators = _links(checks, cells, existing, errors)
    objectives = _objectives(checks, cells, existing, errors)
    rules = action_import_errors(action, indicators)
    errors = {**{k: v[0] for k, v in rules.items()}, **errors}
    excluded = [f.name for f in Action._meta.concrete_fields if f.is_relation] + ["id"]
    errors = {**checks._model_errors(action, exclude=excluded), **errors}
    label = f"{action.title or 'New action'}" if pk is None else f"Action {pk}: {action.title}"
    if not checks._report(ACTIONS, number, errors, pk):
        return
    after = (*_fields(action, [_attname(c) for c in found.simple]), action.owner_id if existing else None)
    unchanged = (
        existing is not None
        and after == before
        and {i.pk for i in indicators} == {i.pk for i in existing.indicators.all()}
        and {objective_ref(o) for o in objectives} == {objective_ref(o) for o in existing.objectives.all()}
    )
    if unchanged:
        checks.plan.count(ACTIONS, number, label, "unchanged")
        return
    checks.changes.actions.append((action, indicators, objectives))
    checks.plan.count(ACTIONS, number, label, "created" if existing is None else "updated")


def _set_field(found: _ActionChecks, action: Action, column: str, value, errors: dict) -> None:
    """One Action field from its cell: a record by its name, a blank status left as it is,
    other blanks empty (a blank due date is then refused by the rules)."""
    model_field = _field(column)
    if isinstance(model_field, models.ForeignKey):
        record = found.by_name(cast(type[models.Model], model_field.related_model), value) if value else None
        if value and record is None:
            errors[column] = f"Unknown {model_field.verbose_name} “{value}”."
        setattr(action, column, record)
    elif value is None and column == "status":
        return
    elif value is None and isinstance(model_field, models.CharField | models.TextField):
        setattr(action, column, "")
    else:
        setattr(action, column, value)


def _attname(column: str) -> str:
    return _field(column).attname


def _links(checks: CouncilPlanChecks, cells: dict, existing, errors: dict) -> list[Indicator]:
    if "indicators" not in cells:
        return list(existing.indicators.all()) if existing is not None else []
    found, problem = checks.codes(cells["indicators"])
    if problem:
        errors["indicators"] = problem
    return found


def _objectives(checks: CouncilPlanChecks, cells: dict, existing, errors: dict) -> list[Objective]:
    if "objectives" not in cells:
        return list(existing.objectives.all()) if existing is not None else []
    found = []
    for ref in split_names(cells["objectives"]):
        objective = checks.objectives.get(" ".join(ref.split()))
        if objective is None:
            failed = (OBJECTIVES, ref) in checks.failed
            errors["objectives"] = (
                f"Correct the errors in objective {ref} on the Objectives sheet first."
                if failed
                else f"Unknown objective “{ref}”: name it by its plan and number, e.g. framing-kents-future 1.2."
            )
        else:
            found.append(objective)
    return found


def apply_council_plan(changes: CouncilPlanChanges, user, reason: str) -> list[Action]:
    """Write the plan's checked changes, parents first, with their history (inside the import's transaction)."""
    for plan in changes.plans:
        save_with_history(plan, user, reason)
    for priority in changes.priorities:
        save_with_history(priority, user, reason)
    for objective, indicators in changes.objectives:
        save_with_history(objective, user, reason)
        if indicators is not None:
            objective.indicators.set(indicators)
    written = []
    for action, indicators, objectives in changes.actions:
        try:
            written.append(
                action_import(action=action, user=user, reason=reason, indicators=indicators, objectives=objectives)
            )
        except ActionError as exc:  # checked at the plan: only a change made since could do this
            raise RuntimeError(f"Action “{action.title}” could not be saved: {exc}") from exc
    return written
