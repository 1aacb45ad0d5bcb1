"""A return's audit trail (who, when, old → new, why), from the indicator history's pieces (indicators/history.py)."""

from __future__ import annotations

from datetime import date, timedelta

from indicators.history import FieldChange, HistoryEntry, changed_by, record_changes, shown, with_previous
from indicators.models import Commentary, CommentaryStatus, Indicator, Result

_FIELDS = {
    Result: {"value": "Value", "numerator": "Numerator", "denominator": "Denominator"},
    Commentary: {"text": "Commentary", "status": "Status", "return_reason": "Reason for returning"},
}
_SAME_SAVE = timedelta(seconds=2)


def _show(indicator: Indicator, name: str, value) -> str:
    if value not in (None, "") and name in ("value", "status"):
        return indicator.format(value) if name == "value" else CommentaryStatus(value).label
    return shown(value)


def _entries(model, indicator: Indicator, period: date) -> list[HistoryEntry]:
    labels = _FIELDS[model]
    entries = []
    for record, previous in with_previous(model.history.filter(indicator_id=indicator.pk, period=period)):
        changes = [
            FieldChange(labels[c.field], _show(indicator, c.field, c.old), _show(indicator, c.field, c.new))
            for c in record_changes(record, previous, list(labels))
        ]
        if changes or record.history_change_reason:
            entries.append(
                HistoryEntry(record.history_date, changed_by(record), record.history_change_reason or "", changes)
            )
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
