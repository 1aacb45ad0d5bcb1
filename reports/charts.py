"""Charts for the paper: one small PNG per indicator (and an XmR chart per KPI), drawn from the snapshot.

matplotlib's Agg backend, one figure reused for every chart (creating a figure
costs more than drawing one), 120 dpi: sharp in print, small in the files. Text
is most of a chart's cost, so the legend and the month labels, which repeat from
chart to chart, are drawn once and their pixels copied back (`_Chart._render`).
"""

from __future__ import annotations

import io
import threading

import matplotlib

matplotlib.use("Agg")

from matplotlib import rcParams  # noqa: E402
from matplotlib.backends._backend_agg import BufferRegion  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.legend import Legend  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402
from PIL import Image  # noqa: E402

from indicators.spc_chart import LIMIT_GREY, MARKERS, NHS_GREY  # noqa: E402

DPI = 120
SIZE = (6.4, 2.4)  # inches: the width of an A4 text block
COLOURS = {"value": "#1d70b8", "target": "#00703c", "floor": "#d4351c", "band": "#b1b4b6"}
SHORT_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

NAN = float("nan")
MONTHS_KEPT = 32  # sets of month labels whose pixels are kept per chart (a paper's charts share one or two)
_local = threading.local()


class _Chart:
    """One figure and its lines, kept per thread and given new data for each
    indicator: building axes, ticks and lines afresh costs more than drawing."""

    def __init__(self) -> None:
        rcParams.update({"font.family": "DejaVu Sans", "font.size": 8})
        self.figure = Figure(figsize=SIZE, dpi=DPI)
        FigureCanvasAgg(self.figure)
        self.figure.subplots_adjust(left=0.09, right=0.79, bottom=0.14, top=0.95)
        axes = self.axes = self.figure.add_subplot()
        self.target = axes.plot(
            [], [], drawstyle="steps-mid", color=COLOURS["target"], linestyle="--", linewidth=1.2, label="Target"
        )[0]
        self.floor = axes.plot(
            [], [], drawstyle="steps-mid", color=COLOURS["floor"], linestyle=":", linewidth=1.4, label="Floor standard"
        )[0]
        self.value = axes.plot([], [], color=COLOURS["value"], marker="o", markersize=3, linewidth=1.6, label="Result")[
            0
        ]
        self.band = None
        self.band_key = Patch(facecolor=COLOURS["band"], alpha=0.45, label="Expected range")
        axes.yaxis.set_major_locator(MaxNLocator(nbins=4))
        axes.tick_params(axis="x", labelsize=7)
        axes.spines[["top", "right"]].set_visible(False)
        axes.grid(axis="y", color="#e0e0e0", linewidth=0.6)
        self.legends: dict[tuple, BufferRegion] = {}
        self.months: dict[tuple, BufferRegion] = {}

    def _render(self, handles: list, ticks: list[int], labels: list[str]) -> None:
        """Draw the figure. Text is most of a chart's cost, and two parts of it sit on white
        outside the plot and read the same on many charts: the legend beside the axes (the same
        lines) and the month labels under them (the same months, as every KPI of a paper up to
        the same period has). Each is drawn the first time and its pixels copied back afterwards,
        so the PNG is the same, byte for byte, as drawing it all."""
        canvas = self.figure.canvas
        months_key = (self.axes.get_xlim(), tuple(ticks), tuple(labels))
        months = self.months.get(months_key)
        self.axes.set_xticks(ticks, labels if months is None else [""] * len(ticks))
        key = tuple(handle.get_label() for handle in handles)
        legend = self.legends.get(key)
        drawn = None
        if legend is None:
            drawn = Legend(
                self.axes, handles, list(key), loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=7
            )
            drawn.set_figure(self.figure)
        self.axes.legend_ = drawn
        canvas.draw()
        if drawn is not None:
            self.legends[key] = canvas.copy_from_bbox(drawn.get_window_extent().padded(2))
        else:
            canvas.restore_region(legend)
        if months is not None:
            canvas.restore_region(months)
        else:
            if len(self.months) >= MONTHS_KEPT:  # a worker drawing many periods' papers: keep the recent ones
                self.months.clear()
            self.months[months_key] = canvas.copy_from_bbox(self._months_strip())

    def _months_strip(self) -> Bbox:
        """Where the month labels were drawn: the box round them all (under the axes, below the
        tick marks, which are drawn each time, and clear of the value labels beside the axes)."""
        boxes = [label.get_window_extent() for label in self.axes.get_xticklabels() if label.get_text()]
        return Bbox.union(boxes).padded(1)

    def draw(self, points: list, is_kpi: bool) -> bytes:
        xs = list(range(len(points)))
        values, first, second = (_floats(points, i) for i in (1, 2, 3))
        handles = []
        if self.band is not None:
            self.band.remove()
            self.band = None
        show_target = is_kpi and any(v == v for v in first)
        show_floor = is_kpi and any(v == v for v in second)
        for line, ys, shown in ((self.target, first, show_target), (self.floor, second, show_floor)):
            line.set_data(xs, ys) if shown else line.set_data([], [])
            if shown:
                handles.append(line)
        if not is_kpi and all(v == v for v in first + second):
            self.band = self.axes.fill_between(xs, first, second, step="mid", color=COLOURS["band"], alpha=0.45)
            handles.append(self.band_key)
        self.value.set_data(xs, values)
        handles.append(self.value)
        shown_values = [v for v in values + (first + second if handles[:-1] else []) if v == v]
        low, high = min(shown_values), max(shown_values)
        pad = (high - low) * 0.08 or abs(high) * 0.05 or 1
        self.axes.set_xlim(-0.5, len(xs) - 0.5)
        self.axes.set_ylim(low - pad, high + pad)
        # Every other month labelled, ending on the latest.
        ticks = xs[::-2][::-1]
        self._render(handles, ticks, [_label(points[i][0]) for i in ticks])
        return _png(self.figure)


def _png(figure: Figure) -> bytes:
    # Straight from the Agg buffer through Pillow at low compression: several
    # times faster than savefig's default PNG path, for a file a little larger.
    image = Image.frombuffer("RGBA", figure.canvas.get_width_height(), figure.canvas.buffer_rgba())
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _label(period: str) -> str:
    year, month = period.split("-")
    return f"{SHORT_MONTHS[int(month) - 1]} {year[2:]}"


def _floats(points: list, index: int) -> list[float]:
    return [NAN if point[index] is None else float(point[index]) for point in points]


def chart_png(chart: dict, *, is_kpi: bool) -> bytes | None:
    """The PNG for one indicator's snapshot chart; None when it has no points."""
    points = chart["points"]
    if not points:
        return None
    if getattr(_local, "chart", None) is None:
        _local.chart = _Chart()
    return _local.chart.draw(points, is_kpi)


def chart_description(item: dict, *, is_kpi: bool) -> str:
    """Alternative text: what the chart shows, in words."""
    points = item["chart"]["points"]
    if not points:
        return f"No results to chart for {item['code']}."
    span = f"{_label(points[0][0])} to {_label(points[-1][0])}"
    lines = "with its target and floor standard" if is_kpi else "with its expected range"
    return f"Line chart of {item['code']} {item['name']}, {span}, {lines}. The figures are in the table below."


# --- the XmR (SPC) chart ------------------------------------------------------------

# Matplotlib's marker for each shape of the indicator page's chart (indicators/spc_chart.py).
_MARKER_SHAPES = {"circle": "o", "square": "s", "triangle": "^", "diamond": "D"}
XMR_SIZE = (6.4, 2.1)


class _XmrChart(_Chart):
    """The indicator page's XmR chart redrawn from a snapshot: the same colours, shapes and
    lines (mean, process limits, target, a marker per point by its cause), in the paper's
    matplotlib figure, reused per thread as the trend chart's is."""

    def __init__(self) -> None:
        rcParams.update({"font.family": "DejaVu Sans", "font.size": 8})
        self.figure = Figure(figsize=XMR_SIZE, dpi=DPI)
        FigureCanvasAgg(self.figure)
        self.figure.subplots_adjust(left=0.09, right=0.72, bottom=0.15, top=0.95)
        axes = self.axes = self.figure.add_subplot()
        self.values = axes.plot([], [], color=NHS_GREY, linewidth=1.2, zorder=2)[0]
        self.mean = axes.plot([], [], color="#0b0c0c", linewidth=1.2, label="Mean")[0]
        self.limits = axes.plot([], [], color=LIMIT_GREY, linestyle="--", linewidth=1.0, label="Process limits")[0]
        self.target = axes.plot([], [], color=COLOURS["target"], linestyle=(0, (6, 3)), linewidth=1.2, label="Target")[
            0
        ]
        self.points = {
            cause: axes.plot(
                [],
                [],
                linestyle="none",
                marker=_MARKER_SHAPES[shape],
                markersize=4.5,
                markerfacecolor=colour,
                markeredgecolor="#0b0c0c",
                markeredgewidth=0.5,
                label=label,
                zorder=3,
            )[0]
            for cause, (colour, shape, label) in MARKERS.items()
        }
        axes.yaxis.set_major_locator(MaxNLocator(nbins=4))
        axes.tick_params(axis="x", labelsize=7)
        axes.spines[["top", "right"]].set_visible(False)
        axes.grid(axis="y", color="#e0e0e0", linewidth=0.6)
        self.legends = {}
        self.months = {}

    def draw_xmr(self, spc: dict) -> bytes:
        points = spc["points"]
        xs = list(range(len(points)))
        values = _floats(points, 1)
        self.values.set_data(xs, values)
        handles = [self.mean]
        for cause, line in self.points.items():
            mine = [(x, v) for x, v, point in zip(xs, values, points, strict=True) if point[2] == cause.value]
            line.set_data([x for x, _ in mine], [v for _, v in mine])
            if mine:
                handles.append(line)
        mean, limits = _phase_lines(spc["phases"], len(points))
        self.mean.set_data(*mean)
        self.limits.set_data(*limits)
        if any(v == v for v in limits[1]):
            handles.insert(1, self.limits)
        target = NAN if spc["target"] is None else float(spc["target"])
        self.target.set_data([-0.5, len(points) - 0.5], [target, target])
        if target == target:
            handles.insert(2 if len(handles) > 1 and handles[1] is self.limits else 1, self.target)
        shown = [v for v in [*values, *mean[1], *limits[1], target] if v == v]
        low, high = min(shown), max(shown)
        pad = (high - low) * 0.08 or abs(high) * 0.05 or 1
        self.axes.set_xlim(-0.5, len(xs) - 0.5)
        self.axes.set_ylim(low - pad, high + pad)
        every = max(1, -(-len(points) // 8))  # at most 8 labels, counted back from the latest (as the page)
        ticks = xs[::-every][::-1]
        self._render(handles, ticks, [_label(points[i][0]) for i in ticks])
        return _png(self.figure)


def _phase_lines(phases: list, count: int) -> tuple[tuple[list, list], tuple[list, list]]:
    """The mean and both process limits of each phase as one line each, broken between phases."""
    mean: tuple[list, list] = ([], [])
    limits: tuple[list, list] = ([], [])
    for number, (start, centre, lower, upper, _trial) in enumerate(phases):
        end = phases[number + 1][0] if number + 1 < len(phases) else count
        span = [start - 0.5, end - 0.5, NAN]
        if centre is not None:
            mean[0].extend(span)
            mean[1].extend([float(centre)] * 2 + [NAN])
        if upper is not None:
            for value in (lower, upper):
                limits[0].extend(span)
                limits[1].extend([float(value)] * 2 + [NAN])
    return mean, limits


def xmr_png(spc: dict) -> bytes | None:
    """The PNG of one KPI's snapshot XmR chart; None when it has no values."""
    if not any(point[1] is not None for point in spc["points"]):
        return None
    if getattr(_local, "xmr", None) is None:
        _local.xmr = _XmrChart()
    return _local.xmr.draw_xmr(spc)
