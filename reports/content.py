"""What the paper says, assembled from a snapshot: the words both formats print.

The PDF template and the Word writer read the same `PaperContent`, so the two
formats cannot disagree. Pure Python over the snapshot dict (no ORM).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from indicators import wording
from indicators.spc import Assurance, Variation
from indicators.spc_chart import icon_parts, icon_words
from indicators.wording import (
    RagCounts,
    RedIndicator,
    counts_sentence,
    lower_first,
    red_paragraphs,
    red_summary,
    status_bullets,
)
from reports.charts import chart_description, chart_png, xmr_png

DATA_TO_BE_SUPPLIED = "Data to be supplied"
COMMENTARY_TO_BE_SUPPLIED = "Commentary to be supplied."
RAG_LABELS = {"green": "Green", "amber": "Amber", "red": "Red", "": "No RAG"}
DIRECTION_LABELS = {"improved": "Improved", "unchanged": "Unchanged", "worsened": "Worsened", "": "–"}
RANGE_LABELS = {"within": "Within", "above": "Above", "below": "Below", "": "–"}
POLARITY_LABELS = {"H": "H", "L": "L", "T": "T"}
KPI_COLUMNS = [
    "Ref",
    "Indicator",
    "Polarity",
    "Data period",
    "Latest value",
    "Month RAG",
    "YTD value",
    "YTD RAG",
    "Target",
    "Floor",
    "Previous year",
    "DoT",
    "Variation",
    "Assurance",
]
ACTIVITY_COLUMNS = [
    "Ref",
    "Indicator",
    "Latest value",
    "Lower threshold",
    "Upper threshold",
    "Within/Above/Below",
    "Previous year",
]
PROGRESS_CHARTS = (20, 50)
# The icons' words in the KPI table; the full labels (indicators/spc.py) are in each KPI's figures.
VARIATION_WORDS = {
    Variation.COMMON_CAUSE: "Common cause",
    Variation.IMPROVEMENT_HIGH: "Improvement (high)",
    Variation.IMPROVEMENT_LOW: "Improvement (low)",
    Variation.CONCERN_HIGH: "Concern (high)",
    Variation.CONCERN_LOW: "Concern (low)",
    Variation.NEUTRAL_HIGH: "Special cause (high)",
    Variation.NEUTRAL_LOW: "Special cause (low)",
    Variation.NONE: "Not enough data",
}
ASSURANCE_WORDS = {
    Assurance.PASS: "Consistently passes",
    Assurance.FAIL: "Consistently fails",
    Assurance.HIT_AND_MISS: "Hit and miss",
    Assurance.NONE: "–",
}
KPI_VARIATION_COLUMN = KPI_COLUMNS.index("Variation")
ACTION_COLUMNS = ["Action", "Owner", "Due", "Status"]
NO_OPEN_ACTION = "There is no open improvement action."
OTHER_INDICATORS = "Other indicators"


@dataclass(frozen=True)
class Icon:
    """A variation or assurance icon as the paper draws it: a letter in a coloured ring, then words."""

    value: str  # the Variation or Assurance value, e.g. "concern_low"
    colour: str
    letter: str


def icon(value: Variation | Assurance) -> Icon | None:
    parts = icon_parts(value)
    return None if parts is None else Icon(value.value, *parts)


@dataclass
class Section:
    """One indicator's page in the appendix."""

    item: dict
    is_kpi: bool
    chart: bytes | None
    chart_alt: str
    figures: list[tuple[str, str]]
    commentary: str | None
    xmr_chart: bytes | None = None
    xmr_alt: str = ""
    actions: list[list[str]] | None = None  # None: the section shows no actions (see `shows_actions`)


@dataclass
class KpiGroup:
    """The KPI table's rows under one heading: a council plan priority, or "" when not grouped."""

    heading: str
    rows: list[list[str]]
    icons: list[tuple[Icon | None, Icon | None]]


@dataclass
class PaperContent:
    snapshot: dict
    summary: list[str]
    introduction: str
    dashboard_paragraphs: list[str]
    bullets_lead: str
    bullets: list[str]
    red_paragraphs: list[str]
    kpi_rows: list[list[str]]
    activity_rows: list[list[str]]
    sections: list[Section] = field(default_factory=list)
    kpi_icons: list[tuple[Icon | None, Icon | None]] = field(default_factory=list)  # beside each row's words
    kpi_groups: list[KpiGroup] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.snapshot["settings"]["subject"]

    @property
    def settings(self) -> dict:
        return self.snapshot["settings"]


def _value(item: dict, key: str = "value_text") -> str:
    return DATA_TO_BE_SUPPLIED if item["value"] is None else item[key]


def _latest(item: dict) -> str:
    """The latest value, with its month when it is not the paper's (as the page notes it under the value).

    A paper made before `value_status` was in its snapshot gave the month only for a stale value. A figure
    too old for the row (the page's "Last reported: October 2017") is data to be supplied, last reported then.
    """
    if item["value"] is None:
        last = item.get("last_reported_label")
        return f"{DATA_TO_BE_SUPPLIED} (last reported {last})" if last else DATA_TO_BE_SUPPLIED
    own_month = item.get("value_status", "stale" if item["stale"] else "current") == "current"
    return item["value_text"] if own_month else f"{item['value_text']} ({item['period_label']})"


def kpi_row(item: dict) -> list[str]:
    return [
        item["code"],
        item["name"],
        POLARITY_LABELS.get(item["polarity"], item["polarity"]),
        item["data_period"],
        _latest(item),
        RAG_LABELS[item["month_rag"]],
        _value(item, "ytd_value_text"),
        RAG_LABELS[item["ytd_rag"]],
        item["target_text"],
        item["floor_text"],
        item["previous_year_text"],
        item.get("direction_text") or DIRECTION_LABELS[item["direction"]],
        *spc_words(item),
    ]


def _spc_values(item: dict) -> tuple[Variation, Assurance]:
    spc = item.get("spc")  # a schema 1 paper has none
    return (Variation(spc["variation"]), Assurance(spc["assurance"])) if spc else (Variation.NONE, Assurance.NONE)


def spc_words(item: dict) -> list[str]:
    """The Variation and Assurance cells: the icons' words, or why there are none."""
    if "spc" not in item:  # a paper made before SPC: say nothing rather than "not enough data"
        return ["–", "–"]
    if item["value"] is None:
        return [DATA_TO_BE_SUPPLIED, ASSURANCE_WORDS[Assurance.NONE]]
    variation, assurance = _spc_values(item)
    return [VARIATION_WORDS[variation], ASSURANCE_WORDS[assurance]]


def kpi_icons(item: dict) -> tuple[Icon | None, Icon | None]:
    variation, assurance = _spc_values(item)
    return icon(variation), icon(assurance)


def _spc_figures(item: dict) -> list[tuple[str, str]]:
    spc = item.get("spc")
    if not spc:
        return [] if "spc" not in item else [("Variation (SPC)", DATA_TO_BE_SUPPLIED)]
    keys = ("variation", "variation_label", "assurance", "assurance_label", "reason")
    variation, assurance = icon_words(**{key: spc[key] for key in keys})
    return [("Variation (SPC)", variation), ("Assurance (SPC)", assurance)]


def activity_row(item: dict) -> list[str]:
    return [
        item["code"],
        item["name"],
        _latest(item),
        item["lower_text"],
        item["upper_text"],
        RANGE_LABELS[item["range"]] if item["value"] is not None else DATA_TO_BE_SUPPLIED,
        item["previous_year_text"],
    ]


def section_figures(item: dict, is_kpi: bool) -> list[tuple[str, str]]:
    period = item["period_label"] or DATA_TO_BE_SUPPLIED
    if is_kpi:
        return [
            ("Latest period", period),
            ("Latest value", _value(item)),
            ("Month RAG", RAG_LABELS[item["month_rag"]]),
            ("Year to date", _value(item, "ytd_value_text")),
            ("YTD RAG", RAG_LABELS[item["ytd_rag"]]),
            ("Target", item["target_text"]),
            ("Floor standard", item["floor_text"]),
            ("Same period last year", item["previous_year_text"]),
            ("Direction of travel", item.get("direction_text") or DIRECTION_LABELS[item["direction"]]),
            *_spc_figures(item),
        ]
    return [
        ("Latest period", period),
        ("Latest value", _value(item)),
        ("Lower threshold", item["lower_text"]),
        ("Upper threshold", item["upper_text"]),
        ("Expected range", RANGE_LABELS[item["range"]] if item["value"] is not None else DATA_TO_BE_SUPPLIED),
        ("Same period last year", item["previous_year_text"]),
    ]


def _commentary(item: dict) -> str | None:
    if item["commentary"]:
        return item["commentary"]
    return COMMENTARY_TO_BE_SUPPLIED if item["rag"] in ("red", "amber") or item["value"] is None else None


def _is_concern(item: dict) -> bool:
    return bool(item.get("spc")) and item["spc"]["variation"].startswith("concern")


def shows_actions(item: dict) -> bool:
    """A KPI's section lists its open improvement actions when it is off track: Red, Amber (the
    target missed) or a special cause of concern on its SPC chart. Never for a paper made before
    actions were in the snapshot (it has no "actions")."""
    return "actions" in item and (item["rag"] in ("red", "amber") or _is_concern(item))


def action_rows(item: dict) -> list[list[str]]:
    return [[a["title"], a["owner"], a["due_label"], a["status_label"]] for a in item["actions"]]


def action_sentence(item: dict) -> str:
    """What the cover report says after a Red KPI's commentary, e.g. "Action: … (owner, due 31 January
    2020)." for each open action, or that there is none; "" for a paper made before actions."""
    if "actions" not in item:
        return ""
    if not item["actions"]:
        return NO_OPEN_ACTION
    return " ".join(f"Action: {a['title']} ({a['owner']}, due {a['due_label']})." for a in item["actions"])


def _priority_heading(priority: dict, plans: int) -> str:
    heading = f"{priority['number']}. {priority['title']}"
    return f"{priority['plan']} – {heading}" if plans > 1 else heading


def kpi_groups(snapshot: dict, rows: list[list[str]], icons: list) -> list[KpiGroup]:
    """The KPI table as one group, or (when the paper's settings say so) one per council plan priority,
    in plan order, a KPI under every priority it supports, then "Other indicators" for the rest."""
    icons = icons or [(None, None)] * len(rows)
    if not snapshot["settings"].get("group_by_priority") or "priorities" not in snapshot:
        return [KpiGroup("", rows, icons)]
    index = {item["code"]: i for i, item in enumerate(snapshot["kpis"])}
    priorities = snapshot["priorities"]
    plans = len({priority["plan"] for priority in priorities})
    groups, placed = [], set()
    for priority in priorities:
        at = [index[code] for code in priority["codes"] if code in index]
        if at:
            placed.update(at)
            groups.append(KpiGroup(_priority_heading(priority, plans), [rows[i] for i in at], [icons[i] for i in at]))
    rest = [i for i in range(len(rows)) if i not in placed]
    if rest:
        groups.append(KpiGroup(OTHER_INDICATORS, [rows[i] for i in rest], [icons[i] for i in rest]))
    return groups


def _sections(snapshot: dict, progress) -> list[Section]:
    items = [(item, True) for item in snapshot["kpis"]] + [(item, False) for item in snapshot["activities"]]
    sections = []
    start, end = PROGRESS_CHARTS
    for index, (item, is_kpi) in enumerate(items, start=1):
        sections.append(
            Section(
                item=item,
                is_kpi=is_kpi,
                chart=chart_png(item["chart"], is_kpi=is_kpi),
                chart_alt=chart_description(item, is_kpi=is_kpi),
                figures=section_figures(item, is_kpi),
                commentary=_commentary(item) if is_kpi else None,
                xmr_chart=xmr_png(item["spc"]) if is_kpi and item.get("spc") else None,
                xmr_alt=item["spc"]["description"] if is_kpi and item.get("spc") else "",
                actions=action_rows(item) if is_kpi and shows_actions(item) else None,
            )
        )
        if index % 5 == 0:
            progress(start + (end - start) * index // len(items))
    return sections


def _dashboard_paragraphs(snapshot: dict) -> list[str]:
    n, directorate = len(snapshot["kpis"]), snapshot["directorate"]
    kpi_words = f"{n} Key Performance Indicator{'' if n == 1 else 's'} (KPIs)"
    second = f"The Dashboard provides a progress report on performance against target for the {kpi_words} for "
    second += f"{snapshot['financial_year']}."
    if snapshot["settings"]["targets_note"]:
        second += f" {snapshot['settings']['targets_note']}"
    if snapshot["activities"]:
        second += " The Dashboard also includes a range of activity indicators which help give context to the KPIs."
    return [
        f"The current {directorate} Performance dashboard provides results up to the end of "
        f"{snapshot['period_label']}, or the latest available month and is attached in Appendix 1.",
        second,
        "KPIs are presented with RAG (Red/Amber/Green) alerts to show progress against targets. Details of how "
        "the alerts are generated are outlined in the Guidance Notes, included with the Dashboard in Appendix 1.",
    ]


def spc_sentence(kpis: list[dict]) -> str:
    """The cover report's SPC sentence: the dashboard's (`wording.spc_sentence`), naming the KPIs of concern.

    E.g. "Of the 25 KPIs, 2 show special cause concern (the … and the …), …"; "" for a paper made before SPC.
    """
    if all("spc" not in item for item in kpis):
        return ""  # no KPIs, or a paper made before SPC
    icons = [(item["spc"]["variation"], item["spc"]["assurance"]) if item.get("spc") else ("", "") for item in kpis]
    # The Red ones first: the concern councillors will ask about.
    concern = sorted(
        (item for item in kpis if item.get("spc") and item["spc"]["variation"].startswith("concern")),
        key=lambda item: (item["rag"] != "red", item["code"]),
    )
    return wording.spc_sentence(wording.SpcCounts.of(icons), [f"the {lower_first(item['name'])}" for item in concern])


def paper_content(snapshot: dict, progress=lambda percent: None) -> PaperContent:
    counts = RagCounts(**snapshot["counts"])
    red_items = [item for item in snapshot["kpis"] if item["rag"] == "red"]
    reds = [RedIndicator(item["name"], item["commentary"]) for item in red_items]
    lead, bullets = status_bullets(counts)
    summary = [snapshot["settings"]["summary_intro"], counts_sentence(counts)]
    if counts.total:
        summary[-1] += " " + red_summary(reds)
    if sentence := spc_sentence(snapshot["kpis"]):
        summary.append(sentence)
    # Each Red KPI's paragraph 2.5 names its actions after its commentary.
    paragraphs = [
        f"{paragraph}\n{action}" if (action := action_sentence(item)) else paragraph
        for paragraph, item in zip(red_paragraphs(reds), red_items, strict=True)
    ]
    rows = [kpi_row(item) for item in snapshot["kpis"]]
    icons = [kpi_icons(item) for item in snapshot["kpis"]]
    return PaperContent(
        snapshot=snapshot,
        summary=summary,
        introduction=snapshot["settings"]["introduction"],
        dashboard_paragraphs=_dashboard_paragraphs(snapshot),
        bullets_lead=lead,
        bullets=bullets,
        red_paragraphs=paragraphs,
        kpi_rows=rows,
        kpi_icons=icons,
        kpi_groups=kpi_groups(snapshot, rows, icons),
        activity_rows=[activity_row(item) for item in snapshot["activities"]],
        sections=_sections(snapshot, progress),
    )
