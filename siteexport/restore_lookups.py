"""What the site restore's sheet restorers share: a row, finding what it names, and checking it as the forms do.

Each check records its problem in the plan, on the row's sheet, number and column, and says
whether the row can go on; nothing here writes but `save_as_it_was`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import connection, models

from returns.services import save_with_history
from spreadsheets.plan import ImportPlan
from spreadsheets.resources import LIST_SEPARATOR


class Row:
    """One row of a `site.xlsx` sheet being restored: its cells, and its problems said where they are."""

    def __init__(self, plan: ImportPlan, sheet: str, number: int, cells: dict) -> None:
        self.plan, self.sheet, self.number, self.cells = plan, sheet, number, cells

    def error(self, column: str, message: str) -> None:
        self.plan.error(self.sheet, self.number, column, message)

    def created(self, label: str) -> None:
        self.plan.count(self.sheet, self.number, label, "created")

    def refused(self, errors: dict, columns: dict[str, str] | None = None) -> bool:
        """Record a check's errors (field → messages) on their columns ("__all__" on none); any?"""
        for name, messages in errors.items():
            self.error((columns or {}).get(name, name if name != "__all__" else ""), messages[0])
        return bool(errors)

    def checked(self, instance: models.Model, columns: dict[str, str] | None = None, **kwargs) -> bool:
        """The model's own validation (fields, uniqueness, clean()); each message on the column it is about."""
        try:
            instance.full_clean(**kwargs)
        except ValidationError as exc:
            return not self.refused(exc.message_dict, columns)
        return True

    def lookup(self, column: str, found: dict, key, what: str):
        """`found[key]`, or None (an error unless the cell is blank)."""
        if key in (None, ""):
            return None
        value = found.get(key)
        if value is None:
            self.error(column, what)
        return value

    def indicator(self, indicators: dict):
        code = self.cells["code"]
        return self.lookup("code", indicators, code, f"Unknown indicator code “{code}”.")

    def listed(self, column: str, found: dict, unknown: Callable[[str], str]) -> list | None:
        """The semicolon-separated names in `column` (not commas: "Growth, Environment and Transport" is one
        directorate), each looked up by its lower case; None if any is not there, each an error `unknown` words."""
        names = [name.strip() for name in str(self.cells.get(column) or "").split(LIST_SEPARATOR) if name.strip()]
        missing = [name for name in names if name.lower() not in found]
        for name in missing:
            self.error(column, unknown(name))
        return None if missing else [found[name.lower()] for name in names]

    def people(self, users: dict, *columns: str) -> dict | None:
        """The users the `columns` name (None for a blank cell), or None if any names nobody."""
        cells = self.cells
        found = {c: self.lookup(c, users, cells.get(c), f"No user has the username “{cells.get(c)}”.") for c in columns}
        return None if any(cells.get(c) and found[c] is None for c in columns) else found


def each(plan: ImportPlan, sheet: str, rows: list[tuple[int, dict]]) -> Iterator[Row]:
    for number, cells in rows:
        yield Row(plan, sheet, number, cells)


def reason(plan: ImportPlan) -> str:
    return f"Imported from {plan.file_name}"[:100]


def save_as_it_was(plan: ImportPlan, instance: models.Model, created_at=None) -> None:
    save_with_history(instance, plan.user, reason(plan))
    if created_at is not None:  # when it was made, not the restore (created_at is set on the first save)
        type(instance)._default_manager.filter(pk=instance.pk).update(created_at=created_at)
        instance.created_at = created_at  # type: ignore[attr-defined]


def reset_sequences(*models_: type[models.Model]) -> None:
    """After rows written with the ids they had (actions, questions), the next new one continues after them."""
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models_)):
            cursor.execute(sql)
