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
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
from PIL import Image  # noqa: E402

DPI = 120
SIZE = (6.4, 2.4)  # inches: the width of an A4 text block
COLOURS = {"value": "#1d70b8", "target": "#00703c", "floor": "#d4351c", "band": "#b1b4b6"}
SHORT_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_local = threading.local()


def _axes() -> Axes:
    """The thread's one chart; cleared and redrawn for each indicator."""
    axes = getattr(_local, "axes", None)
    if axes is None:
        rcParams.update({"font.family": "DejaVu Sans", "font.size": 8})
        figure = Figure(figsize=SIZE, dpi=DPI)
        FigureCanvasAgg(figure)
        axes = _local.axes = figure.add_subplot()
        figure.subplots_adjust(left=0.09, right=0.79, bottom=0.14, top=0.95)
    axes.cla()
    return axes


def _png(figure: Figure) -> bytes:
    # Straight from the Agg buffer through Pillow at low compression: several
    # times faster than savefig's default PNG path, for a file a little larger.
    figure.canvas.draw()
    image = Image.frombuffer("RGBA", figure.canvas.get_width_height(), figure.canvas.buffer_rgba())
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _label(period: str) -> str:
    year, month = period.split("-")
    return f"{SHORT_MONTHS[int(month) - 1]} {year[2:]}"


def _floats(points: list, index: int) -> list[float | None]:
    return [None if point[index] is None else float(point[index]) for point in points]


def chart_png(chart: dict, *, is_kpi: bool) -> bytes | None:
    """The PNG for one indicator's snapshot chart; None when it has no points."""
    points = chart["points"]
    if not points:
        return None
    axes = _axes()
    xs = list(range(len(points)))
    first, second = _floats(points, 2), _floats(points, 3)
    if is_kpi:
        if any(v is not None for v in first):
            axes.step(xs, [v if v is not None else float("nan") for v in first], where="mid",
                      color=COLOURS["target"], linestyle="--", linewidth=1.2, label="Target")
        if any(v is not None for v in second):
            axes.step(xs, [v if v is not None else float("nan") for v in second], where="mid",
                      color=COLOURS["floor"], linestyle=":", linewidth=1.4, label="Floor standard")
    elif all(v is not None for v in first + second):
        axes.fill_between(xs, first, second, step="mid", color=COLOURS["band"], alpha=0.45,
                          label="Expected range")
    axes.plot(xs, _floats(points, 1), color=COLOURS["value"], marker="o", markersize=3, linewidth=1.6,
              label="Result")
    # Every other month labelled (ending on the latest): ticks are the costliest part of a chart.
    ticks = xs[::-2][::-1]
    axes.set_xticks(ticks, [_label(points[i][0]) for i in ticks])
    axes.yaxis.set_major_locator(MaxNLocator(nbins=4))
    axes.tick_params(axis="x", labelsize=7)
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", color="#e0e0e0", linewidth=0.6)
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=7)
    return _png(axes.figure)


def chart_description(item: dict, *, is_kpi: bool) -> str:
    """Alternative text: what the chart shows, in words."""
    points = item["chart"]["points"]
    if not points:
        return f"No results to chart for {item['code']}."
    span = f"{_label(points[0][0])} to {_label(points[-1][0])}"
    lines = "with its target and floor standard" if is_kpi else "with its expected range"
    return f"Line chart of {item['code']} {item['name']}, {span}, {lines}. The figures are in the table below."
