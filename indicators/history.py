"""Audit history from django-simple-history: each record's changes by its own `diff_against`.

The indicator page's history of its results, thresholds and commentary is here; a return's
(returns/history.py) is built from the same pieces, and both render
templates/includes/history_table.html.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.utils.text import capfirst

from indicators.models import Commentary, Indicator, Result, Threshold
from indicators.periods import FinancialYear, period_label
from indicators.wording import person_name


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: datetime
    who: str
    reason: str = ""
    changes: list[FieldChange] = field(default_factory=list)
    what: str = ""  # which row changed, where a history spans several


def with_previous(records) -> Iterator[tuple]:
    """Each history record, oldest first, with the record before it for the same row (None for its first).

    Found in Python from one query rather than through simple-history's per-record `prev_record`.
    """
    previous: dict[int, object] = {}
    for record in records.select_related("history_user").order_by("history_date", "history_id"):
        yield record, previous.get(record.id)
        previous[record.id] = record


def record_changes(record, previous, fields: Sequence[str]) -> list:
    """simple-history's `ModelChange`s of `fields` from `previous` to `record`, in `fields`' order.

    A first record (`previous` None) is diffed against one with every field empty: it lists what it set.
    """
    before = previous or type(record)(**dict.fromkeys(fields))
    changes = record.diff_against(before, included_fields=list(fields)).changes
    set_ = [change for change in changes if previous or change.new not in (None, "")]
    return sorted(set_, key=lambda change: fields.index(change.field))


def changed_by(record) -> str:
    return person_name(record.history_user) or "System"


def shown(value) -> str:
    """A stored value as the history shows it: blank as "", decimals without trailing zeros."""
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


AUDITED = (
    (Result, "Result", ("value", "numerator", "denominator")),
    (Threshold, "Threshold", Threshold.RULE_FIELDS),
    (Commentary, "Commentary", ("text", "status", "return_reason")),
)
HISTORY_LIMIT = 200


def indicator_history(indicator: Indicator) -> list[HistoryEntry]:
    """Who changed the indicator's results, thresholds and commentary, when, old → new, why; newest first.

    One query per audited model.
    """
    entries = []
    for model, noun, fields in AUDITED:
        for record, previous in with_previous(model.history.filter(indicator_id=indicator.pk)):
            entries.append(_indicator_entry(record, previous, noun, fields))
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:HISTORY_LIMIT]


def _indicator_entry(record, previous, noun: str, fields: tuple[str, ...]) -> HistoryEntry:
    row = period_label(record.period) if hasattr(record, "period") else FinancialYear(record.financial_year).label
    # Rows bulk-loaded (the demo, imports) have no first record: their old value was never recorded.
    unknown = "not recorded" if previous is None and record.history_type == "~" else None
    changes = [
        FieldChange(capfirst(record._meta.get_field(c.field).verbose_name), unknown or shown(c.old), shown(c.new))
        for c in record_changes(record, previous, fields)
    ]
    what = f"{noun} {row} ({record.get_history_type_display().lower()})"
    return HistoryEntry(record.history_date, changed_by(record), record.history_change_reason or "", changes, what)
