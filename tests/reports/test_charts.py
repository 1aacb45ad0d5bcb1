"""Paper charts: a legend drawn once and copied back looks exactly like one drawn afresh."""

from __future__ import annotations

import io

from PIL import Image

from reports.charts import _Chart


def _points(base: int) -> list:
    return [[f"2019-{month:02d}", str(base + month), str(base + 5), str(base - 5)] for month in range(1, 13)]


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
