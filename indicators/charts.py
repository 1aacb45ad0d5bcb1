"""Server-rendered SVG trend charts, in plain Python (no plotting library).

`TrendChart` holds what a chart shows: twelve months of this financial year
and last, the target and floor lines or an activity indicator's expected
range as a band. `render_svg` draws it as an accessible `<svg role="img">`
with a `<title>` and `<desc>`; `TrendChart.rows` gives the same figures for
the table alternative. `indicator_chart` builds one from an indicator's
already-fetched results and thresholds, without touching the database.

The dashboard's small graphics are here too: `sparkline_svg` draws a row's
recent values (decorative, hidden from assistive technology; `sparkline_text`
is what it reads instead) and `rating_bar` lays out the stacked bar of the
KPIs' ratings. Both use SVG attributes, never style attributes, which the
Content-Security-Policy forbids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from html import escape

from indicators.periods import FinancialYear, period_label, threshold_for

# GOV.UK Frontend colours; each line also differs by dash pattern, so the
# chart does not rely on colour alone.
BLUE, GREY, GREEN, RED, BAND, TEXT, AXIS = "#1d70b8", "#505a5f", "#00703c", "#d4351c", "#d2e2f1", "#0b0c0c", "#b1b4b6"
WIDTH, HEIGHT = 720, 340
LEFT, RIGHT, TOP, BOTTOM = 78, 16, 16, 96  # plot margins; the legend sits under the x axis


@dataclass(frozen=True)
class TrendChart:
    """One indicator's trend: values by month (None where there is no figure)."""

    title: str
    months: list[str]  # x-axis labels, e.g. "Apr" … "Mar"
    current_label: str  # e.g. "2019/20"
    current: list[Decimal | None]
    previous_label: str = ""
    previous: list[Decimal | None] = field(default_factory=list)
    target: Decimal | None = None
    floor: Decimal | None = None
    lower: Decimal | None = None
    upper: Decimal | None = None
    format: Callable[[Decimal | None], str] = lambda value: "–" if value is None else f"{value}"
    description: str = ""

    @property
    def rows(self) -> list[tuple[str, str, str]]:
        """(month, this year's value, last year's value) as text, for the table alternative."""
        previous = self.previous or [None] * len(self.months)
        return [
            (month, self.format(value), self.format(last))
            for month, value, last in zip(self.months, self.current, previous, strict=True)
        ]

    @property
    def has_data(self) -> bool:
        return any(v is not None for v in [*self.current, *self.previous])


# --- scales -------------------------------------------------------------------


def _nice_step(span: float) -> float:
    raw = span / 4 if span > 0 else 1.0
    magnitude = 10.0 ** _floor_log10(raw)
    for multiple in (1, 2, 2.5, 5, 10):
        if raw <= multiple * magnitude:
            return multiple * magnitude
    return 10 * magnitude


def _floor_log10(x: float) -> int:
    exponent = 0
    while x >= 10:
        x, exponent = x / 10, exponent + 1
    while x < 1:
        x, exponent = x * 10, exponent - 1
    return exponent


def y_ticks(values: Iterable[Decimal]) -> list[float]:
    """Four to six evenly spaced round numbers covering every value."""
    numbers = [float(v) for v in values]
    if not numbers:
        return [0.0, 1.0]
    low, high = min(numbers), max(numbers)
    if low == high:
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    step = _nice_step(high - low)
    start = step * int(low // step)
    ticks = [start]
    while ticks[-1] < high - 1e-9:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


# --- drawing ------------------------------------------------------------------


class Frame:
    """The plot area: `count` points across (each centred in its slot), `ticks` from bottom to top.
    The XmR chart (indicators/spc_chart.py) draws in one too, with more room for its legend."""

    def __init__(self, count: int, ticks: list[float], bottom: int = BOTTOM) -> None:
        self.count, self.low, self.high = count, ticks[0], ticks[-1]
        self.plot_w, self.plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - bottom

    def x(self, index: float) -> float:
        return LEFT + self.plot_w * (index + 0.5) / self.count

    def y(self, value: Decimal | float) -> float:
        return TOP + self.plot_h * (1 - (float(value) - self.low) / (self.high - self.low))


def _line(frame: Frame, values: list[Decimal | None], colour: str, dash: str, css: str) -> str:
    """A polyline through the points there are; gaps split it, lone points get a marker."""
    parts, run = [], []
    for index, value in enumerate([*values, None]):
        if value is not None:
            run.append(f"{frame.x(index):.1f},{frame.y(float(value)):.1f}")
            continue
        if len(run) > 1:
            parts.append(
                f'<polyline class="{css}" points="{" ".join(run)}" fill="none" stroke="{colour}" '
                f'stroke-width="3"{dash}/>'
            )
        run = []
    markers = "".join(
        f'<circle cx="{frame.x(i):.1f}" cy="{frame.y(float(v)):.1f}" r="4" fill="{colour}"/>'
        for i, v in enumerate(values)
        if v is not None
    )
    return "".join(parts) + markers


def _hline(frame: Frame, value: Decimal, colour: str, dash: str, css: str) -> str:
    y = frame.y(float(value))
    return (
        f'<line class="{css}" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
        f'stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}"/>'
    )


def _axes(frame: Frame, chart: TrendChart, ticks: list[float]) -> str:
    out = []
    for tick in ticks:
        y = frame.y(tick)
        label = chart.format(Decimal(str(tick)))
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{AXIS}" stroke-width="1"/>'
            f'<text x="{LEFT - 8}" y="{y + 5:.1f}" text-anchor="end">{escape(label)}</text>'
        )
    base = TOP + frame.plot_h
    out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{base}" y2="{base}" stroke="{TEXT}" stroke-width="1"/>')
    for index, month in enumerate(chart.months):
        out.append(f'<text x="{frame.x(index):.1f}" y="{base + 20}" text-anchor="middle">{escape(month)}</text>')
    return "".join(out)


def _legend(chart: TrendChart) -> str:
    items = [(BLUE, "", chart.current_label, "line")]
    if chart.previous:
        items.append((GREY, "8 5", chart.previous_label, "line"))
    if chart.target is not None:
        items.append((GREEN, "10 4", f"Target {chart.format(chart.target)}", "line"))
    if chart.floor is not None:
        items.append((RED, "3 3", f"Floor standard {chart.format(chart.floor)}", "line"))
    if chart.lower is not None and chart.upper is not None:
        items.append((BAND, "", f"Expected range {chart.format(chart.lower)} to {chart.format(chart.upper)}", "band"))
    y, x, out = HEIGHT - BOTTOM + 48, LEFT, []
    for colour, dash, label, shape in items:
        if shape == "band":
            out.append(f'<rect x="{x}" y="{y - 10}" width="28" height="14" fill="{colour}" stroke="{BLUE}"/>')
        else:
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(
                f'<line x1="{x}" x2="{x + 28}" y1="{y - 3}" y2="{y - 3}" stroke="{colour}" '
                f'stroke-width="3"{dash_attr}/>'
            )
        out.append(f'<text x="{x + 34}" y="{y + 2}">{escape(label)}</text>')
        x += 46 + 8 * len(label)
        if x > WIDTH - 160:
            x, y = LEFT, y + 24
    return "".join(out)


def render_svg(chart: TrendChart, *, chart_id: str = "trend") -> str:
    """The chart as an `<svg role="img">` string, labelled by its title and description."""
    threshold_values = [v for v in (chart.target, chart.floor, chart.lower, chart.upper) if v is not None]
    values = [v for v in [*chart.current, *chart.previous] if v is not None]
    ticks = y_ticks([*values, *threshold_values])
    frame = Frame(len(chart.months), ticks)
    body = []
    if chart.lower is not None and chart.upper is not None:
        top, bottom = frame.y(float(chart.upper)), frame.y(float(chart.lower))
        body.append(
            f'<rect class="kp-chart__band" x="{LEFT}" y="{top:.1f}" width="{frame.plot_w}" '
            f'height="{bottom - top:.1f}" fill="{BAND}"/>'
        )
    body.append(_axes(frame, chart, ticks))
    if chart.floor is not None:
        body.append(_hline(frame, chart.floor, RED, "3 3", "kp-chart__floor"))
    if chart.target is not None:
        body.append(_hline(frame, chart.target, GREEN, "10 4", "kp-chart__target"))
    if chart.previous:
        body.append(_line(frame, chart.previous, GREY, ' stroke-dasharray="8 5"', "kp-chart__previous"))
    body.append(_line(frame, chart.current, BLUE, "", "kp-chart__current"))
    body.append(_legend(chart))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="kp-chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="arial, sans-serif" font-size="14" fill="{TEXT}">'
        f'<title id="{chart_id}-title">{escape(chart.title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(chart.description)}</desc>'
        f"{''.join(body)}</svg>"
    )


# --- building a chart for an indicator ----------------------------------------


def indicator_chart(indicator, results: Iterable, thresholds: Iterable, period: date) -> TrendChart:
    """The trend for the financial year containing `period` and the year before.

    `results` and `thresholds` are the indicator's rows, already fetched; the
    current year's threshold gives the target and floor (or the expected range).
    """
    year = FinancialYear.containing(period)
    by_period = {r.period: r.value for r in results if r.period <= period}
    threshold = threshold_for(thresholds, period)
    current = [by_period.get(month) for month in year.months()]
    previous = [by_period.get(month) for month in year.previous().months()]
    is_kpi = indicator.is_kpi
    chart = TrendChart(
        title=f"{indicator.code} {indicator.name}: trend, {year.previous().label} and {year.label}",
        months=[period_label(month)[:3] for month in year.months()],
        current_label=year.label,
        current=current,
        previous_label=year.previous().label,
        previous=previous if any(v is not None for v in previous) else [],
        target=threshold.target if threshold and is_kpi else None,
        floor=threshold.floor if threshold and is_kpi else None,
        lower=threshold.lower if threshold and not is_kpi else None,
        upper=threshold.upper if threshold and not is_kpi else None,
        format=indicator.format,
    )
    return _described(chart, year)


def _described(chart: TrendChart, year: FinancialYear) -> TrendChart:
    pairs = zip(reversed(year.months()), reversed(chart.current), strict=True)
    latest = next(((month, value) for month, value in pairs if value is not None), None)
    sentences = [
        f"Monthly values for {chart.current_label}"
        + (f" compared with {chart.previous_label}." if chart.previous else ".")
    ]
    if latest:
        sentences.append(f"Latest value {chart.format(latest[1])} in {period_label(latest[0])}.")
    else:
        sentences.append(f"No values yet for {chart.current_label}.")
    if chart.target is not None:
        sentences.append(f"Target {chart.format(chart.target)}.")
    if chart.floor is not None:
        sentences.append(f"Floor standard {chart.format(chart.floor)}.")
    if chart.lower is not None and chart.upper is not None:
        sentences.append(f"Expected range {chart.format(chart.lower)} to {chart.format(chart.upper)}.")
    sentences.append("The figures are also given in the table below the chart.")
    return replace(chart, description=" ".join(sentences))


# --- the dashboard's sparklines and rating bar -----------------------------------

SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 72, 24, 3


def sparkline_svg(values: list[Decimal | None]) -> str:
    """A row's recent values as a small line, oldest on the left; empty when there are none.

    Decorative (aria-hidden): the same figures are written out by `sparkline_text`.
    Each line is scaled to its own lowest and highest value, to show the shape.
    """
    numbers = [float(v) for v in values if v is not None]
    if not numbers:
        return ""
    low, high = min(numbers), max(numbers)
    steps = max(len(values) - 1, 1)

    def point(index: int, value: Decimal) -> tuple[float, float]:
        share = (float(value) - low) / (high - low) if high > low else 0.5
        x = SPARK_PAD + (SPARK_WIDTH - 2 * SPARK_PAD) * (index / steps if len(values) > 1 else 0.5)
        return x, SPARK_HEIGHT - SPARK_PAD - (SPARK_HEIGHT - 2 * SPARK_PAD) * share

    runs: list[str] = []  # polyline points, one string per run of figures without a gap
    run: list[tuple[float, float]] = []
    for index, value in enumerate([*values, None]):
        if value is None:
            if len(run) > 1:
                runs.append(" ".join(f"{x:.1f},{y:.1f}" for x, y in run))
            run = []
        else:
            run.append(point(index, value))
    lines = "".join(
        f'<polyline class="kp-spark__line" points="{points}" fill="none" stroke="{TEXT}" stroke-width="1.5"/>'
        for points in runs
    )
    # A dot on the latest figure, and on any figure with no neighbour to join.
    latest = max(i for i, v in enumerate(values) if v is not None)
    dots = [(i, v) for i, v in enumerate(values) if v is not None and (i == latest or _alone(values, i))]
    circles = "".join(
        f'<circle class="kp-spark__dot" cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{TEXT}"/>'
        for x, y in (point(i, v) for i, v in dots)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="kp-spark" width="{SPARK_WIDTH}" height="{SPARK_HEIGHT}" '
        f'viewBox="0 0 {SPARK_WIDTH} {SPARK_HEIGHT}" aria-hidden="true" focusable="false">{lines}{circles}</svg>'
    )


def _alone(values: list, index: int) -> bool:
    before = values[index - 1] if index > 0 else None
    after = values[index + 1] if index + 1 < len(values) else None
    return before is None and after is None


def sparkline_text(trend: Iterable[tuple[date, Decimal | None]], format: Callable[[Decimal | None], str]) -> str:
    """The sparkline's figures in words: 'December 2018 to November 2019: 95.1%, no figure, …, 97.8%'."""
    trend = list(trend)
    if not any(value is not None for _, value in trend):
        return "No figures in the last 12 months."
    figures = ", ".join("no figure" if value is None else format(value) for _, value in trend)
    if len(trend) == 1:
        return f"{period_label(trend[0][0])}: {figures}."
    return f"{period_label(trend[0][0])} to {period_label(trend[-1][0])}: {figures}."


@dataclass(frozen=True)
class BarSegment:
    """One rating's share of the stacked bar, as percentages of its width."""

    rag: str  # green, amber, red or none: the segment's CSS modifier and the legend's RAG tag
    count: int
    x: float
    width: float

    @property
    def middle(self) -> float:
        return round(self.x + self.width / 2, 2)

    @property
    def labelled(self) -> bool:
        """Whether the segment is wide enough to write its number in (the legend always does)."""
        return self.width >= 6


def rating_bar(green: int, amber: int, red: int, none: int) -> list[BarSegment]:
    """Every rating with its count, and where its segment sits; a rating with no KPIs has no width."""
    total = green + amber + red + none
    segments, x = [], 0.0
    for rag, count in (("green", green), ("amber", amber), ("red", red), ("none", none)):
        width = round(100 * count / total, 2) if total else 0.0
        segments.append(BarSegment(rag, count, round(x, 2), width))
        x += width
    return segments
