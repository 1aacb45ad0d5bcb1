"""Restoring what the workbook's figures do not carry: SPC phases, and commentary with its approval."""

from __future__ import annotations

from indicators.models import Commentary, Phase
from indicators.periods import format_period
from indicators.validators import tidy_text
from siteexport.restore_lookups import Row, each, save_as_it_was
from siteexport.schema import COMMENTARY, PHASES, SITE
from spreadsheets.plan import ImportPlan
from spreadsheets.workbook import RESULTS

_CODE = {"indicator": "code"}


def restore_phases(plan: ImportPlan, rows, indicators: dict) -> None:
    for row in each(plan, PHASES, rows):
        if (indicator := row.indicator(indicators)) is None:
            continue
        phase = Phase(indicator=indicator, start=row.cells["start"], reason=row.cells.get("reason") or "")
        if row.checked(phase, _CODE):
            save_as_it_was(plan, phase)
            row.created(f"{indicator.code} {format_period(phase.start)}")


def restore_commentary(plan: ImportPlan, rows, indicators: dict, users: dict) -> None:
    # The Results sheet's commentary column made these (as drafts); this sheet says the rest.
    made = {(c.indicator.code, c.period): c for c in Commentary.objects.select_related("indicator")}
    in_results = {(r.indicator.code, r.period): r for r in plan.results if r.commentary is not None}
    seen: dict[tuple, int] = {}
    for row in each(plan, COMMENTARY, rows):
        if (indicator := row.indicator(indicators)) is None:
            continue
        key = (indicator.code, row.cells["period"])
        label = f"{indicator.code} {format_period(row.cells['period'])}"
        if key in seen:
            row.error("period", f"Duplicate row: {label} is already on row {seen[key]}.")
            continue
        seen[key] = row.number
        commentary = made.get(key) or Commentary(indicator=indicator, period=row.cells["period"])
        filled = _fill_commentary(row, commentary, users)
        result_row = in_results.pop(key, None)
        if result_row is not None and result_row.commentary != commentary.text:
            plan.error(
                RESULTS,
                result_row.row,
                "commentary",
                f"The commentary for {label} differs from row {row.number} of the Commentary sheet in {SITE}: "
                "the two must agree.",
            )
        if row.checked(commentary, _CODE) and filled:
            save_as_it_was(plan, commentary)
            row.created(label)
    for (code, period), result_row in in_results.items():
        plan.error(
            RESULTS,
            result_row.row,
            "commentary",
            f"{code} {format_period(period)} has commentary but no row on the Commentary sheet in {SITE}, "
            "which carries its status and approval.",
        )


def _fill_commentary(row: Row, commentary: Commentary, users: dict) -> bool:
    """Set the row's values on `commentary`; False (saying why) if its people are unknown or it is not
    approved but names an approver."""
    cells = row.cells
    commentary.text = tidy_text(cells.get("text"))  # as the Results sheet's commentary is read
    commentary.status = cells.get("status") or commentary.status
    commentary.submitted_at, commentary.approved_at = cells.get("submitted_at"), cells.get("approved_at")
    commentary.return_reason = cells.get("return_reason") or ""
    commentary.version = cells["version"] if cells.get("version") is not None else commentary.version
    if (named := row.people(users, "author", "approver")) is None:
        return False
    commentary.author, commentary.approver = named["author"], named["approver"]
    if (commentary.approver is not None or commentary.approved_at is not None) and not commentary.is_approved:
        row.error(
            "approver" if commentary.approver is not None else "approved_at",
            f"Only approved commentary has an approver and an approval time; this is {commentary.status}.",
        )
        return False
    return True
