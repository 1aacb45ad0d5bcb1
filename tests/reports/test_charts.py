"""Paper charts: a legend or month labels drawn once and copied back look exactly like ones drawn afresh."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal as D
from types import SimpleNamespace

from PIL import Image

from indicators.periods import add_months
from indicators.spc import Assurance, Variation
from indicators.spc_chart import indicator_xmr
from reports.charts import _Chart, _XmrChart, xmr_png
from reports.snapshot import _spc


def _points(base: int, year: int = 2019, months: int = 12) -> list:
    return [[f"{year}-{month:02d}", str(base + month), str(base + 5), str(base - 5)] for month in range(1, months + 1)]


def _pixels(png: bytes) -> bytes:
    return Image.open(io.BytesIO(png)).convert("RGB").tobytes()


def test_a_chart_with_a_legend_seen_before_is_the_same_picture_as_one_drawn_afresh():
    reused = _Chart()
    reused.draw(_points(10), True)  # draws and keeps the KPI legend
    reused.draw(_points(3), False)  # another legend in between
    again = reused.draw(_points(400), True)
    assert _pixels(again) == _pixels(_Chart().draw(_points(400), True))


def test_an_activity_chart_keeps_its_expected_range_in_the_legend_after_a_kpi_chart():
    reused = _Chart()
    reused.draw(_points(3), False)
    reused.draw(_points(10), True)
    again = reused.draw(_points(7), False)
    assert _pixels(again) == _pixels(_Chart().draw(_points(7), False))


def _xmr(values: list, causes: list, target: str | None = "95") -> dict:
    points = [[f"2019-{i % 12 + 1:02d}", v, c] for i, (v, c) in enumerate(zip(values, causes, strict=True))]
    return {"points": points, "phases": [[0, "95", "90", "100", False]], "target": target}


def test_an_xmr_chart_is_drawn_from_the_snapshot_alone_and_gaps_and_phases_do_not_break_it():
    spc = _xmr(["96", None, "94", "89"], ["common_cause", None, "common_cause", "concern"])
    png = xmr_png({**spc, "phases": [[0, "95", "90", "100", True], [2, "92", None, None, True]]})
    assert Image.open(io.BytesIO(png)).size == (768, 252)
    assert xmr_png(_xmr([None], [None])) is None


def test_an_xmr_chart_seen_after_others_is_the_same_picture_as_one_drawn_afresh():
    first = _xmr(["96", "94", "89"], ["common_cause", "common_cause", "concern"])
    second = _xmr(["9", "10", "12"], ["common_cause", "improvement", "improvement"], target=None)
    reused = _XmrChart()
    reused.draw_xmr(first)
    reused.draw_xmr(second)
    assert _pixels(reused.draw_xmr(first)) == _pixels(_XmrChart().draw_xmr(first))


def test_month_labels_seen_before_are_copied_back_only_onto_a_chart_of_the_same_months():
    reused = _Chart()
    reused.draw(_points(10), True)  # draws and keeps 2019's month labels
    other_year = reused.draw(_points(10, year=2018), True)  # other labels: drawn, not copied
    fewer = reused.draw(_points(10, months=9), True)  # the same year's labels at other places
    again = reused.draw(_points(-3), True)  # 2019 again, with values (and value labels) of its own
    assert _pixels(other_year) == _pixels(_Chart().draw(_points(10, year=2018), True))
    assert _pixels(fewer) == _pixels(_Chart().draw(_points(10, months=9), True))
    assert _pixels(again) == _pixels(_Chart().draw(_points(-3), True))
    assert _pixels(other_year) != _pixels(_Chart().draw(_points(10), True))


def test_a_papers_xmr_chart_keeps_a_percentages_limits_within_0_and_100_as_the_page_draws_them():
    rows = [SimpleNamespace(period=add_months(date(2018, 4, 1), i), value=D(v)) for i, v in enumerate([96, 100] * 7)]
    fields = dict(code="X1", name="Thing", frequency="monthly", polarity="H", is_kpi=True, allow_out_of_range=False)
    row = SimpleNamespace(variation=Variation.NONE, assurance=Assurance.NONE)
    for unit, upper in (("percentage", "100"), ("number", "108.64")):
        which = SimpleNamespace(**fields, unit=unit, format=lambda value: f"{value:.1f}")
        chart = indicator_xmr(which, rows, [], date(2019, 5, 1))
        assert _spc(row, chart)["phases"] == [[0, "98", "87.36", upper, False]]
