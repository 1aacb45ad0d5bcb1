"""What changed between a paper's snapshot and a fresh one of the same committee and period.

Pure Python over two snapshot dicts (reports/snapshot.py builds both), so the
paper page, the addendum and its tests agree on what counts as a change:

- a **figure** changed when an indicator's row shows something else now: its
  month, latest value, month or year-to-date RAG, year-to-date value,
  direction of travel or previous-year value (for an activity indicator: its
  month, value, expected range or previous-year value). A target or floor
  that moved counts only through the RAG it changed; it is then listed beside
  it. SPC icons and charts are not compared: the fresh snapshot is built
  without the SPC history (reports.addenda.fresh_snapshot), to stay cheap.
- **commentary** changed when the approved text shown for a KPI differs: edited,
  withdrawn (no longer approved) or newly approved.

Indicators are matched by reference and kept in the paper's order; one that
joined or left the committee since is not a change of the paper's figures.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reports.content import DATA_TO_BE_SUPPLIED, DIRECTION_LABELS, RAG_LABELS, RANGE_LABELS

Item = dict[str, Any]
Field = tuple[str, Callable[[Item], str]]

COMMENTARY_KINDS = {
    "edited": "Edited",
    "withdrawn": "Withdrawn (no longer approved)",
    "approved": "Newly approved",
}


def _shown(item: Item, key: str) -> str:
    return DATA_TO_BE_SUPPLIED if item["value"] is None else item[key]


def _month(item: Item) -> str:
    return item["period_label"] or DATA_TO_BE_SUPPLIED


def _direction(item: Item) -> str:
    return item.get("direction_text") or DIRECTION_LABELS[item["direction"]]


def _range(item: Item) -> str:
    return RANGE_LABELS[item["range"]] if item["value"] is not None else DATA_TO_BE_SUPPLIED


# (label, what the paper prints): the fields whose change makes a figure change ...
KPI_FIGURES: list[Field] = [
    ("Month", _month),
    ("Latest value", lambda item: _shown(item, "value_text")),
    ("Month RAG", lambda item: RAG_LABELS[item["month_rag"]]),
    ("YTD value", lambda item: _shown(item, "ytd_value_text")),
    ("YTD RAG", lambda item: RAG_LABELS[item["ytd_rag"]]),
    ("Direction of travel", _direction),
    ("Previous year", lambda item: item["previous_year_text"]),
]
# ... and those listed beside them when they moved too.
KPI_CONTEXT: list[Field] = [
    ("Target", lambda item: item["target_text"]),
    ("Floor", lambda item: item["floor_text"]),
]
ACTIVITY_FIGURES: list[Field] = [
    ("Month", _month),
    ("Latest value", lambda item: _shown(item, "value_text")),
    ("Expected range", _range),
    ("Previous year", lambda item: item["previous_year_text"]),
]
ACTIVITY_CONTEXT: list[Field] = [
    ("Lower threshold", lambda item: item["lower_text"]),
    ("Upper threshold", lambda item: item["upper_text"]),
]


def _differences(old: Item, new: Item, fields: list[Field]) -> list[list[str]]:
    return [[label, shown(old), shown(new)] for label, shown in fields if shown(old) != shown(new)]


def _figure(old: Item, new: Item, is_kpi: bool) -> Item | None:
    figures, context = (KPI_FIGURES, KPI_CONTEXT) if is_kpi else (ACTIVITY_FIGURES, ACTIVITY_CONTEXT)
    changed = _differences(old, new, figures)
    if not changed:
        return None
    return {
        "code": new["code"],
        "name": old["name"],
        "kind": "kpi" if is_kpi else "activity",
        "month": _month(new),
        "old_value": _latest(old, with_month=old["period"] != new["period"]),
        "new_value": _latest(new, with_month=old["period"] != new["period"]),
        "old_rag": RAG_LABELS[old["rag"]] if is_kpi else _range(old),
        "new_rag": RAG_LABELS[new["rag"]] if is_kpi else _range(new),
        "fields": changed + _differences(old, new, context),
    }


def _latest(item: Item, *, with_month: bool) -> str:
    """The value, with its month when the month is part of what changed (a late figure for a stale row)."""
    if item["value"] is None:
        return DATA_TO_BE_SUPPLIED
    return f"{item['value_text']} ({item['period_label']})" if with_month else item["value_text"]


def _commentary(old: Item, new: Item) -> Item | None:
    before, after = old.get("commentary"), new.get("commentary")
    if before == after:
        return None
    kind = "approved" if before is None else "withdrawn" if after is None else "edited"
    return {
        "code": new["code"],
        "name": old["name"],
        "month": _month(new),
        "kind": kind,
        "kind_label": COMMENTARY_KINDS[kind],
        "old": before,
        "new": after,
    }


def snapshot_changes(old: dict, new: dict) -> dict[str, list[Item]]:
    """The figures and commentary of the paper (`old`) that read differently now (`new`)."""
    figures, commentary = [], []
    for key, is_kpi in (("kpis", True), ("activities", False)):
        fresh = {item["code"]: item for item in new[key]}
        for item in old[key]:
            if (now := fresh.get(item["code"])) is None:
                continue
            if (figure := _figure(item, now, is_kpi)) is not None:
                figures.append(figure)
            if is_kpi and (note := _commentary(item, now)) is not None:
                commentary.append(note)
    return {"figures": figures, "commentary": commentary}


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def changes_sentence(changes: dict[str, list[Item]], since: str = "this paper was generated") -> str:
    """ "3 figures and the approved commentary of 1 indicator changed since this paper was generated." """
    figures, commentary = len(changes["figures"]), len(changes["commentary"])
    parts = []
    if figures:
        parts.append(_count(figures, "figure", "figures"))
    if commentary:
        parts.append(f"the approved commentary of {_count(commentary, 'indicator', 'indicators')}")
    if not parts:
        return f"Nothing has changed since {since}."
    sentence = " and ".join(parts)
    return f"{sentence[0].upper()}{sentence[1:]} changed since {since}."


def has_changes(changes: dict[str, list[Item]]) -> bool:
    return bool(changes["figures"] or changes["commentary"])
