"""Reading `site.xlsx`: every sheet's rows parsed into values, each bad cell an error with its sheet, row and column.

Nothing here touches the database; the rows are checked against it (and written)
by `siteexport.restore`.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError

from siteexport.schema import ADDED_LATER, KEYS, SHEETS, SITE, WIDGETS
from spreadsheets.plan import ImportPlan, check_columns
from spreadsheets.workbook import ABOUT, Sheet, WorkbookError, normalise, open_workbook

Rows = dict[str, list[tuple[int, dict]]]  # sheet → [(row number, {column: value})]


def _sheet_name(name: str) -> str | None:
    key = normalise(name)
    return next((known for known in (*SHEETS, ABOUT) if normalise(known) == key), None)


def read_site(plan: ImportPlan, path: Path) -> Rows:
    """Every sheet of `site.xlsx` parsed; a problem is recorded in `plan` (the file as a whole, or a cell)."""
    found: Rows = {}
    try:
        for sheet in open_workbook(path, SITE):
            name = _sheet_name(sheet.name)
            if name == ABOUT:
                continue
            if name is None:
                plan.error(sheet.name, 0, "", f"Unknown sheet “{sheet.name}” in {SITE}: expected {', '.join(SHEETS)}.")
            elif name in found:
                plan.error(sheet.name, 0, "", f"{SITE} has more than one {name} sheet.")
            elif check_columns(plan, name, sheet, known=SHEETS[name], required=KEYS[name]):
                found[name] = list(_parsed_rows(plan, name, sheet))
            else:
                found[name] = []
    except WorkbookError as exc:
        plan.error("", 0, "", str(exc), first=True)
        return found
    for name in SHEETS:
        if name not in found and name in ADDED_LATER:
            found[name] = []
        elif name not in found:
            plan.error(name, 0, "", f"{SITE} has no {name} sheet: every site export has one (it may have no rows).")
    return found


def _parsed_rows(plan: ImportPlan, name: str, sheet: Sheet):
    widgets = WIDGETS[name]
    columns = list(enumerate(sheet.columns))
    for number, values in sheet.rows:
        cells, ok = {}, True
        for index, column in columns:
            try:
                cells[column] = widgets[column].clean(values[index] if index < len(values) else None)
            except (ValueError, ValidationError) as exc:
                message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
                plan.error(name, number, sheet.headings[index], message)
                ok = False
        missing = [key for key in KEYS[name] if cells.get(key) in (None, "")]
        for key in missing if ok else ():
            plan.error(name, number, key, f"Enter the {key.replace('_', ' ')}.")
        if ok and not missing:
            yield number, cells
