"""Trend charts for the paper: one small PNG per indicator, drawn from the snapshot.

matplotlib's Agg backend, one figure reused for every chart (creating a figure
costs more than drawing one), 130 dpi: sharp in print, small in the files.
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
from PIL import Image  # noqa: E402

DPI = 120
SIZE = (6.4, 2.4)  # inches: the width of an A4 text block
COLOURS = {"value": "#1d70b8", "target": "#00703c", "floor": "#d4351c", "band": "#b1b4b6"}
SHORT_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

NAN = float("nan")
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

    def _render(self, handles: list) -> None:
        """Draw the figure. A legend sits on white beside the axes and reads the
        same on every chart with the same lines, so it is drawn the first time
        and its pixels copied back afterwards: text is most of a chart's cost."""
        key = tuple(handle.get_label() for handle in handles)
        if key in self.legends:
            self.axes.legend_ = None
            self.figure.canvas.draw()
            self.figure.canvas.restore_region(self.legends[key])
            return
        legend = Legend(
            self.axes, handles, list(key), loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=7
        )
        self.axes.legend_ = legend
        legend.set_figure(self.figure)
        self.figure.canvas.draw()
        area = legend.get_window_extent().padded(2)
        self.legends[key] = self.figure.canvas.copy_from_bbox(area)

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
        self.axes.set_xticks(ticks, [_label(points[i][0]) for i in ticks])
        self._render(handles)
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
