"""Spreadsheet import: check a workbook, preview its changes, apply them all or none.

`workbook_check` reads and validates every row (a dry run, `spreadsheets.plan`);
`workbook_import` does the same and, only when the whole file is valid, writes
the new and changed rows in one transaction, with their audit history, and
records the import (`spreadsheets.apply`). Importing a file twice changes nothing.

A service owner's upload (`owner=True`) may hold only the Results sheet, only
for their indicators and open periods; its rows are saved through
`returns.services.return_save`, the same service as the return form
(checked by `spreadsheets.owners`, saved by `spreadsheets.apply.owner_apply`).
"""

from __future__ import annotations

from pathlib import Path

from django.db import connection, transaction

from indicators import ratings
from spreadsheets.apply import apply_plan, import_streaming, lock_periods, owner_apply, record_import
from spreadsheets.models import ImportRecord
from spreadsheets.plan import ImportPlan, check_closed_again, check_reason, plan_file


def workbook_check(*, path: Path, file_name: str, user, owner: bool = False, reason: str = "") -> ImportPlan:
    """Validate a file and work out its changes without writing anything (the dry run)."""
    plan = ImportPlan(file_name=file_name, user=user, owner=owner, reason=(reason or "").strip())
    plan_file(plan, Path(path), file_name)
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
        check_reason(plan)
        if not plan.ok:
            return plan
        with transaction.atomic(), ratings.deferred():
            lock_periods()
            if not owner:
                check_closed_again(plan)  # a month may have closed since the check
            if owner:
                owner_apply(plan, dry_run=False)
            elif plan.ok:
                apply_plan(plan)
            if plan.ok:
                record_import(plan, source)
        return plan
    return import_streaming(path=Path(path), file_name=file_name, user=user, source=source, reason=reason)
