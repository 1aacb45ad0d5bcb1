"""A return's audit trail (who, when, old → new, why) from django-simple-history and its `diff_against`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from indicators.models import Commentary, CommentaryStatus, Indicator, Result

_FIELDS = {
    Result: {"value": "Value", "numerator": "Numerator", "denominator": "Denominator"},
    Commentary: {"text": "Commentary", "status": "Status", "return_reason": "Reason for returning"},
}
_SAME_SAVE = timedelta(seconds=2)


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: datetime
    who: str
    reason: str
    changes: list[FieldChange] = field(default_factory=list)


def _show(indicator: Indicator, name: str, value) -> str:
    if value is None or value == "":
        return ""
    if name == "value":
        return indicator.format(value)
    if name == "status":
        return CommentaryStatus(value).label
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def _changes(model, indicator: Indicator, record, previous) -> list[FieldChange]:
    """What this save changed, by simple-history's own diff, in the page's order of fields."""
    labels = _FIELDS[model]
    # The first save is diffed against a record with every field empty, and lists only what it set.
    before = previous or model.history.model(**dict.fromkeys(labels))
    changes = record.diff_against(before, included_fields=labels).changes
    order = list(labels)
    return [
        FieldChange(labels[c.field], _show(indicator, c.field, c.old), _show(indicator, c.field, c.new))
        for c in sorted(changes, key=lambda c: order.index(c.field))
        if previous or c.new not in (None, "")
    ]


def _entries(model, indicator: Indicator, period: date) -> list[HistoryEntry]:
    records = model.history.filter(indicator_id=indicator.pk, period=period).select_related("history_user")
    entries, previous = [], None
    for record in records.order_by("history_date", "history_id"):
        changes = _changes(model, indicator, record, previous)
        previous = record
        user = record.history_user
        who = (user.get_full_name() or user.get_username()) if user else "System"
        if changes or record.history_change_reason:
            entries.append(HistoryEntry(record.history_date, who, record.history_change_reason or "", changes))
    return entries


def return_history(indicator: Indicator, period: date) -> list[HistoryEntry]:
    """Newest first; a result and commentary saved together show as one entry."""
    merged: list[HistoryEntry] = []
    entries = sorted(
        _entries(Result, indicator, period) + _entries(Commentary, indicator, period), key=lambda e: e.when
    )
    for entry in entries:
        last = merged[-1] if merged else None
        if last and last.who == entry.who and last.reason == entry.reason and entry.when - last.when < _SAME_SAVE:
            last.changes.extend(entry.changes)
        else:
            merged.append(entry)
    return merged[::-1]
