"""The XmR chart on the indicator page: its SVG, table alternative, icons, and the page that shows them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal as D
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from indicators.models import Indicator, Phase, Result
from indicators.periods import Frequency, add_months, period_label
from indicators.rules import Polarity
from indicators.spc import Assurance, Variation, xmr
from indicators.spc_chart import (
    XmrChart,
    gap_note,
    icon_svg,
    icon_words,
    indicator_xmr,
    proposed_target_assurance,
    render_xmr_svg,
)

SVG = "{http://www.w3.org/2000/svg}"
START = date(2018, 4, 1)
# 13 steady months below the mean, then a sustained rise (a shift above it).
SHIFTED = [50, 52, 49, 51, 53, 48, 50, 51, 49, 52, 50, 51, 49, 56, 57, 55, 56, 57, 58, 56, 57]


def fmt(value):
    return "–" if value is None else f"{value:.1f}"


def make_chart(values, *, polarity=Polarity.HIGH, target=None, phase_starts=()) -> XmrChart:
    periods = [add_months(START, i) for i in range(len(values))]
    series = [(p, None if v is None else D(str(v))) for p, v in zip(periods, values, strict=True)]
    result = xmr(series, polarity=polarity, target=target, phase_starts=phase_starts)
    return XmrChart(title="X1 XmR", periods=periods, result=result, target=target, format=fmt, description="d")


def parse(chart: XmrChart) -> ET.Element:
    return ET.fromstring(render_xmr_svg(chart))


def by_class(root: ET.Element, css: str) -> list[ET.Element]:
    return [el for el in root.iter() if css in (el.get("class") or "").split()]


def test_xmr_chart_is_an_accessible_image_with_title_and_description():
    root = parse(make_chart(SHIFTED))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "xmr-title xmr-desc"
    assert root.find(f"{SVG}title").text == "X1 XmR"
    assert root.find(f"{SVG}desc").text == "d"


def test_special_cause_points_differ_by_colour_and_shape():
    root = parse(make_chart(SHIFTED))
    concern = by_class(root, "kp-xmr__point--concern")
    improvement = by_class(root, "kp-xmr__point--improvement")
    common = by_class(root, "kp-xmr__point--common_cause")
    # Legend markers carry the class too: one of each kind shown.
    assert len(improvement) == 8 + 1 and len(concern) >= 2 and common
    assert {el.tag for el in improvement} == {f"{SVG}rect"} and {el.get("fill") for el in improvement} == {"#005EB8"}
    assert {el.tag for el in concern} == {f"{SVG}polygon"} and {el.get("fill") for el in concern} == {"#ED8B00"}
    assert {el.tag for el in common} == {f"{SVG}circle"}
    texts = [el.text for el in root.iter(f"{SVG}text")]
    assert {"Common cause", "Special cause improvement", "Special cause concern", "Mean", "Process limits"} <= set(
        texts
    )


@pytest.mark.parametrize("months", [13, 20, 24, 37, 60])
def test_the_month_labels_are_evenly_spaced_and_end_on_the_latest_month(months):
    root = parse(make_chart([50 + i % 3 for i in range(months)]))
    labels = [el for el in root.iter(f"{SVG}text") if el.get("text-anchor") == "middle"]
    xs = [float(el.get("x")) for el in labels]
    assert 2 <= len(labels) <= 8
    gaps = [b - a for a, b in zip(xs, xs[1:], strict=False)]
    assert max(gaps) - min(gaps) < 0.5  # one spacing (to the printed 0.1 px): no two labels crowd each other
    latest = add_months(START, months - 1)
    assert labels[-1].text == f"{latest:%b} {latest.year % 100:02d}"


def test_limits_mean_and_target_lines_are_drawn():
    root = parse(make_chart(SHIFTED, target=D("54")))
    assert len(by_class(root, "kp-xmr__mean")) == 1
    assert len(by_class(root, "kp-xmr__limit")) == 2 and len(by_class(root, "kp-xmr__two-sigma")) == 2
    assert len(by_class(root, "kp-xmr__target")) == 1
    assert "Target 54.0" in [el.text for el in root.iter(f"{SVG}text")]
    assert not by_class(parse(make_chart(SHIFTED)), "kp-xmr__target")


def test_each_phase_has_its_own_mean_and_limits_and_a_marked_start():
    root = parse(make_chart(SHIFTED, phase_starts=[13]))
    means = by_class(root, "kp-xmr__mean")
    assert len(means) == 2 and means[0].get("y1") != means[1].get("y1")
    assert len(by_class(root, "kp-xmr__limit")) == 4
    assert len(by_class(root, "kp-xmr__phase")) == 1
    assert "Phase 2" in [el.text for el in root.iter(f"{SVG}text")]


def test_table_rows_give_each_points_signal_and_say_when_a_month_has_no_value():
    rows = make_chart(SHIFTED[:13] + [None] + SHIFTED[13:]).rows
    assert rows[0] == ("April 2018", "50.0", "Common cause")
    assert rows[13] == ("May 2019", "–", "No value")
    assert rows[-2] == ("December 2019", "56.0", "Improvement (high): a run on one side of the mean")
    assert rows[-3][2] == (
        "Improvement (high): beyond a process limit, a run on one side of the mean, two of three near a process limit"
    )


def test_a_gap_splits_the_line_of_values():
    root = parse(make_chart([1, 2, 3, None, 2, 1]))
    lines = by_class(root, "kp-xmr__values")
    assert [len(line.get("points").split()) for line in lines] == [3, 2]


def test_text_in_the_chart_is_escaped():
    chart = make_chart([1, 2, 3])
    svg = render_xmr_svg(XmrChart(**{**chart.__dict__, "title": "<b>&</b>"}))
    assert "<b>" not in svg and ET.fromstring(svg).find(f"{SVG}title").text == "<b>&</b>"


@pytest.mark.parametrize(
    ("value", "letter"),
    [
        (Variation.COMMON_CAUSE, "~"),
        (Variation.IMPROVEMENT_HIGH, "H"),
        (Variation.CONCERN_LOW, "L"),
        (Assurance.PASS, "P"),
        (Assurance.FAIL, "F"),
        (Assurance.HIT_AND_MISS, "?"),
    ],
)
def test_icons_are_decorative_with_a_letter_so_colour_is_not_the_only_cue(value, letter):
    root = ET.fromstring(icon_svg(value))
    assert root.get("aria-hidden") == "true"
    assert root.find(f"{SVG}text").text == letter


def test_no_icon_without_a_variation_or_assurance():
    assert icon_svg(Variation.NONE) == icon_svg(Assurance.NONE) == ""


# --- building the chart from an indicator's rows ------------------------------------


def indicator(**extra):
    fields = dict(code="X1", name="Thing", frequency="monthly", polarity="H", is_kpi=True, format=fmt)
    fields |= dict(unit="number", allow_out_of_range=False)
    return SimpleNamespace(**{**fields, **extra})


def results(values, start=START, step=1):
    return [SimpleNamespace(period=add_months(start, i * step), value=v) for i, v in enumerate(values)]


def test_indicator_xmr_runs_over_every_period_to_the_one_shown_with_missing_months_as_gaps():
    rows = [r for r in results([D(v) for v in SHIFTED]) if r.period != date(2018, 7, 1)]
    chart = indicator_xmr(indicator(), rows, [], date(2019, 11, 1))
    assert chart.periods[0] == START and chart.periods[-1] == date(2019, 11, 1)
    assert chart.result.points[3].value is None  # July 2018 has no row
    assert len(chart.periods) == 20  # December 2019 onwards is after the period shown
    assert chart.title == "X1 Thing: statistical process control (XmR) chart"
    assert chart.description.startswith("19 values from April 2018 to November 2019. Mean ")


def test_indicator_xmr_takes_the_years_target_for_a_kpi_only():
    thresholds = [SimpleNamespace(financial_year=2019, target=D("54"))]
    rows = results([D(v) for v in SHIFTED])
    kpi = indicator_xmr(indicator(), rows, thresholds, date(2019, 11, 1))
    assert kpi.target == D("54") and kpi.result.assurance is not Assurance.NONE
    activity = indicator_xmr(indicator(is_kpi=False), rows, thresholds, date(2019, 11, 1))
    assert activity.target is None and activity.result.assurance is Assurance.NONE


# [50, 52] × 7: mean 51, moving ranges 2, process limits 51 ± 5.32 = 45.68 to 56.32.
STEADY = [D(v) for v in [50, 52] * 7]


@pytest.mark.parametrize(
    ("polarity", "target", "text"),
    [
        (
            "H",
            "51",
            "A target of 51.0 is inside the current process limits (45.7 to 56.3, from the values to May "
            "2019): hit and miss at current performance.",
        ),
        (
            "H",
            "60",
            "A target of 60.0 is above the current process limits (45.7 to 56.3, from the values to May "
            "2019): it will consistently fail unless the process changes.",
        ),
        (
            "H",
            "40",
            "A target of 40.0 is below the current process limits (45.7 to 56.3, from the values to May "
            "2019): it will consistently pass at current performance.",
        ),
        (
            "L",
            "40",
            "A target of 40.0 is below the current process limits (45.7 to 56.3, from the values to May "
            "2019): it will consistently fail unless the process changes.",
        ),
    ],
)
def test_a_proposed_target_is_placed_against_the_current_process_limits_in_words(polarity, target, text):
    said = proposed_target_assurance(indicator(polarity=polarity), results(STEADY), [], D(target))
    assert said.text == text


def test_a_proposed_target_without_enough_data_says_so_rather_than_guess():
    assert proposed_target_assurance(indicator(), results(STEADY[:9]), [], D("60")).text == (
        "Not enough data: 9 values; SPC needs at least 13 to show whether a change is real."
    )
    assert proposed_target_assurance(indicator(), [], [], D("60")).assurance is Assurance.NONE
    close = proposed_target_assurance(indicator(polarity="T"), results(STEADY), [], D("60"))
    assert close.assurance is Assurance.NONE and "close to its target" in close.text


def test_a_proposed_target_is_judged_against_the_latest_phase_only():
    rows = results(STEADY + [D(v) for v in [70, 72] * 7])
    phase = SimpleNamespace(start=add_months(START, 14), reason="New system")
    assert proposed_target_assurance(indicator(), rows, [phase], D("60")).assurance is Assurance.PASS
    assert proposed_target_assurance(indicator(), rows, [], D("60")).assurance is not Assurance.PASS


# [96, 100] × 7: mean 98, moving ranges 4, process limits 98 ± 10.64 = 87.36 to 108.64; [0, 4] × 7: −8.64 to 12.64.
NEAR_100, NEAR_0 = [D(v) for v in [96, 100] * 7], [D(v) for v in [0, 4] * 7]


@pytest.mark.parametrize(
    ("values", "computed", "drawn", "words"),
    [
        (NEAR_100, (D("87.36"), D("108.64")), (D("87.36"), D(100)), "process limits 87.4 to 100.0."),
        (NEAR_0, (D("-8.64"), D("12.64")), (D(0), D("12.64")), "process limits 0.0 to 12.6."),
    ],
)
def test_a_percentages_limits_are_drawn_and_written_within_0_and_100_and_its_rules_keep_the_computed_ones(
    values, computed, drawn, words
):
    percentage = indicator_xmr(indicator(unit="percentage"), results(values), [], date(2019, 5, 1))
    number = indicator_xmr(indicator(), results(values), [], date(2019, 5, 1))
    phase, shown = percentage.result.phases[0], percentage.phases[0]
    assert (phase.lower_limit, phase.upper_limit) == computed
    assert (shown.lower_limit, shown.upper_limit) == drawn
    assert D(0) <= shown.lower_two_sigma and shown.upper_two_sigma <= D(100)
    assert percentage.result == number.result  # the same signals and icons as the computed limits give
    assert words in percentage.description
    root = parse(percentage)
    ticks = {el.text: float(el.get("y")) - 5 for el in root.iter(f"{SVG}text") if el.get("text-anchor") == "end"}
    assert max(float(label) for label in ticks) <= 100 and min(float(label) for label in ticks) >= 0
    edge = ticks["100.0"] if drawn[1] == 100 else ticks["0.0"]
    assert any(abs(float(line.get("y1")) - edge) < 0.1 for line in by_class(root, "kp-xmr__limit"))


def test_the_limits_of_a_number_or_a_percentage_that_may_pass_100_are_drawn_as_computed():
    for which in (indicator(), indicator(unit="percentage", allow_out_of_range=True)):
        chart = indicator_xmr(which, results(NEAR_100), [], date(2019, 5, 1))
        assert chart.phases == chart.result.phases and chart.phases[0].upper_limit == D("108.64")
        assert "process limits 87.4 to 108.6." in chart.description


def test_a_proposed_target_for_a_percentage_names_the_limits_as_drawn():
    said = proposed_target_assurance(indicator(unit="percentage"), results(NEAR_100), [], D("95"))
    assert said.assurance is Assurance.HIT_AND_MISS
    assert "current process limits (87.4 to 100.0, from the values to May 2019)" in said.text


def test_indicator_xmr_of_a_quarterly_indicator_uses_quarters():
    rows = results([D(v) for v in range(1, 6)], start=date(2018, 6, 1), step=3)
    chart = indicator_xmr(indicator(frequency="quarterly"), rows, [], date(2019, 6, 1))
    assert chart.periods == [date(2018, 6, 1), date(2018, 9, 1), date(2018, 12, 1), date(2019, 3, 1), date(2019, 6, 1)]
    assert "Not enough data: 5 values" in chart.description


WHAT_A_GAP_DOES = (
    "the chart uses the values it has, with no moving range across a gap, and a gap neither breaks nor extends a run."
)


@pytest.mark.parametrize(
    ("missing", "frequency", "which"),
    [
        ([date(2019, 7, 1)], "monthly", "July 2019"),
        ([date(2019, 3, 1), date(2019, 6, 1)], "quarterly", "2 quarters (March 2019 and June 2019)"),
        (
            [date(2019, m, 1) for m in (2, 3, 5)],
            "monthly",
            "3 months (February 2019, March 2019 and May 2019)",
        ),
        (
            [date(2019, m, 1) for m in (2, 3, 5, 9)],
            "monthly",
            "4 months (the first February 2019, the latest September 2019)",
        ),
    ],
)
def test_a_gap_note_names_the_periods_without_a_value_and_what_the_chart_does(missing, frequency, which):
    assert gap_note(missing, Frequency(frequency)) == f"No value for {which}: {WHAT_A_GAP_DOES}"


def test_the_chart_notes_its_gaps_including_a_latest_period_not_yet_in_and_none_without_gaps():
    rows = results(STEADY)  # monthly from START, no gaps
    assert indicator_xmr(indicator(), rows, [], rows[-1].period).gap_note == ""
    gappy = [row for row in rows if row.period != add_months(START, 3)]
    chart = indicator_xmr(indicator(), gappy, [], add_months(rows[-1].period, 1))
    assert chart.gap_note.startswith(f"No value for 2 months ({period_label(add_months(START, 3))} and ")
    assert chart.gap_note in chart.description


def test_no_xmr_chart_without_values():
    assert indicator_xmr(indicator(), results([None, None]), [], date(2019, 11, 1)) is None


# --- the page --------------------------------------------------------------------------


def test_indicator_page_shows_the_xmr_chart_its_table_and_the_icons_in_words(client, demo, viewer_user):
    client.force_login(viewer_user)
    html = client.get("/indicators/ICT02/").content.decode()
    start = html.index('<svg xmlns="http://www.w3.org/2000/svg" role="img" class="kp-chart kp-xmr"')
    root = ET.fromstring(html[start : html.index("</svg>", start) + 6])
    assert root.find(f"{SVG}title").text.endswith(": statistical process control (XmR) chart")
    assert "Target 95.0%." in root.find(f"{SVG}desc").text
    assert 'id="xmr-table"' in html and "The XmR chart’s figures and signals as a table" in html
    assert "Year on year" in html and html.index('class="kp-chart"') < start  # beside today's chart
    variation = html[html.index('id="spc-variation"') : html.index('id="spc-assurance"')]
    assert "Variation (SPC)" in variation and "kp-spc-icon" in variation
    assert any(v.label in variation for v in Variation if v is not Variation.NONE)
    assurance = html[html.index('id="spc-assurance"') :][:1500]
    assert any(a.label in assurance for a in Assurance if a is not Assurance.NONE)
    assert ' style="' not in html[start : html.index("</svg>", start)]  # CSP: no inline styles


def test_indicator_page_says_not_enough_data_for_a_short_history(client, demo, viewer_user):
    ict02 = Indicator.objects.get(code="ICT02")
    Result.objects.filter(indicator=ict02, period__lt=date(2019, 1, 1)).delete()
    client.force_login(viewer_user)
    html = client.get("/indicators/ICT02/").content.decode()
    variation = html[html.index('id="spc-variation"') : html.index('id="spc-assurance"')]
    assert "Not enough data: 11 values; SPC needs at least 13 to show whether a change is real." in variation
    assert "kp-spc-icon" not in variation


# --- phases ------------------------------------------------------------------------------


def test_indicator_xmr_starts_a_phase_at_each_phase_row_inside_the_chart():
    rows = results([D(v) for v in SHIFTED])
    phases = [
        SimpleNamespace(start=date(2019, 5, 1), reason="New booking system"),
        SimpleNamespace(start=date(2017, 1, 1), reason="Before the first value"),
        SimpleNamespace(start=date(2020, 1, 1), reason="After the period shown"),
    ]
    chart = indicator_xmr(indicator(), rows, [], date(2019, 11, 1), phases)
    assert [phase.start for phase in chart.result.phases] == [0, 13]
    assert chart.phase_notes == ["Phase 2 from May 2019: New booking system"]
    assert "(phase 2, from May 2019)" in chart.description


def test_a_phase_start_must_be_a_reporting_period_and_needs_a_reason(demo):
    quarterly = Indicator.objects.filter(frequency="quarterly").first() or Indicator.objects.first()
    quarterly.frequency = "quarterly"
    phase = Phase(indicator=quarterly, start=date(2019, 5, 1), reason="  ")
    with pytest.raises(ValidationError) as raised:
        phase.full_clean()
    assert set(raised.value.message_dict) == {"start", "reason"}
    Phase(indicator=quarterly, start=date(2019, 6, 1), reason="New system").full_clean()


def test_a_new_phase_shows_on_the_indicator_page_with_its_reason(client, demo, viewer_user, committed):
    client.force_login(viewer_user)
    before = client.get("/indicators/ICT02/").content.decode()
    assert 'id="xmr-phases"' not in before
    ict02 = Indicator.objects.get(code="ICT02")
    with committed():
        Phase.objects.create(indicator=ict02, start=date(2019, 4, 1), reason="New help desk contract")
    html = client.get("/indicators/ICT02/").content.decode()  # the page's cache is keyed on its data
    assert "Phase 2 from April 2019: New help desk contract" in html
    start = html.index('class="kp-chart kp-xmr"')
    assert html[start : html.index("</svg>", start)].count('class="kp-xmr__mean"') == 2
    variation = html[html.index('id="spc-variation"') : html.index('id="spc-assurance"')]
    assert "Not enough data: 8 values in the current phase" in variation
    assert Phase.history.filter(reason="New help desk contract").exists()


def test_the_performance_team_maintains_phases_in_the_indicator_admin(demo, client, performance_user):
    client.force_login(performance_user)
    ict02 = Indicator.objects.get(code="ICT02")
    page = client.get(reverse("admin:indicators_indicator_change", args=[ict02.pk])).content.decode()
    assert "SPC phases (rebased limits)" in page and 'name="phases-TOTAL_FORMS"' in page


def test_a_phase_added_in_the_admin_is_saved_with_its_history(demo, client, performance_user):
    client.force_login(performance_user)
    ict02 = Indicator.objects.get(code="ICT02")
    url = reverse("admin:indicators_indicator_change", args=[ict02.pk])
    form = client.get(url).context["adminform"].form
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    data["owners"] = [user.pk for user in ict02.owners.all()]
    for prefix in ("thresholds", "results"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    data |= {"phases-TOTAL_FORMS": "1", "phases-INITIAL_FORMS": "0", "phases-0-indicator": ict02.pk}
    data |= {"phases-0-start": "2019-04-01", "phases-0-reason": "New help desk contract"}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert list(ict02.phases.values_list("start", "reason")) == [(date(2019, 4, 1), "New help desk contract")]
    assert Phase.history.filter(indicator=ict02).count() == 1


@pytest.mark.parametrize(
    ("variation", "assurance", "reason", "words"),
    [
        (
            Variation.CONCERN_LOW,
            Assurance.HIT_AND_MISS,
            "",
            (Variation.CONCERN_LOW.label, Assurance.HIT_AND_MISS.label),
        ),
        (
            Variation.NONE,
            Assurance.NONE,
            "Not enough data: 6 values; SPC needs at least 13 to show whether a change is real.",
            ("Not enough data: 6 values; SPC needs at least 13 to show whether a change is real.", "No assurance"),
        ),
        (
            Variation.NEUTRAL_LOW,
            Assurance.NONE,
            "No assurance icon for an indicator that aims to stay close to its target.",
            (Variation.NEUTRAL_LOW.label, "No assurance icon for an indicator that aims to stay close to its target."),
        ),
    ],
)
def test_the_icons_words_give_each_label_or_say_once_why_there_is_none(variation, assurance, reason, words):
    labels = {"variation_label": variation.label, "assurance_label": assurance.label}
    assert icon_words(variation=variation, assurance=assurance, reason=reason, **labels) == words
