"""The server-rendered SVG trend chart."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal as D
from types import SimpleNamespace

import pytest

from indicators.charts import (
    TrendChart,
    indicator_chart,
    rating_bar,
    render_svg,
    sparkline_svg,
    sparkline_text,
    y_ticks,
)

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


# --- the dashboard's sparklines and rating bar ------------------------------------


def test_a_sparkline_is_hidden_from_screen_readers_and_styled_without_style_attributes():
    root = parse(sparkline_svg([D("90"), D("95"), D("92")]))
    assert root.get("aria-hidden") == "true" and root.get("focusable") == "false"
    assert not [element for element in root.iter() if "style" in element.attrib]


def test_a_sparkline_runs_oldest_to_newest_from_lowest_to_highest_and_dots_the_latest_figure():
    root = parse(sparkline_svg([D("90"), D("100"), D("95")]))
    points = [tuple(map(float, p.split(","))) for p in root.find(f"{SVG}polyline").get("points").split()]
    assert [x for x, _ in points] == sorted(x for x, _ in points)
    assert points[1][1] < points[2][1] < points[0][1]  # SVG's y grows downwards: the highest value is on top
    (dot,) = root.findall(f"{SVG}circle")
    assert (float(dot.get("cx")), float(dot.get("cy"))) == points[2]


def test_a_missing_figure_breaks_the_sparkline_and_a_lone_figure_gets_a_dot():
    root = parse(sparkline_svg([D("1"), D("2"), None, D("3"), None, D("4"), D("5")]))
    assert len(root.findall(f"{SVG}polyline")) == 2
    assert len(root.findall(f"{SVG}circle")) == 2  # the lone 3 and the latest, 5


def test_a_flat_or_single_figure_sparkline_draws_without_dividing_by_zero():
    assert parse(sparkline_svg([D("7"), D("7")])).find(f"{SVG}polyline") is not None
    assert len(parse(sparkline_svg([D("7")])).findall(f"{SVG}circle")) == 1


def test_a_row_without_figures_has_no_sparkline_and_says_so():
    assert sparkline_svg([None, None]) == ""
    assert sparkline_text([(date(2019, 11, 1), None)], str) == "No figures in the last 12 months."


def test_the_sparkline_text_names_its_months_and_every_figure_including_the_gaps():
    trend = [(date(2019, 9, 1), D("90.5")), (date(2019, 10, 1), None), (date(2019, 11, 1), D("88.6"))]
    assert sparkline_text(trend, lambda v: f"{v}%") == "September 2019 to November 2019: 90.5%, no figure, 88.6%."


def test_the_rating_bar_lays_the_counts_end_to_end_across_the_whole_width():
    segments = rating_bar(21, 3, 1, 0)
    assert [(s.rag, s.count, s.x, s.width) for s in segments] == [
        ("green", 21, 0.0, 84.0),
        ("amber", 3, 84.0, 12.0),
        ("red", 1, 96.0, 4.0),
        ("none", 0, 100.0, 0.0),
    ]
    assert [s.labelled for s in segments] == [True, True, False, False]  # too narrow for its number: the legend has it


def test_a_rating_bar_without_kpis_has_no_width():
    assert {s.width for s in rating_bar(0, 0, 0, 0)} == {0.0}
