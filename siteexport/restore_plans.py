"""Restoring the actions' progress notes and the indicators' publications (the workbook carries the plans)."""

from __future__ import annotations

from indicators.periods import FinancialYear
from plans.models import Action, ActionNote
from plans.services import NOTE_MAX_LENGTH
from public.models import Publication
from siteexport.restore_lookups import each, save_as_it_was
from siteexport.schema import ACTION_NOTES, PUBLICATIONS, WORKBOOK
from spreadsheets.plan import ImportPlan


def restore_action_notes(plan: ImportPlan, rows, users: dict) -> None:
    actions = {a.pk: a for a in Action.objects.prefetch_related("indicators")}
    for row in each(plan, ACTION_NOTES, rows):
        key = row.cells["action"]
        action = row.lookup("action", actions, key, f"No action has the id {key} on the Actions sheet of {WORKBOOK}.")
        named = row.people(users, "author")
        if action is None or named is None:
            continue
        note = ActionNote(action=action, author=named["author"], text=row.cells["text"])
        if len(note.text) > NOTE_MAX_LENGTH:
            row.error("text", f"A progress note can be at most {NOTE_MAX_LENGTH} characters.")
        elif row.checked(note):
            save_as_it_was(plan, note, row.cells["created_at"])  # written when it was said, not at the restore
            row.created(f"Action {action.pk}")


def restore_publications(plan: ImportPlan, rows, indicators: dict, users: dict) -> None:
    for row in each(plan, PUBLICATIONS, rows):
        indicator, named = row.indicator(indicators), row.people(users, "published_by")
        if indicator is None or named is None:
            continue
        # The publication page's rules (`public.services.publication_set`).
        if not indicator.active:
            row.error("code", f"{indicator.code} is not active, so it cannot be published.")
            continue
        year = row.cells["financial_year"]
        publication = Publication(indicator=indicator, financial_year=year, published_by=named["published_by"])
        publication.published_at = row.cells.get("published_at") or publication.published_at
        if row.checked(publication, {"indicator": "code"}):
            save_as_it_was(plan, publication)
            row.created(f"{indicator.code} {FinancialYear(year).label}")
