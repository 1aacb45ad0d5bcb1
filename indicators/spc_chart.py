"""The XmR (statistical process control) chart on the indicator page, as accessible SVG.

`indicator_xmr` builds an `XmrChart` from an indicator's already-fetched
results and thresholds (no database access) by running `spc.xmr` over every
reporting period up to the one shown; `render_xmr_svg` draws it as an
`<svg role="img">` with a `<title>` and `<desc>`, and `XmrChart.rows` gives the
table alternative with each point's signal. Special-cause points differ by
colour *and* shape (Making Data Count colours; each marker has a dark outline so
it stands out from the white background whatever its colour): grey circle common
cause, blue square improvement, orange triangle concern, purple diamond neutral.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from html import escape

from indicators.charts import AXIS, GREEN, HEIGHT, LEFT, RIGHT, TEXT, TOP, WIDTH, Frame, y_ticks
from indicators.periods import Frequency, period_label, reporting_periods, threshold_for
from indicators.rules import Polarity
from indicators.spc import (
    Assurance,
    Cause,
    PhaseLimits,
    Rule,
    SpcPoint,
    SpcResult,
    Variation,
    target_assurance,
    xmr,
)
from indicators.units import Unit
from indicators.wording import join_words

NHS_BLUE, NHS_ORANGE, NHS_GREY, NHS_PURPLE = "#005EB8", "#ED8B00", "#768692", "#330072"
LIMIT_GREY = "#425563"
BOTTOM = 110  # room for two rows of legend under the x axis

# Cause → (colour, shape, legend label). None is a month without a value (no marker).
MARKERS = {
    Cause.COMMON: (NHS_GREY, "circle", "Common cause"),
    Cause.IMPROVEMENT: (NHS_BLUE, "square", "Special cause improvement"),
    Cause.CONCERN: (NHS_ORANGE, "triangle", "Special cause concern"),
    Cause.NEUTRAL: (NHS_PURPLE, "diamond", "Special cause, neither better nor worse"),
}
RULE_TEXT = {
    Rule.OUTSIDE_LIMITS: "beyond a process limit",
    Rule.SHIFT: "a run on one side of the mean",
    Rule.TREND: "a run rising or falling",
    Rule.TWO_OF_THREE: "two of three near a process limit",
}
CAUSE_TEXT = {
    Cause.COMMON: "Common cause",
    Cause.IMPROVEMENT: "Improvement",
    Cause.CONCERN: "Concern",
    Cause.NEUTRAL: "Special cause",
}


@dataclass(frozen=True)
class XmrChart:
    title: str
    periods: list[date]
    result: SpcResult
    target: Decimal | None
    format: Callable[[Decimal | None], str]
    description: str = ""
    phase_notes: list[str] = field(default_factory=list)  # "Phase 2 from April 2019: <reason>"
    gap_note: str = ""  # the reporting periods without a value, and what the chart does about them
    bounds: tuple[Decimal, Decimal] | None = None  # the values' possible range: a percentage's 0 to 100

    @property
    def phases(self) -> tuple[PhaseLimits, ...]:
        """Each phase's lines as drawn and written: within `bounds`, where the computed ones can pass them.

        The rules and the assurance icon keep the computed limits (`result`), as NHSRplotthedots does.
        """
        if self.bounds is None:
            return self.result.phases
        (low, high), lines = self.bounds, ("upper_limit", "lower_limit", "upper_two_sigma", "lower_two_sigma")
        return tuple(
            replace(
                phase, **{name: min(max(v, low), high) for name in lines if (v := getattr(phase, name)) is not None}
            )
            for phase in self.result.phases
        )

    @property
    def rows(self) -> list[tuple[str, str, str]]:
        """(period, value, signal) as text, for the table alternative."""
        return [(period_label(p.period), self.format(p.value), point_signal(p)) for p in self.result.points]


def point_signal(point: SpcPoint) -> str:
    """e.g. "Concern: beyond a process limit, a run on one side of the mean"; "No value" for a gap."""
    if point.cause is None:
        return "No value"
    if point.cause is Cause.COMMON:
        return "Common cause"
    rules = ", ".join(RULE_TEXT[rule] for rule in Rule if rule in point.rules)
    return f"{CAUSE_TEXT[point.cause]} ({point.side}): {rules}"


# --- building ---------------------------------------------------------------------


def indicator_xmr(
    indicator, results: Iterable, thresholds: Iterable, period: date, phases: Iterable = ()
) -> XmrChart | None:
    """The XmR chart of every reporting period from the first value to `period`; None without values.

    The target (for the assurance icon) is the financial year's target of a KPI. `phases` are
    the indicator's `Phase` rows (start, reason); one starting outside the chart is left out.
    """
    recorded = sorted((r for r in results if r.period <= period and r.value is not None), key=lambda r: r.period)
    if not recorded:
        return None
    values = {r.period: r.value for r in recorded}
    periods = reporting_periods(Frequency(indicator.frequency), recorded[0].period, period)
    threshold = threshold_for(thresholds, period)
    target = threshold.target if threshold is not None and indicator.is_kpi else None
    bounded = indicator.unit == Unit.PERCENTAGE and not indicator.allow_out_of_range  # the validators' 0–100
    shown = sorted((p for p in phases if periods[0] < p.start <= periods[-1]), key=lambda p: p.start)
    result = xmr(
        [(p, values.get(p)) for p in periods],
        polarity=Polarity(indicator.polarity),
        target=target,
        phase_starts=[bisect_left(periods, p.start) for p in shown],
    )
    chart = XmrChart(
        title=f"{indicator.code} {indicator.name}: statistical process control (XmR) chart",
        periods=periods,
        result=result,
        target=target,
        format=indicator.format,
        phase_notes=[f"Phase {n} from {period_label(p.start)}: {p.reason}" for n, p in enumerate(shown, start=2)],
        gap_note=gap_note([p for p in periods if p not in values], Frequency(indicator.frequency)),
        bounds=(Decimal(0), Decimal(100)) if bounded else None,
    )
    return replace(chart, description=_description(chart))


GAP_NOUNS = {Frequency.MONTHLY: "month", Frequency.QUARTERLY: "quarter", Frequency.ANNUAL: "year"}


def gap_note(missing: list[date], frequency: Frequency) -> str:
    """What the chart does with reporting periods that have no value, e.g. "No value for July 2019: …"; "" for none.

    Making Data Count's charts use the points they have: a gap is left out of the mean and the
    limits, no moving range spans it, and a run carries on over it (`indicators.spc`).
    """
    if not missing:
        return ""
    labels = [period_label(p) for p in missing]
    if len(missing) == 1:
        which = labels[0]
    elif len(missing) <= 3:
        which = f"{len(missing)} {GAP_NOUNS[frequency]}s ({join_words(labels)})"
    else:
        which = f"{len(missing)} {GAP_NOUNS[frequency]}s (the first {labels[0]}, the latest {labels[-1]})"
    return (
        f"No value for {which}: the chart uses the values it has, with no moving range across a gap, "
        "and a gap neither breaks nor extends a run."
    )


@dataclass(frozen=True)
class TargetAssurance:
    """What a proposed target means at current performance: the assurance icon it would get, in words."""

    assurance: Assurance
    text: str


def proposed_target_assurance(indicator, results: Iterable, phases: Iterable, target: Decimal) -> TargetAssurance:
    """Where `target` sits against the indicator's current process limits (its XmR chart to its latest value).

    Informational, for whoever sets targets: the thresholds form and the import preview say it,
    and never refuse a target for it.
    """
    results = list(results)
    latest = max((r.period for r in results if r.value is not None), default=None)
    chart = indicator_xmr(indicator, results, (), latest, phases) if latest is not None else None
    if chart is None:
        return TargetAssurance(Assurance.NONE, "Not enough data: no values yet to compare the target with.")
    result, fmt = chart.result, indicator.format
    if result.variation is Variation.NONE:
        return TargetAssurance(Assurance.NONE, result.reason)
    polarity = Polarity(indicator.polarity)
    if polarity is Polarity.TARGET:
        return TargetAssurance(Assurance.NONE, "No assurance for an indicator that aims to stay close to its target.")
    assurance = target_assurance(result, target, polarity)
    phase = chart.phases[-1]
    limits = (
        f"the current process limits ({fmt(phase.lower_limit)} to {fmt(phase.upper_limit)}, "
        f"from the values to {period_label(chart.periods[-1])})"
    )
    if assurance is Assurance.HIT_AND_MISS:
        return TargetAssurance(
            assurance, f"A target of {fmt(target)} is inside {limits}: hit and miss at current performance."
        )
    side = "above" if phase.upper_limit is not None and target > phase.upper_limit else "below"
    outcome = (
        "it will consistently fail unless the process changes"
        if assurance is Assurance.FAIL
        else "it will consistently pass at current performance"
    )
    return TargetAssurance(assurance, f"A target of {fmt(target)} is {side} {limits}: {outcome}.")


def _description(chart: XmrChart) -> str:
    result, fmt = chart.result, chart.format
    first, last = period_label(chart.periods[0]), period_label(chart.periods[-1])
    recorded = sum(p.value is not None for p in result.points)
    sentences = [f"{recorded} value{'' if recorded == 1 else 's'} from {first} to {last}."]
    phase = chart.phases[-1]
    if phase.upper_limit is not None:
        trial = "trial " if phase.trial else ""
        sentences.append(
            f"Mean {fmt(phase.mean)}, {trial}process limits {fmt(phase.lower_limit)} to {fmt(phase.upper_limit)}"
            + (
                f" (phase {len(result.phases)}, from {period_label(chart.periods[phase.start])})."
                if len(result.phases) > 1
                else "."
            )
        )
    if chart.target is not None:
        sentences.append(f"Target {fmt(chart.target)}.")
    if result.variation is not Variation.NONE:
        sentences.append(f"Variation: {result.variation.label}.")
    if result.assurance is not Assurance.NONE:
        sentences.append(f"Assurance: {result.assurance.label}.")
    if result.reason:
        sentences.append(result.reason)
    if chart.gap_note:
        sentences.append(chart.gap_note)
    special = sum(p.cause not in (None, Cause.COMMON) for p in result.points)
    sentences.append(f"{special} point{'' if special == 1 else 's'} show{'s' if special == 1 else ''} special cause.")
    sentences.append("The figures and each point's signal are also given in the table below the chart.")
    return " ".join(sentences)


# --- drawing ----------------------------------------------------------------------


def _segment(
    frame: Frame, start: int, end: int, value: Decimal | None, colour: str, dash: str, css: str, width=2
) -> str:
    """A phase's horizontal line; "" without one (a phase with too few values for limits)."""
    if value is None:
        return ""
    y = frame.y(value)
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<line class="{css}" x1="{frame.x(start - 0.5):.1f}" x2="{frame.x(end - 0.5):.1f}" y1="{y:.1f}" '
        f'y2="{y:.1f}" stroke="{colour}" stroke-width="{width}"{dash_attr}/>'
    )


def _phase_lines(frame: Frame, chart: XmrChart) -> str:
    out, phases = [], chart.phases
    for number, phase in enumerate(phases):
        end = phases[number + 1].start if number + 1 < len(phases) else len(chart.periods)
        if number:
            x = frame.x(phase.start - 0.5)
            out.append(
                f'<line class="kp-xmr__phase" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{TOP + frame.plot_h}" '
                f'stroke="{TEXT}" stroke-width="1" stroke-dasharray="4 4"/>'
                f'<text x="{x + 4:.1f}" y="{TOP + 14}">Phase {number + 1}</text>'
            )
        out.append(_segment(frame, phase.start, end, phase.mean, TEXT, "", "kp-xmr__mean"))
        for value in (phase.upper_limit, phase.lower_limit):
            out.append(_segment(frame, phase.start, end, value, LIMIT_GREY, "8 4", "kp-xmr__limit"))
        for value in (phase.upper_two_sigma, phase.lower_two_sigma):
            out.append(_segment(frame, phase.start, end, value, AXIS, "2 3", "kp-xmr__two-sigma", width=1))
    return "".join(out)


def _marker(x: float, y: float, cause: Cause) -> str:
    colour, shape, _ = MARKERS[cause]
    common = f'class="kp-xmr__point kp-xmr__point--{cause.value}" fill="{colour}" stroke="{TEXT}" stroke-width="1"'
    if shape == "circle":
        return f'<circle {common} cx="{x:.1f}" cy="{y:.1f}" r="4.5"/>'
    if shape == "square":
        return f'<rect {common} x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10"/>'
    if shape == "triangle":
        return f'<polygon {common} points="{x:.1f},{y - 6:.1f} {x + 6:.1f},{y + 5:.1f} {x - 6:.1f},{y + 5:.1f}"/>'
    return (
        f'<polygon {common} points="{x:.1f},{y - 7:.1f} {x + 7:.1f},{y:.1f} {x:.1f},{y + 7:.1f} {x - 7:.1f},{y:.1f}"/>'
    )


def _values(frame: Frame, chart: XmrChart) -> str:
    out, run = [], []
    for index, point in enumerate([*chart.result.points, None]):
        if point is not None and point.value is not None:
            run.append(f"{frame.x(index):.1f},{frame.y(point.value):.1f}")
            continue
        if len(run) > 1:
            out.append(
                f'<polyline class="kp-xmr__values" points="{" ".join(run)}" fill="none" stroke="{NHS_GREY}" '
                f'stroke-width="2"/>'
            )
        run = []
    for index, point in enumerate(chart.result.points):
        if point.value is not None and point.cause is not None:  # a recorded value, so it has a cause
            out.append(_marker(frame.x(index), frame.y(point.value), point.cause))
    return "".join(out)


def _axes(frame: Frame, chart: XmrChart, ticks: list[float]) -> str:
    out = []
    for tick in ticks:
        y = frame.y(tick)
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{AXIS}" stroke-width="1" '
            f'stroke-opacity="0.5"/>'
            f'<text x="{LEFT - 8}" y="{y + 5:.1f}" text-anchor="end">{escape(chart.format(Decimal(str(tick))))}</text>'
        )
    base = TOP + frame.plot_h
    out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{base}" y2="{base}" stroke="{TEXT}" stroke-width="1"/>')
    every = max(1, -(-len(chart.periods) // 8))  # at most 8 labels
    last = len(chart.periods) - 1
    for index, period in enumerate(chart.periods):
        if (last - index) % every == 0:  # counted back from the latest, so it is labelled and none crowd it
            label = f"{period_label(period)[:3]} {period.year % 100:02d}"
            out.append(f'<text x="{frame.x(index):.1f}" y="{base + 20}" text-anchor="middle">{label}</text>')
    return "".join(out)


def _legend(chart: XmrChart) -> str:
    causes = [Cause.COMMON, *(c for c in MARKERS if c is not Cause.COMMON and _has(chart, c))]
    items = [("line", TEXT, "", "Mean"), ("line", LIMIT_GREY, "8 4", "Process limits")]
    if chart.target is not None:
        items.append(("line", GREEN, "10 4", f"Target {chart.format(chart.target)}"))
    items += [("marker", cause, "", MARKERS[cause][2]) for cause in causes]
    y, x, out = HEIGHT - BOTTOM + 48, LEFT, []
    for kind, what, dash, label in items:
        width = 8 * len(label) + 46
        if x + width > WIDTH - RIGHT:
            x, y = LEFT, y + 24
        if kind == "line":
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(
                f'<line x1="{x}" x2="{x + 28}" y1="{y - 4}" y2="{y - 4}" stroke="{what}" stroke-width="2"{dash_attr}/>'
            )
        else:
            out.append(_marker(x + 14, y - 4, Cause(what)))
        out.append(f'<text x="{x + 34}" y="{y + 1}">{escape(label)}</text>')
        x += width
    return "".join(out)


def _has(chart: XmrChart, cause: Cause) -> bool:
    return any(p.cause is cause for p in chart.result.points)


def render_xmr_svg(chart: XmrChart, *, chart_id: str = "xmr", standalone: bool = False) -> str:
    """The XmR chart as an `<svg role="img">` string, labelled by its title and description.

    `standalone`: a file of its own (the README's picture): its own size and a white background,
    where the page's is as wide as its column on the page's background.
    """
    result = chart.result
    lines = [v for ph in chart.phases for v in (ph.mean, ph.upper_limit, ph.lower_limit) if v is not None]
    values = [p.value for p in result.points if p.value is not None]
    ticks = y_ticks([*values, *lines, *([chart.target] if chart.target is not None else [])])
    frame = Frame(len(chart.periods), ticks, bottom=BOTTOM)
    body = [_axes(frame, chart, ticks), _phase_lines(frame, chart)]
    if chart.target is not None:
        y = frame.y(chart.target)
        body.append(
            f'<line class="kp-xmr__target" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GREEN}" stroke-width="2" stroke-dasharray="10 4"/>'
        )
    body += [_values(frame, chart), _legend(chart)]
    size = f'width="{WIDTH}" height="{HEIGHT}"' if standalone else 'width="100%"'
    if standalone:
        body.insert(0, f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>')
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="kp-chart kp-xmr" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'{size} aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="arial, sans-serif" font-size="14" fill="{TEXT}">'
        f'<title id="{chart_id}-title">{escape(chart.title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(chart.description)}</desc>'
        f"{''.join(body)}</svg>"
    )


# --- icons --------------------------------------------------------------------------

_ICONS: dict[Variation | Assurance, tuple[str, str]] = {
    Variation.COMMON_CAUSE: (NHS_GREY, "~"),
    Variation.IMPROVEMENT_HIGH: (NHS_BLUE, "H"),
    Variation.IMPROVEMENT_LOW: (NHS_BLUE, "L"),
    Variation.CONCERN_HIGH: (NHS_ORANGE, "H"),
    Variation.CONCERN_LOW: (NHS_ORANGE, "L"),
    Variation.NEUTRAL_HIGH: (NHS_PURPLE, "H"),
    Variation.NEUTRAL_LOW: (NHS_PURPLE, "L"),
    Assurance.PASS: (NHS_BLUE, "P"),
    Assurance.FAIL: (NHS_ORANGE, "F"),
    Assurance.HIT_AND_MISS: (NHS_GREY, "?"),
}


def icon_words(
    *, variation: str, variation_label: str, assurance: str, assurance_label: str, reason: str
) -> tuple[str, str]:
    """The words beside the variation and assurance icons, as the indicator page and a paper's KPI
    section both give them: each icon's label, or why there is none ("Not enough data: 6 values; …",
    "No assurance icon without a target."), said once. Plain values, so a paper's snapshot can be worded
    again with the labels it stored.
    """
    variation_words = variation_label if variation or not reason else reason
    if assurance:
        return variation_words, assurance_label
    return variation_words, reason if variation and reason else assurance_label


def icon_parts(value: Variation | Assurance) -> tuple[str, str] | None:
    """The icon's (colour, letter), for drawing it elsewhere (the papers); None for none."""
    return _ICONS.get(value)


def icon_svg(value: Variation | Assurance) -> str:
    """A small MDC-style icon (coloured circle, letter) for a variation or assurance; "" for none.

    Decorative: the label beside it says the same in words, so it is hidden from screen readers.
    """
    parts = icon_parts(value)
    if parts is None:
        return ""
    colour, letter = parts
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="kp-spc-icon kp-spc-icon--{value.value}" viewBox="0 0 28 28" '
        f'width="28" height="28" aria-hidden="true" focusable="false">'
        f'<circle cx="14" cy="14" r="12.5" fill="#ffffff" stroke="{colour}" stroke-width="3"/>'
        f'<text x="14" y="19" text-anchor="middle" font-family="arial, sans-serif" font-size="14" '
        f'font-weight="bold" fill="{TEXT}">{letter}</text></svg>'
    )
