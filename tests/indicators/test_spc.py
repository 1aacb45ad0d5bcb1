"""SPC (Making Data Count XmR): limits, each rule at its edges, icons, reference cases and properties."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from indicators.rules import Polarity
from indicators.spc import (
    Assurance,
    Cause,
    Rule,
    Side,
    Signal,
    SpcSettings,
    Variation,
    icons_as_of_each_point,
    target_assurance,
    xmr,
)

H, L, T = Polarity.HIGH, Polarity.LOW, Polarity.TARGET
OUT, SHIFT, TREND, TWO = Rule.OUTSIDE_LIMITS, Rule.SHIFT, Rule.TREND, Rule.TWO_OF_THREE


def D(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def chart(values, polarity=H, *, target=None, phase_starts=(), **settings):
    series = [(i, D(v)) for i, v in enumerate(values)]
    return xmr(series, polarity=polarity, target=D(target), phase_starts=phase_starts, settings=SpcSettings(**settings))


def flagged(result, rule) -> list[int]:
    """Indices of the points where ``rule`` fires."""
    return [i for i, p in enumerate(result.points) if rule in p.rules]


def near(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= Decimal("1e-18") * (1 + abs(b))


# --- reference cases: NHSRplotthedots ---------------------------------------------------------
# tests/testthat/test-ptd_spc_standard.R and test-ptd_spc.R build their data with
# set.seed(123); rnorm(20); the expected figures are in tests/testthat/_snaps/ptd_spc_standard.md
# ("it returns expected values", r1-r3) and _snaps/ptd_spc.md ("it outputs expected content",
# s3: two groups of 10). R's rnorm values to the 8 places its snapshot prints:
RNORM_123 = (
    "-0.56047565 -0.23017749 1.55870831 0.07050839 0.12928774 1.71506499 0.46091621 -1.26506123 "
    "-0.68685285 -0.44566197 1.22408180 0.35981383 0.40077145 0.11068272 -0.55584113 1.78691314 "
    "0.49785048 -1.96661716 0.70135590 -0.47279141"
).split()
WITH_OUTLIER = RNORM_123[:14] + ["10"] + RNORM_123[15:]  # data$y[15] <- 10 (R counts from 1)


def rounded(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places))


@pytest.mark.parametrize(
    ("values", "screen", "mean", "lower", "upper"),
    [
        # r1: no outlier, screening on (NHSRplotthedots' default); nothing is screened out.
        (RNORM_123, True, "0.1416238", "-3.011380", "3.294627"),
        (RNORM_123, False, "0.1416238", "-3.011380", "3.294627"),
        # r2: y[15] = 10, screened (the two moving ranges around 10 are left out).
        (WITH_OUTLIER, True, "0.6694159", "-2.383666", "3.722497"),
        # r3: the same without screening: wider limits.
        (WITH_OUTLIER, False, "0.6694159", "-4.596625", "5.935457"),
    ],
)
def test_limits_match_nhsrplotthedots_snapshots(values, screen, mean, lower, upper):
    phase = chart(values, screen_moving_ranges=screen).phases[0]
    assert rounded(phase.mean, 7) == Decimal(mean)
    assert rounded(phase.lower_limit, 6) == Decimal(lower)
    assert rounded(phase.upper_limit, 6) == Decimal(upper)


def test_screening_leaves_out_only_the_moving_ranges_next_to_the_outlier():
    points = chart(WITH_OUTLIER, screen_moving_ranges=True).points
    assert [i for i, p in enumerate(points) if p.moving_range_screened] == [14, 15]


def test_the_outlier_is_outside_the_limits_with_and_without_screening():
    for screen in (True, False):
        assert flagged(chart(WITH_OUTLIER, screen_moving_ranges=screen), OUT) == [14]


def test_phases_match_nhsrplotthedots_groups_of_ten():
    # _snaps/ptd_spc.md, s3 (facet = rep(c(0, 1), each = 10)): 0.0746 −2.60 2.75 and 0.209 −3.28 3.70.
    first, second = chart(RNORM_123, phase_starts=[10], screen_moving_ranges=True).phases
    assert (rounded(first.mean, 4), rounded(first.lower_limit, 2), rounded(first.upper_limit, 2)) == (
        Decimal("0.0746"),
        Decimal("-2.60"),
        Decimal("2.75"),
    )
    assert (rounded(second.mean, 3), rounded(second.lower_limit, 2), rounded(second.upper_limit, 2)) == (
        Decimal("0.209"),
        Decimal("-3.28"),
        Decimal("3.70"),
    )


def test_rnorm_series_is_common_cause_throughout():
    # _snaps/ptd_spc.md: n 20, common_cause 20, no improvement, no concern.
    result = chart(RNORM_123, screen_moving_ranges=True)
    assert all(p.cause is Cause.COMMON for p in result.points)
    assert result.variation is Variation.COMMON_CAUSE


def test_two_points_beyond_two_sigma_on_opposite_sides_are_common_cause():
    # test-ptd_spc_standard.R, "it only reports special cause for 2of3 points close to limits when
    # they are on the same side of the mean": rep(c(1, -1), 8) with data[15] = 5.5, data[16] = -5.5.
    values = [1, -1] * 8
    values[14], values[15] = 5.5, -5.5
    for screen in (True, False):
        result = chart(values, screen_moving_ranges=screen)
        assert [p.cause for p in result.points[-2:]] == [Cause.COMMON, Cause.COMMON]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # test-ptd_calculate_point_type.R, "ptd_seven_point_trend works as expected"
        # (its 0/1 marks the point completing a trend; ptd_part_of_seven_trend then marks all 7).
        (list(range(1, 7)), []),
        ([1, 2, 3, 3, 4, 5, 6], []),  # a repeated value breaks the trend
        (list(range(1, 8)), list(range(7))),
        ([2, *range(1, 8), 3], list(range(1, 8))),
        (list(range(7, 0, -1)), list(range(7))),
        ([2, *range(7, 0, -1), 3], list(range(1, 8))),
    ],
)
def test_trend_matches_nhsrplotthedots(values, expected):
    assert flagged(chart(values), TREND) == expected


# --- limits and the 2σ lines ----------------------------------------------------------------------


def test_limits_are_the_mean_plus_or_minus_2_66_mean_moving_ranges():
    phase = chart([1, 3, 2, 4]).phases[0]  # mean 2.5, moving ranges 2, 1, 2
    assert phase.mean == Decimal("2.5")
    assert near(phase.mean_moving_range, Decimal(5) / 3)
    assert near(phase.upper_limit, Decimal("2.5") + Decimal("2.66") * 5 / 3)
    assert near(phase.lower_limit, Decimal("2.5") - Decimal("2.66") * 5 / 3)
    assert near(phase.upper_two_sigma, Decimal("2.5") + Decimal("2.66") * 2 / 3 * 5 / 3)
    assert near(phase.lower_two_sigma, Decimal("2.5") - Decimal("2.66") * 2 / 3 * 5 / 3)


def test_first_point_has_no_moving_range():
    assert [p.moving_range for p in chart([1, 3, 2]).points] == [None, Decimal(2), Decimal(1)]


def test_a_single_value_has_a_mean_but_no_limits():
    phase = chart([5]).phases[0]
    assert (phase.mean, phase.upper_limit, phase.lower_limit) == (Decimal(5), None, None)


def test_no_values_gives_no_phase_and_says_why():
    result = chart([])
    assert (result.phases, result.variation, result.assurance) == ((), Variation.NONE, Assurance.NONE)
    assert "Not enough data: 0 values" in result.reason


def test_identical_values_have_limits_on_the_mean_and_no_signal():
    result = chart([4] * 15, screen_moving_ranges=True)
    assert result.phases[0].upper_limit == result.phases[0].lower_limit == Decimal(4)
    assert result.variation is Variation.COMMON_CAUSE


# --- rule 1: outside the limits ------------------------------------------------------------------
# [0, 0, 3, 0, 34]: mean 7.4, moving ranges 0, 3, 3, 34 → mean 10, upper limit 7.4 + 26.6 = 34.


@pytest.mark.parametrize(
    ("last", "outside"),
    [("33.99", False), ("34", False), ("34.01", True)],
)
def test_a_point_exactly_on_the_limit_is_not_outside_it(last, outside):
    result = chart([0, 0, 3, 0, last])
    if last == "34":
        assert result.phases[0].upper_limit == Decimal(34)
    assert (OUT in result.points[-1].rules) is outside


def test_a_point_below_the_lower_limit_is_a_low_signal():
    result = chart([0, 0, -3, 0, -34.01])
    assert result.points[-1].signals == {s for s in result.points[-1].signals if s.side is Side.LOW}
    assert OUT in result.points[-1].rules


# --- screening ------------------------------------------------------------------------------------
# [0, 244, 0, 245, 3512]: moving ranges 244, 244, 245, 3267 → mean 1000, and 3267 = 3.267 × 1000.


@pytest.mark.parametrize(
    ("last", "screen", "screened"),
    [
        (3512, True, True),  # exactly 3.267 × the mean moving range: screened (NHSRplotthedots keeps only <)
        (3511, True, False),  # 3266 < 3.267 × 999.75
        (3512, False, False),  # screening is off by default, as NHS England's Excel tool
    ],
)
def test_screening_at_its_threshold(last, screen, screened):
    result = chart([0, 244, 0, 245, last], screen_moving_ranges=screen)
    assert result.points[-1].moving_range_screened is screened
    expected = Decimal(733) / 3 if screened else Decimal(last - 245 + 733) / 4
    assert near(result.phases[0].mean_moving_range, expected)


def test_screening_is_off_by_default():
    assert SpcSettings().screen_moving_ranges is False


# --- rule 2: shift ---------------------------------------------------------------------------------
BASE = [5, -5] * 4  # mean 0, moving ranges of 10: ±1 is well inside the 2σ lines


@pytest.mark.parametrize(
    ("run", "length", "expected_high", "expected_low"),
    [
        (6, 7, [], []),
        (7, 7, list(range(8, 15)), list(range(15, 22))),
        (8, 7, list(range(8, 16)), list(range(16, 24))),  # the whole run is flagged, not just 7
        (6, 6, list(range(8, 14)), list(range(14, 20))),
        (5, 6, [], []),
    ],
)
def test_shift_of_n_points_on_one_side_of_the_mean(run, length, expected_high, expected_low):
    result = chart(BASE + [1] * run + [-1] * run, shift_length=length)
    shifts = [(i, s.side) for i, p in enumerate(result.points) for s in p.signals if s.rule is SHIFT]
    assert shifts == [(i, Side.HIGH) for i in expected_high] + [(i, Side.LOW) for i in expected_low]


def test_a_point_on_the_mean_breaks_a_shift():
    # Seven values above the mean but the fourth is on it: two runs of three, no shift.
    # The six below the mean are a shift only when the setting is 6.
    values = BASE + [1, 1, 1, 0, 1, 1, 1] + [-1] * 6
    assert chart(values).phases[0].mean == 0
    assert flagged(chart(values), SHIFT) == []
    assert flagged(chart(values, shift_length=6), SHIFT) == list(range(15, 21))


@pytest.mark.parametrize("length", [4, 10])
def test_run_lengths_outside_what_any_tool_uses_are_refused(length):
    with pytest.raises(ValueError, match="shift_length"):
        SpcSettings(shift_length=length)
    with pytest.raises(ValueError, match="trend_length"):
        SpcSettings(trend_length=length)


# --- rule 3: trend ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "length", "expected", "side"),
    [
        ([1, 2, 3, 4, 5, 6], 7, [], None),
        ([1, 2, 3, 4, 5, 6, 7], 7, list(range(7)), Side.HIGH),
        ([1, 2, 3, 4, 5, 6], 6, list(range(6)), Side.HIGH),
        ([9, 8, 7, 6, 5, 4, 3], 7, list(range(7)), Side.LOW),
        ([1, 2, 3, 4, 4, 5, 6, 7], 7, [], None),  # a tie breaks the trend
        ([1, 2, 3, 4, 4, 5, 6, 7], 5, [], None),  # … on both sides (4 steps up, then 3)
        ([1, 2, 3, 4, 5, 5, 6, 7], 5, list(range(5)), Side.HIGH),
    ],
)
def test_trend_of_n_consecutive_rising_or_falling_points(values, length, expected, side):
    result = chart(values, trend_length=length)
    assert flagged(result, TREND) == expected
    assert {s.side for i in expected for s in result.points[i].signals if s.rule is TREND} == ({side} - {None})


def test_the_peak_of_a_rise_and_fall_belongs_to_both_trends():
    result = chart([1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1])
    peak = result.points[6]
    assert {s.side for s in peak.signals if s.rule is TREND} == {Side.HIGH, Side.LOW}


# --- rule 4: two of three beyond the 2σ line ----------------------------------------------------------


def two_of_three_values(a, b, c, pairs=10):
    return [1, -1] * pairs + [a, b, c] + [-a, -b, -c]  # mirrored so the mean stays 0


@pytest.mark.parametrize(
    ("three", "pairs", "expected"),
    [
        ((6, 0, 6), 10, [20, 22, 23, 25]),  # two beyond, one between: the two (and their mirror) flag
        ((6, 6, 0), 10, [20, 21, 23, 24]),
        ((6, 0, 0), 10, []),  # only one beyond
        ((6, -6, 0), 10, []),  # beyond on opposite sides
        ((10, 0, 6), 20, [40, 42, 43, 45]),  # a point beyond the process limit counts (MDC)
    ],
)
def test_two_of_three_beyond_the_two_sigma_line_on_the_same_side(three, pairs, expected):
    result = chart(two_of_three_values(*three, pairs=pairs))
    assert flagged(result, TWO) == expected


def test_beyond_the_limit_and_beyond_two_sigma_both_fire():
    result = chart(two_of_three_values(10, 0, 6, pairs=20))
    assert flagged(result, OUT) == [40, 43]
    assert result.points[40].rules == {OUT, TWO}


# [1, −1] × 4, 0, 6.58, v, −6.58, −v: mean 0; with v = 5.32 the moving ranges average 3 and the
# 2σ line is 2/3 × 2.66 × 3 = 5.32 exactly, so v sits on it; 6.58 is beyond it (but inside 7.98).
@pytest.mark.parametrize(("v", "fires"), [("5.32", False), ("5.33", True)])
def test_a_point_exactly_on_the_two_sigma_line_is_not_beyond_it(v, fires):
    result = chart([1, -1] * 4 + [0, "6.58", v, "-6.58", f"-{v}"])
    if not fires:
        assert result.phases[0].upper_two_sigma == Decimal("5.32")
    assert flagged(result, TWO) == ([9, 10, 11, 12] if fires else [])


# --- gaps -----------------------------------------------------------------------------------------------


def test_a_gap_has_no_signal_and_no_moving_range_either_side():
    result = chart([1, 3, None, 2, 4])
    assert [p.moving_range for p in result.points] == [None, Decimal(2), None, None, Decimal(2)]
    assert result.points[2].cause is None and not result.points[2].signals
    assert result.phases[0].count == 4
    assert result.phases[0].mean == Decimal("2.5")


def test_a_gap_neither_breaks_nor_extends_a_shift_or_a_trend():
    # Seven recorded values above the mean with a missing month among them: still a shift.
    shift = BASE + [1, 1, 1, None, 1, 1, 1, 1] + [-1] * 7
    assert flagged(chart(shift), SHIFT) == [8, 9, 10, 12, 13, 14, 15, *range(16, 23)]  # the gap (11) has none
    assert flagged(chart(BASE + [1, 1, 1, None, 1, 1, 1] + [-1] * 6), SHIFT) == []  # six values: the gap is no 7th
    trend = [1, 2, 3, None, 4, 5, 6, 7]
    assert flagged(chart(trend), TREND) == [0, 1, 2, 4, 5, 6, 7]
    assert flagged(chart([1, 2, 3, None, 4, 5, 6]), TREND) == []


def test_a_late_return_does_not_reset_a_sustained_shift():
    values = [50, 52, 49, 51, 53, 48, 50, 51, 49, 52, 50, 51, 49] + [56, 57, 55, 56, 57, 58, None, 56, 57]
    result = chart(values)
    assert result.variation is Variation.IMPROVEMENT_HIGH
    assert SHIFT in result.points[-1].rules


def test_a_missing_latest_month_leaves_the_icons_on_the_latest_value():
    result = chart([1, 2] * 7 + [None])
    assert result.variation is Variation.COMMON_CAUSE
    assert result.latest_period == 13


# --- enough data: 11/12 trial limits, 12/13 icons ---------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "trial", "variation"),
    [
        (11, True, Variation.NONE),
        (12, False, Variation.NONE),
        (13, False, Variation.COMMON_CAUSE),
    ],
)
def test_trial_limits_under_12_points_and_icons_from_13(count, trial, variation):
    result = chart(([1, 2] * 7)[:count], target=-5)
    assert (result.trial, result.variation) == (trial, variation)
    if variation is Variation.NONE:
        assert result.assurance is Assurance.NONE
        assert result.reason == (
            f"Not enough data: {count} values; SPC needs at least 13 to show whether a change is real."
        )
    else:
        assert result.assurance is Assurance.PASS
        assert result.reason == ""


def test_missing_months_do_not_count_towards_the_13():
    result = chart([1, 2] * 6 + [None, None])
    assert result.variation is Variation.NONE
    assert "12 values" in result.reason


def test_values_never_two_months_running_have_no_limits_and_say_so():
    result = chart([1, None] * 14)
    assert result.phases[0].count == 14 and result.phases[0].upper_limit is None
    assert result.reason == "Not enough data: no two consecutive values to measure the variation from."


def test_every_icon_has_a_label():
    assert Variation.CONCERN_LOW.label == "Special cause concern (lower)"
    assert Assurance.FAIL.label == "Consistently fails the target"
    assert all(v.label for v in Variation) and all(a.label for a in Assurance)


def test_a_short_latest_phase_means_not_enough_data_even_with_a_long_history():
    result = chart([1, 2] * 10 + [5] * 5, phase_starts=[20])
    assert result.variation is Variation.NONE
    assert result.reason.startswith("Not enough data: 5 values in the current phase")
    assert result.trial


def test_phases_have_their_own_limits_and_no_moving_range_across_the_boundary():
    result = chart([1, 2] * 7 + [11, 12] * 7, phase_starts=[14])
    first, second = result.phases
    assert (first.mean, second.mean) == (Decimal("1.5"), Decimal("11.5"))
    assert result.points[14].moving_range is None
    assert result.variation is Variation.COMMON_CAUSE  # judged against the new phase, not the old


def test_phase_starts_outside_the_series_are_refused():
    with pytest.raises(ValueError, match="phase starts"):
        chart([1, 2, 3], phase_starts=[3])


# --- icons: polarity, both signals, assurance ---------------------------------------------------------------

HIGH_OUTLIER = [1, 2] * 7 + [9]
LOW_OUTLIER = [1, 2] * 7 + [-6]


@pytest.mark.parametrize(
    ("values", "polarity", "variation"),
    [
        (HIGH_OUTLIER, H, Variation.IMPROVEMENT_HIGH),
        (HIGH_OUTLIER, L, Variation.CONCERN_HIGH),
        (HIGH_OUTLIER, T, Variation.NEUTRAL_HIGH),
        (LOW_OUTLIER, H, Variation.CONCERN_LOW),
        (LOW_OUTLIER, L, Variation.IMPROVEMENT_LOW),
        (LOW_OUTLIER, T, Variation.NEUTRAL_LOW),
    ],
)
def test_variation_icon_from_the_side_and_polarity(values, polarity, variation):
    assert chart(values, polarity).variation is variation


# A run of seven below the mean that is rising: the last point is both a low shift and a rising trend.
BOTH = [20, 10] * 7 + [-7, -6, -5, -4, -3, -2, -1]


@pytest.mark.parametrize(
    ("polarity", "variation", "cause"),
    [
        (H, Variation.IMPROVEMENT_HIGH, Cause.IMPROVEMENT),
        (L, Variation.IMPROVEMENT_LOW, Cause.IMPROVEMENT),
        (T, Variation.NEUTRAL_HIGH, Cause.NEUTRAL),  # T: named by the first rule, a trend before a shift
    ],
)
def test_improvement_wins_when_both_fire_on_the_latest_point(polarity, variation, cause):
    result = chart(BOTH, polarity)
    latest = result.points[-1].signals
    assert {Signal(SHIFT, Side.LOW), Signal(TREND, Side.HIGH)} <= latest
    assert (result.variation, result.points[-1].cause) == (variation, cause)


# [1, 2] × 7: mean 1.5, moving ranges 1, limits 1.5 ± 2.66 = −1.16 and 4.16.
@pytest.mark.parametrize(
    ("polarity", "target", "assurance"),
    [
        (H, "-2", Assurance.PASS),
        (H, "5", Assurance.FAIL),
        (H, "1.5", Assurance.HIT_AND_MISS),
        (H, "4.16", Assurance.HIT_AND_MISS),  # a target exactly on a limit is reached at times
        (H, "-1.16", Assurance.HIT_AND_MISS),
        (L, "-2", Assurance.FAIL),
        (L, "5", Assurance.PASS),
        (L, "1.5", Assurance.HIT_AND_MISS),
        (T, "5", Assurance.NONE),
        (H, None, Assurance.NONE),
    ],
)
def test_assurance_from_the_target_against_the_limits(polarity, target, assurance):
    result = chart([1, 2] * 7, polarity, target=target)
    assert result.phases[0].upper_limit == Decimal("4.16")
    assert result.assurance is assurance


def test_without_a_target_or_for_t_polarity_the_reason_says_why_there_is_no_assurance():
    assert chart([1, 2] * 7, H).reason == "No assurance icon without a target."
    assert chart([1, 2] * 7, T, target=1).reason.startswith("No assurance icon for an indicator that aims")


@pytest.mark.parametrize(
    ("polarity", "target", "assurance"),
    [
        (H, "-2", Assurance.PASS),
        (H, "5", Assurance.FAIL),
        (H, "4.16", Assurance.HIT_AND_MISS),
        (L, "-2", Assurance.FAIL),
    ],
)
def test_a_proposed_target_is_judged_against_the_current_limits_of_a_chart_drawn_without_it(
    polarity, target, assurance
):
    assert target_assurance(chart([1, 2] * 7, polarity), D(target), polarity) is assurance


def test_a_proposed_target_has_no_assurance_without_enough_data_for_t_polarity_or_without_a_target():
    assert target_assurance(chart([1, 2] * 6, H), D("5"), H) is Assurance.NONE  # 12 values: no icons
    assert target_assurance(chart([1, 2] * 7, T), D("5"), T) is Assurance.NONE
    assert target_assurance(chart([1, 2] * 7, H), None, H) is Assurance.NONE


def test_assurance_uses_the_latest_phase_limits():
    # The first phase would fail a target of 10; the second phase sits above it.
    result = chart([1, 2] * 7 + [21, 22] * 7, H, target=10, phase_starts=[14])
    assert result.assurance is Assurance.PASS


# --- properties ------------------------------------------------------------------------------------------------

values_st = st.lists(
    st.one_of(st.none(), st.integers(-5000, 5000).map(lambda i: Decimal(i) / 100)),
    min_size=0,
    max_size=40,
)
settings_st = st.builds(
    SpcSettings,
    shift_length=st.sampled_from([6, 7]),
    trend_length=st.sampled_from([6, 7]),
    screen_moving_ranges=st.booleans(),
)


@st.composite
def charts(draw):
    values = draw(values_st)
    starts = draw(st.lists(st.integers(0, max(len(values) - 1, 0)), max_size=2)) if values else []
    target = draw(st.one_of(st.none(), st.integers(-5000, 5000).map(lambda i: Decimal(i) / 100)))
    return values, sorted(set(starts)), target, draw(st.sampled_from([H, L, T])), draw(settings_st)


def run(values, starts, target, polarity, settings):
    series = list(enumerate(values))
    return xmr(series, polarity=polarity, target=target, phase_starts=starts, settings=settings)


def limit_lines(phase):
    return (phase.mean, phase.upper_limit, phase.lower_limit, phase.upper_two_sigma, phase.lower_two_sigma)


def icons(result):
    return result.variation, result.assurance, [(p.signals, p.cause) for p in result.points]


@given(charts())
def test_a_proposed_target_gets_the_assurance_the_chart_would_give_it(case):
    values, starts, target, polarity, settings = case
    without = run(values, starts, None, polarity, settings)
    assert target_assurance(without, target, polarity) is run(values, starts, target, polarity, settings).assurance


@given(charts(), st.integers(-10000, 10000).map(lambda i: Decimal(i) / 10))
def test_adding_a_constant_moves_the_limits_by_it_and_changes_no_icon(case, constant):
    values, starts, target, polarity, settings = case
    shifted_values = [None if v is None else v + constant for v in values]
    shifted_target = None if target is None else target + constant
    before = run(values, starts, target, polarity, settings)
    after = run(shifted_values, starts, shifted_target, polarity, settings)
    assert icons(after) == icons(before)
    for old, new in zip(before.phases, after.phases, strict=True):
        for a, b in zip(limit_lines(old), limit_lines(new), strict=True):
            assert (a is None and b is None) or near(b, a + constant)


@given(charts(), st.integers(1, 1000).map(lambda i: Decimal(i) / 10))
def test_scaling_by_a_positive_constant_scales_the_limits_and_changes_no_icon(case, factor):
    values, starts, target, polarity, settings = case
    scaled = [None if v is None else v * factor for v in values]
    before = run(values, starts, target, polarity, settings)
    after = run(scaled, starts, None if target is None else target * factor, polarity, settings)
    assert icons(after) == icons(before)
    for old, new in zip(before.phases, after.phases, strict=True):
        for a, b in zip(limit_lines(old), limit_lines(new), strict=True):
            assert (a is None and b is None) or near(b, a * factor)


SWAPPED_CAUSE = {Cause.IMPROVEMENT: Cause.CONCERN, Cause.CONCERN: Cause.IMPROVEMENT, Cause.COMMON: Cause.COMMON}
SWAPPED_ASSURANCE = {
    Assurance.PASS: Assurance.FAIL,
    Assurance.FAIL: Assurance.PASS,
    Assurance.HIT_AND_MISS: Assurance.HIT_AND_MISS,
    Assurance.NONE: Assurance.NONE,
}


@given(charts())
def test_reversing_polarity_swaps_improvement_and_concern(case):
    values, starts, target, _, settings = case
    high = run(values, starts, target, H, settings)
    low = run(values, starts, target, L, settings)
    assert low.assurance is SWAPPED_ASSURANCE[high.assurance]
    for p, q in zip(high.points, low.points, strict=True):
        assert p.signals == q.signals
        if p.cause is None:
            assert q.cause is None
        elif len({s.side for s in p.signals}) == 2:  # both sides fire: improvement wins either way
            assert p.cause is q.cause is Cause.IMPROVEMENT
        else:
            assert q.cause is SWAPPED_CAUSE[p.cause]


MIRRORED = {
    Variation.IMPROVEMENT_HIGH: Variation.IMPROVEMENT_LOW,
    Variation.IMPROVEMENT_LOW: Variation.IMPROVEMENT_HIGH,
    Variation.CONCERN_HIGH: Variation.CONCERN_LOW,
    Variation.CONCERN_LOW: Variation.CONCERN_HIGH,
    Variation.COMMON_CAUSE: Variation.COMMON_CAUSE,
    Variation.NONE: Variation.NONE,
}


@given(charts())
def test_negating_the_values_and_the_polarity_mirrors_the_icons(case):
    values, starts, target, polarity, settings = case
    if polarity is T:
        polarity = H
    other = L if polarity is H else H
    negated = [None if v is None else -v for v in values]
    before = run(values, starts, target, polarity, settings)
    after = run(negated, starts, None if target is None else -target, other, settings)
    assert after.variation is MIRRORED[before.variation]
    assert after.assurance is before.assurance
    assert [p.cause for p in after.points] == [p.cause for p in before.points]


@given(charts())
def test_icons_only_with_13_values_in_the_latest_phase(case):
    values, starts, target, polarity, settings = case
    result = run(values, starts, target, polarity, settings)
    enough = bool(result.phases) and result.phases[-1].count >= 13
    assert (result.variation is not Variation.NONE) is enough
    assert result.reason.startswith("Not enough data") is not enough


# --- the icons as of every point (stored ratings) ---------------------------------------------------------------

walk_st = st.lists(st.sampled_from([-3, -1, 0, 1, 2, 5, None]), min_size=0, max_size=45).map(
    lambda steps: [None if s is None else Decimal(sum(x or 0 for x in steps[: i + 1])) for i, s in enumerate(steps)]
)
ties_st = st.lists(st.one_of(st.none(), st.sampled_from([Decimal(1), Decimal(2), Decimal(3)])), max_size=45)
# Levels with a little noise: shifts of every length, and runs that a late point breaks.
levels_st = st.lists(
    st.tuples(st.integers(0, 12), st.integers(1, 10), st.sampled_from([None, 0, 1, 2])), min_size=1, max_size=5
).map(
    lambda blocks: [
        None if noise is None and i % 5 == 4 else Decimal(level * 2 + (i % 2) * (noise or 0))
        for level, length, noise in blocks
        for i in range(length)
    ]
)


@hypothesis_settings(max_examples=400)
@given(
    st.one_of(values_st, walk_st, ties_st, levels_st),
    st.data(),
    st.sampled_from([H, L, T]),
    settings_st,
)
def test_the_icons_as_of_each_point_are_those_of_the_chart_ending_there(values, data, polarity, settings):
    starts = sorted(set(data.draw(st.lists(st.integers(0, max(len(values) - 1, 0)), max_size=2)))) if values else []
    targets = data.draw(
        st.lists(
            st.one_of(st.none(), st.sampled_from([Decimal(-10), Decimal(0), Decimal(2), Decimal(40)])),
            min_size=len(values),
            max_size=len(values),
        )
    )
    found = icons_as_of_each_point(values, polarity=polarity, targets=targets, phase_starts=starts, settings=settings)
    assert len(found) == len(values)
    start = data.draw(st.integers(0, len(values)))
    later = icons_as_of_each_point(
        values, polarity=polarity, targets=targets, phase_starts=starts, settings=settings, start=start
    )
    assert later[start:] == found[start:]  # a re-rating from a month on gives the same icons from it
    for k, value in enumerate(values):
        if value is None:
            assert found[k] == (Variation.NONE, Assurance.NONE)
            continue
        chart_to_k = run(values[: k + 1], [s for s in starts if s <= k], targets[k], polarity, settings)
        assert found[k] == (chart_to_k.variation, chart_to_k.assurance), k


def test_the_icons_as_of_each_point_see_a_shift_arrive():
    values = [Decimal(v) for v in [5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 9, 9, 9, 9, 9, 9, 9]]
    found = icons_as_of_each_point(values, polarity=H)
    assert found[11] == (Variation.NONE, Assurance.NONE)  # 12 values: not enough for icons
    assert found[12][0] is Variation.COMMON_CAUSE
    assert found[-1][0] is Variation.IMPROVEMENT_HIGH
