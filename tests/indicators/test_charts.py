"""The server-rendered SVG trend chart."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal as D
from types import SimpleNamespace

import pytest

from indicators.charts import TrendChart, indicator_chart, render_svg, y_ticks

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = ["Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"]


def chart(**extra) -> TrendChart:
    values = [D("91"), D("92.5"), None, D("88.6")] + [None] * 8
    return TrendChart(
        title="ICT02 trend",
        months=MONTHS,
        current_label="2019/20",
        current=values,
        previous_label="2018/19",
        previous=[D("93")] * 12,
        format=lambda v: "–" if v is None else f"{v:.1f}%",
        **extra,
    )


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_chart_is_an_accessible_image_with_title_and_description():
    root = parse(render_svg(chart(description="Monthly values for 2019/20.")))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "trend-title trend-desc"
    assert root.find(f"{SVG}title").text == "ICT02 trend"
    assert root.find(f"{SVG}desc").text == "Monthly values for 2019/20."


def test_kpi_chart_draws_target_and_floor_lines_and_both_years():
    root = parse(render_svg(chart(target=D("95"), floor=D("90"))))
    classes = [el.get("class") for el in root.iter()]
    assert "kp-chart__target" in classes and "kp-chart__floor" in classes
    assert "kp-chart__previous" in classes and "kp-chart__current" in classes
    assert "kp-chart__band" not in classes
    texts = [el.text for el in root.iter(f"{SVG}text")]
    assert "Target 95.0%" in texts and "Floor standard 90.0%" in texts and "Apr" in texts and "Mar" in texts


def test_activity_chart_draws_the_expected_range_as_a_band():
    root = parse(render_svg(chart(lower=D("80"), upper=D("100"))))
    band = next(el for el in root.iter() if el.get("class") == "kp-chart__band")
    assert float(band.get("height")) > 0
    assert "Expected range 80.0% to 100.0%" in [el.text for el in root.iter(f"{SVG}text")]


def test_a_gap_in_the_data_splits_the_line_and_each_value_gets_a_marker():
    root = parse(render_svg(chart()))
    current = [el for el in root.iter(f"{SVG}polyline") if el.get("class") == "kp-chart__current"]
    assert len(current) == 1 and len(current[0].get("points").split()) == 2  # Apr–May; Jul is alone
    assert len(list(root.iter(f"{SVG}circle"))) == 3 + 12


def test_text_in_the_chart_is_escaped():
    svg = render_svg(
        TrendChart(title="<script>alert(1)</script> & co", months=["Apr"], current_label="x", current=[D(1)])
    )
    assert "<script>" not in svg and parse(svg).find(f"{SVG}title").text.startswith("<script>")


@pytest.mark.parametrize(
    "values", [[D("88.6"), D("97")], [D("5500"), D("7000")], [D("0.5")], [D("-3"), D("2")], [D("0"), D("0")]]
)
def test_y_axis_ticks_are_evenly_spaced_and_cover_every_value(values):
    ticks = y_ticks(values)
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1 and 2 <= len(ticks) <= 7
    assert ticks[0] <= min(values) and ticks[-1] >= max(values)


def test_indicator_chart_takes_this_and_last_financial_year_and_the_years_target():
    indicator = SimpleNamespace(code="X1", name="Thing", is_kpi=True, format=lambda v: f"{v}")
    results = [
        SimpleNamespace(period=date(2019, 4, 1), value=D("1")),
        SimpleNamespace(period=date(2018, 6, 1), value=D("2")),
        SimpleNamespace(period=date(2019, 12, 1), value=D("9")),
    ]
    thresholds = [SimpleNamespace(financial_year=2019, target=D("5"), floor=D("3"), lower=None, upper=None)]
    made = indicator_chart(indicator, results, thresholds, date(2019, 11, 1))
    assert made.current[0] == D("1") and made.current[8] is None  # December is after the period shown
    assert made.previous[2] == D("2")
    assert (made.target, made.floor) == (D("5"), D("3"))
    assert "Latest value 1 in April 2019." in made.description


def test_indicator_page_shows_the_chart_and_its_table_alternative(client, demo, viewer_user):
    client.force_login(viewer_user)
    html = client.get("/indicators/ICT02/").content.decode()
    start = html.index('role="img" class="kp-chart"')  # the trend chart, not the SPC icons before it
    svg = html[html.rindex("<svg", 0, start) : html.index("</svg>", start) + 6]
    root = parse(svg)
    assert root.find(f"{SVG}title").text == (
        "ICT02 Positive feedback rating with the ICT help desk: trend, 2018/19 and 2019/20"
    )
    assert "Latest value 88.6% in November 2019. Target 95.0%. Floor standard 90.0%." in root.find(f"{SVG}desc").text
    assert 'id="chart-table"' in html and "The chart’s figures as a table" in html
