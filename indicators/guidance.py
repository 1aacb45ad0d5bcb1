"""The Guidance Notes that open every dashboard and committee paper.

Written from the rules actually in use on the dashboard, so the notes can
never say one thing while the ratings do another: an indicator on tolerance
bands gets the tolerance sentences, with the references it applies to.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from indicators import wording
from indicators.dashboard import Dashboard, KpiRow
from indicators.models import DirectionBasis
from indicators.rules import Polarity, Rag, Scheme, describe_polarity, describe_rule
from indicators.wording import RagCounts, SpcCounts, spc_sentence  # noqa: F401 - spc_sentence for the views

DATA_ONLY = "Data only – reported for information, not RAG rated"
NO_RAG = "No RAG – data not available, or no target set (missing data is never rated Red)"

DATA_PERIODS = [
    ("MS", "Monthly snapshot: the figure for the month shown"),
    ("YTD", "Year to date: the financial year so far, from April"),
    ("R12M", "Rolling 12 months: the 12 months up to the month shown"),
    ("Q", "Quarterly: the quarter ending in the month shown"),
    ("A", "Annual: the financial year ending in March"),
]

DIRECTION_TEXT = {
    DirectionBasis.PREVIOUS_PERIOD: "the previous reporting period (month, quarter or year)",
    DirectionBasis.SAME_PERIOD_LAST_YEAR: "the same period last year",
}

ACTIVITY_TEXT = (
    "Activity indicators give context to the KPIs: they measure demand, not performance, and have no "
    "target or RAG. Their upper and lower thresholds show the range activity is expected to fall within, "
    "based on past trends, and each result is shown as within, above or below that expected range."
)


@dataclass(frozen=True)
class RatingNote:
    """The RAG sentences for one rule, and the indicators it applies to."""

    sentences: list[tuple[Rag, str]]
    codes: list[str]


@dataclass(frozen=True)
class Guidance:
    ratings: list[RatingNote]
    polarities: list[tuple[str, str]]
    direction: str
    data_periods: list[tuple[str, str]]
    activity: str

    @property
    def single_rule(self) -> bool:
        return len(self.ratings) == 1


def guidance_notes(dashboard: Dashboard) -> Guidance:
    groups: dict[tuple, list[str]] = {}
    for row in dashboard.kpis:
        if row.rule is None:
            continue
        rule = row.rule
        sentences = describe_rule(
            rule.scheme, rule.polarity, rule.green_tolerance, rule.amber_tolerance, rule.tolerance_unit
        )
        key = tuple((rag, text) for rag, text in sentences.items())
        groups.setdefault(key, []).append(row.indicator.code)
    ratings = [
        RatingNote(sentences=[*key, (Rag.NONE, NO_RAG)] if key else [(Rag.NONE, DATA_ONLY)], codes=codes)
        for key, codes in groups.items()
    ]
    used = {row.indicator.polarity for row in dashboard.kpis}
    polarities = [(p.value, describe_polarity(p)) for p in Polarity if p.value in used]
    codes_used = {row.indicator.data_period for row in dashboard.rows}
    return Guidance(
        ratings=ratings,
        polarities=polarities,
        direction=direction_note(dashboard.direction_basis),
        data_periods=[(code, text) for code, text in DATA_PERIODS if code in codes_used],
        activity=ACTIVITY_TEXT,
    )


def direction_note(basis: str) -> str:
    """The Guidance Notes' paragraph on the committee's direction of travel."""
    if basis == DirectionBasis.SPC:
        return (
            "Direction of travel is statistical (SPC): it says whether the latest result is a real change rather "
            "than a month-on-month arrow, which moves with ordinary variation. Improving means a special cause "
            "improvement on the indicator's XmR chart (a value beyond its process limits, a run of 7 on one side "
            "of its average, 7 rising or falling in a row, or two of three near a limit, on the better side); "
            "concerning means the same on the worse side; no significant change means common cause variation. "
            "With fewer than 13 values there is no direction."
        )
    text = DIRECTION_TEXT.get(basis, DIRECTION_TEXT[DirectionBasis.PREVIOUS_PERIOD])
    return (
        f"Direction of travel compares the latest result with {text}: improved, unchanged or worsened, "
        "taking the indicator's polarity into account (for a lower-is-better indicator a fall is an "
        "improvement)."
    )


def _count(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def rag_summary(ratings: list[Rag]) -> str:
    """One line for lists, from the KPIs' month ratings: '21 of 25 KPIs Green, 3 Amber, 1 Red'."""
    total = len(ratings)
    if not total:
        return "No KPIs"
    counts = Counter(ratings)
    line = (
        f"{counts[Rag.GREEN]} of {_count(total, 'KPI', 'KPIs')} Green, {counts[Rag.AMBER]} Amber, {counts[Rag.RED]} Red"
    )
    unrated = counts[Rag.NONE]
    return f"{line}, {unrated} not rated" if unrated else line


def rag_counts(dashboard: Dashboard) -> RagCounts:
    """The KPIs by the rating the cover report counts; unrated ones by why."""
    tally = dict.fromkeys(("green", "amber", "red", "unrated", "untargeted", "information"), 0)
    for row in dashboard.kpis:
        tally[row.rag.value if row.rag is not Rag.NONE else _unrated_reason(row)] += 1
    rated_schemes = {row.rule.scheme for row in dashboard.kpis if row.rule is not None and row.rag is not Rag.NONE}
    return RagCounts(**tally, floor_scheme=rated_schemes <= {Scheme.FLOOR})


def _unrated_reason(row: KpiRow) -> str:
    if row.value is None:
        return "unrated"  # no figure: data to be supplied
    if row.rule is not None and row.rule.scheme == Scheme.DATA_ONLY:
        return "information"
    return "untargeted"


def counts_sentence(dashboard: Dashboard) -> str:
    """The cover report's counts sentence, e.g. "21 of the 25 KPIs achieved target and …"."""
    return wording.counts_sentence(rag_counts(dashboard))


def spc_counts(dashboard: Dashboard) -> SpcCounts:
    return SpcCounts.of((row.variation.value, row.assurance.value) for row in dashboard.kpis)
