"""RAG rating rules: every scheme × polarity × band edge, plus properties that must always hold."""

from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from indicators.rules import (
    Assessment,
    Direction,
    ExpectedRange,
    Point,
    Polarity,
    Rag,
    RatingRule,
    Scheme,
    ToleranceUnit,
    YtdMethod,
    aggregate_ytd,
    assess,
    describe_polarity,
    describe_rule,
    direction_of_travel,
    expected_range,
    rate,
    round_for_display,
    value_from_fraction,
)

H, L, T = Polarity.HIGH, Polarity.LOW, Polarity.TARGET
G, A, R, NONE = Rag.GREEN, Rag.AMBER, Rag.RED, Rag.NONE
PCT, ABS = ToleranceUnit.PERCENT, ToleranceUnit.ABSOLUTE


def D(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def make_rule(scheme, polarity, target, floor=None, green=None, amber=None, unit=PCT) -> RatingRule:
    return RatingRule(scheme, polarity, D(target), D(floor), D(green), D(amber), unit)


# A valid rule for every scheme and polarity, used where the scheme details don't matter.
def typical_rule(scheme: Scheme, polarity: Polarity, target: str | None = "100") -> RatingRule:
    floors = {H: "80", L: "120", T: "80"}
    if target is None:
        return make_rule(scheme, polarity, None)
    if scheme is Scheme.FLOOR:
        return make_rule(scheme, polarity, target, floor=floors[polarity])
    return make_rule(scheme, polarity, target, green="5", amber="10")


ALL_SCHEMES = list(Scheme)
RATED_SCHEMES = [s for s in Scheme if s is not Scheme.DATA_ONLY]

# --- Rag --------------------------------------------------------------------------------


def test_rag_labels_and_ranks():
    assert [(r.label, r.rank) for r in (G, A, R, NONE)] == [
        ("Green", 3),
        ("Amber", 2),
        ("Red", 1),
        ("No RAG", 0),
    ]


# --- FLOOR (Kent: target and floor standard) -----------------------------------------------

FLOOR_CASES = [
    # polarity, target, floor, green tolerance, value, expected
    (H, "90", "80", None, "90", G),  # on target
    (H, "90", "80", None, "95", G),
    (H, "90", "80", None, "89.99", A),  # just below target
    (H, "90", "80", None, "80", A),  # on the floor edge
    (H, "90", "80", None, "79.99", R),  # just below the floor
    (H, "90", "80", "5", "89.99", A),  # green tolerance is ignored for H
    (H, "90", "90", None, "89.99", R),  # floor = target: no amber band
    (L, "10", "20", None, "10", G),  # lower-is-better on target is green
    (L, "10", "20", None, "5", G),
    (L, "10", "20", None, "10.01", A),
    (L, "10", "20", None, "20", A),
    (L, "10", "20", None, "20.01", R),
    (L, "0", "3", None, "0", G),  # zero target
    (L, "0", "3", None, "-1", G),
    (L, "0", "3", None, "3", A),
    (L, "0", "3", None, "3.01", R),
    (H, "-5", "-10", None, "-5", G),  # negative values
    (H, "-5", "-10", None, "-10", A),
    (H, "-5", "-10", None, "-10.01", R),
    (T, "50", "40", "2", "50", G),  # green band is 2% of 50 = 1
    (T, "50", "40", "2", "51", G),
    (T, "50", "40", "2", "49", G),
    (T, "50", "40", "2", "51.01", A),
    (T, "50", "40", "2", "48.99", A),
    (T, "50", "40", "2", "60", A),  # the floor distance applies on both sides
    (T, "50", "40", "2", "40", A),
    (T, "50", "40", "2", "60.01", R),
    (T, "50", "40", "2", "39.99", R),
    (T, "50", "55", None, "50", G),  # floor may sit above a T target
    (T, "50", "55", None, "50.01", A),
    (T, "50", "55", None, "45", A),
    (T, "50", "55", None, "44.99", R),
    (H, "90", None, None, "10", A),  # a floor that is not set cannot be missed
    (T, "50", None, None, "10", A),
]


@pytest.mark.parametrize("polarity, target, floor, green, value, expected", FLOOR_CASES)
def test_floor_scheme_rates_against_target_and_floor_standard(polarity, target, floor, green, value, expected):
    rule = make_rule(Scheme.FLOOR, polarity, target, floor=floor, green=green)
    assert rate(D(value), rule) is expected


# --- TOLERANCE (Bracknell, Maidstone, Belfast) ---------------------------------------------

TOLERANCE_CASES = [
    # polarity, target, green, amber, unit, value, expected
    (H, "100", "5", "10", PCT, "100", G),
    (H, "100", "5", "10", PCT, "120", G),
    (H, "100", "5", "10", PCT, "95", G),  # on the green edge: within 5%
    (H, "100", "5", "10", PCT, "94.99", A),
    (H, "100", "5", "10", PCT, "90", A),  # on the amber edge
    (H, "100", "5", "10", PCT, "89.99", R),
    (L, "100", "5", "10", PCT, "100", G),
    (L, "100", "5", "10", PCT, "80", G),
    (L, "100", "5", "10", PCT, "105", G),
    (L, "100", "5", "10", PCT, "105.01", A),
    (L, "100", "5", "10", PCT, "110", A),
    (L, "100", "5", "10", PCT, "110.01", R),
    (T, "100", "5", "10", PCT, "105", G),  # T bands apply on both sides
    (T, "100", "5", "10", PCT, "95", G),
    (T, "100", "5", "10", PCT, "105.01", A),
    (T, "100", "5", "10", PCT, "94.99", A),
    (T, "100", "5", "10", PCT, "110", A),
    (T, "100", "5", "10", PCT, "90", A),
    (T, "100", "5", "10", PCT, "110.01", R),
    (T, "100", "5", "10", PCT, "89.99", R),
    (H, "80", "2", "4", ABS, "78", G),  # absolute bands, e.g. percentage points
    (H, "80", "2", "4", ABS, "77.99", A),
    (H, "80", "2", "4", ABS, "76", A),
    (H, "80", "2", "4", ABS, "75.99", R),
    (H, "-50", "10", "20", PCT, "-40", G),  # negative target: bands from |target|
    (H, "-50", "10", "20", PCT, "-55", G),
    (H, "-50", "10", "20", PCT, "-55.01", A),
    (H, "-50", "10", "20", PCT, "-60", A),
    (H, "-50", "10", "20", PCT, "-60.01", R),
    (H, "0", "5", "10", PCT, "0", G),  # zero target: percent bands have no width
    (H, "0", "5", "10", PCT, "-0.01", R),
    (L, "0", "5", "10", PCT, "0.01", R),
    (H, "100", "5", None, PCT, "1", A),  # an amber band that is not set cannot be missed
]


@pytest.mark.parametrize("polarity, target, green, amber, unit, value, expected", TOLERANCE_CASES)
def test_tolerance_scheme_rates_by_distance_from_target(polarity, target, green, amber, unit, value, expected):
    rule = make_rule(Scheme.TOLERANCE, polarity, target, green=green, amber=amber, unit=unit)
    assert rate(D(value), rule) is expected


# --- TARGET_ONLY (Tower Hamlets: pass or fail) -------------------------------------------

TARGET_ONLY_CASES = [
    (H, "90", "90", G),
    (H, "90", "91", G),
    (H, "90", "89.99", R),
    (L, "10", "10", G),
    (L, "10", "9", G),
    (L, "10", "10.01", R),
    (T, "50", "50", G),
    (T, "50", "50.01", R),
    (T, "50", "49.99", R),
    (H, "0", "0", G),
    (L, "-3", "-2.99", R),
]


@pytest.mark.parametrize("polarity, target, value, expected", TARGET_ONLY_CASES)
def test_target_only_scheme_is_pass_or_fail(polarity, target, value, expected):
    assert rate(D(value), make_rule(Scheme.TARGET_ONLY, polarity, target)) is expected


# --- TOLERANCE_TREND (Havering: within tolerance, else compare with last year) -------------

TREND_CASES = [
    # polarity, value, last year, expected; target 100, green tolerance 10%
    (H, "100", None, G),
    (H, "90", "50", G),  # on the green edge, whatever last year did
    (H, "89", "85", A),  # improved on last year
    (H, "89", "89", A),  # held
    (H, "89", "95", R),  # worsened
    (H, "89", None, A),  # nothing to compare with is never Red
    (L, "110", "150", G),
    (L, "111", "120", A),
    (L, "111", "105", R),
    (T, "115", "120", A),  # closer to target than last year
    (T, "85", "90", R),  # further from target
    (T, "85", "115", A),  # the same distance on the other side: held
]


@pytest.mark.parametrize("polarity, value, last_year, expected", TREND_CASES)
def test_tolerance_trend_scheme_uses_last_year_outside_the_green_band(polarity, value, last_year, expected):
    rule = make_rule(Scheme.TOLERANCE_TREND, polarity, "100", green="10")
    assert rate(D(value), rule, last_year=D(last_year)) is expected


# --- missing data is never Red ----------------------------------------------------------


@pytest.mark.parametrize("polarity", list(Polarity))
@pytest.mark.parametrize("scheme", ALL_SCHEMES)
def test_a_missing_value_is_not_rated(scheme, polarity):
    assert rate(None, typical_rule(scheme, polarity), last_year=Decimal(1)) is NONE


@pytest.mark.parametrize("polarity", list(Polarity))
@pytest.mark.parametrize("scheme", ALL_SCHEMES)
def test_a_missing_target_is_not_rated(scheme, polarity):
    assert rate(Decimal(-1000), typical_rule(scheme, polarity, target=None)) is NONE


@pytest.mark.parametrize("polarity", list(Polarity))
def test_a_data_only_indicator_is_never_rated(polarity):
    assert rate(Decimal(-1000), typical_rule(Scheme.DATA_ONLY, polarity)) is NONE


@pytest.mark.parametrize("polarity", list(Polarity))
@pytest.mark.parametrize("scheme", RATED_SCHEMES)
def test_a_value_exactly_on_target_is_green_under_every_scheme(scheme, polarity):
    assert rate(Decimal("100.00"), typical_rule(scheme, polarity)) is G


# --- properties -----------------------------------------------------------------------

numbers = st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False, allow_infinity=False)
tolerances = st.decimals(min_value=0, max_value=200, places=2)
optional_numbers = st.none() | numbers


@st.composite
def rules(draw, polarities=tuple(Polarity), schemes=tuple(Scheme)):
    """Any rule, valid or not (a missing or inverted floor, green wider than amber)."""
    return RatingRule(
        scheme=draw(st.sampled_from(schemes)),
        polarity=draw(st.sampled_from(polarities)),
        target=draw(optional_numbers),
        floor=draw(optional_numbers),
        green_tolerance=draw(st.none() | tolerances),
        amber_tolerance=draw(st.none() | tolerances),
        tolerance_unit=draw(st.sampled_from(ToleranceUnit)),
    )


@given(rules(), optional_numbers, optional_numbers)
def test_property_missing_value_or_target_is_never_red(rule, value, last_year):
    rag = rate(value, rule, last_year=last_year)
    assert rag is not R or (value is not None and rule.target is not None)
    if value is None or rule.target is None:
        assert rag is NONE


@given(rules(polarities=(H, L)), numbers, numbers, optional_numbers)
def test_property_a_better_value_never_gets_a_worse_rag(rule, a, b, last_year):
    better, worse = (max(a, b), min(a, b)) if rule.polarity is H else (min(a, b), max(a, b))
    assert rate(better, rule, last_year=last_year).rank >= rate(worse, rule, last_year=last_year).rank


@given(st.sampled_from(Polarity), numbers, numbers, st.sampled_from(ToleranceUnit))
def test_property_a_zero_width_tolerance_rates_exactly_as_target_only(polarity, target, value, unit):
    zero = RatingRule(Scheme.TOLERANCE, polarity, target, None, Decimal(0), Decimal(0), unit)
    pass_fail = RatingRule(Scheme.TARGET_ONLY, polarity, target)
    assert rate(value, zero) is rate(value, pass_fail)


@given(st.sampled_from(Polarity), numbers, numbers, tolerances)
def test_property_a_floor_at_the_amber_tolerance_agrees_with_the_tolerance_scheme(polarity, target, value, amber):
    assume(target > 0)
    fraction = amber / 100
    floor = target * (1 + fraction) if polarity is L else target * (1 - fraction)
    floor_rule = RatingRule(Scheme.FLOOR, polarity, target, floor)
    tolerance_rule = RatingRule(Scheme.TOLERANCE, polarity, target, None, Decimal(0), amber)
    assert rate(value, floor_rule) is rate(value, tolerance_rule)


# --- direction of travel -------------------------------------------------------------------

DIRECTION_CASES = [
    # current, previous, polarity, target, expected
    ("91", "90", H, None, Direction.IMPROVED),
    ("89", "90", H, None, Direction.WORSENED),
    ("90", "90.00", H, None, Direction.UNCHANGED),
    ("9", "10", L, None, Direction.IMPROVED),  # lower is better: going down improves
    ("11", "10", L, None, Direction.WORSENED),
    ("52", "45", T, "50", Direction.IMPROVED),  # closer to target, from the other side
    ("45", "48", T, "50", Direction.WORSENED),
    ("55", "45", T, "50", Direction.UNCHANGED),
    ("55", "45", T, None, Direction.NONE),  # T needs a target
    (None, "10", H, None, Direction.NONE),
    ("10", None, L, None, Direction.NONE),
]


@pytest.mark.parametrize("current, previous, polarity, target, expected", DIRECTION_CASES)
def test_direction_of_travel_is_polarity_aware(current, previous, polarity, target, expected):
    assert direction_of_travel(D(current), D(previous), polarity, target=D(target)) is expected


MIRROR = {
    Direction.IMPROVED: Direction.WORSENED,
    Direction.WORSENED: Direction.IMPROVED,
    Direction.UNCHANGED: Direction.UNCHANGED,
    Direction.NONE: Direction.NONE,
}


@given(optional_numbers, optional_numbers, st.sampled_from(Polarity), optional_numbers)
def test_property_swapping_the_two_values_reverses_the_direction(a, b, polarity, target):
    forward = direction_of_travel(a, b, polarity, target=target)
    assert direction_of_travel(b, a, polarity, target=target) is MIRROR[forward]


# --- expected range (activity indicators) ---------------------------------------------------

RANGE_CASES = [
    ("50", "10", "100", ExpectedRange.WITHIN),
    ("10", "10", "100", ExpectedRange.WITHIN),  # thresholds are inclusive
    ("100", "10", "100", ExpectedRange.WITHIN),
    ("9.99", "10", "100", ExpectedRange.BELOW),
    ("100.01", "10", "100", ExpectedRange.ABOVE),
    ("1000", "10", None, ExpectedRange.WITHIN),  # no upper threshold: open above
    ("-5", None, "100", ExpectedRange.WITHIN),
    ("101", None, "100", ExpectedRange.ABOVE),
    ("50", None, None, ExpectedRange.NONE),
    (None, "10", "100", ExpectedRange.NONE),
]


@pytest.mark.parametrize("value, lower, upper, expected", RANGE_CASES)
def test_expected_range_against_thresholds(value, lower, upper, expected):
    assert expected_range(D(value), D(lower), D(upper)) is expected


# --- values and year to date ---------------------------------------------------------------


def points(*values: str | None) -> list[Point]:
    return [Point(D(v)) for v in values]


def fractions(*pairs: tuple[str | None, str | None], value: str | None = None) -> list[Point]:
    return [Point(D(value), D(n), D(d)) for n, d in pairs]


YTD_CASES = [
    (YtdMethod.SUM, points("1", "2", None, "3.5"), "6.5"),
    (YtdMethod.SUM, points(None, None), None),
    (YtdMethod.MEAN, points("1", None, "2"), "1.5"),
    (YtdMethod.LATEST, points("5", "7", None), "7"),
    (YtdMethod.ROLLING_12, points("120", "118"), "118"),
    # 85 of 100 invoices paid on time, not the mean of 90% and 80%
    (YtdMethod.RATIO, fractions(("45", "50"), ("40", "50")), "0.85"),
    (YtdMethod.RATIO, fractions(("1", "4"), ("9", "16")), "0.5"),  # 10 of 20, not the mean 0.40625
    (YtdMethod.RATIO, fractions(("45", "50"), (None, "50"), ("40", None)), "0.9"),  # only complete pairs
    (YtdMethod.RATIO, fractions(("0", "0"), ("0", "0")), None),  # nothing to divide by
    (YtdMethod.RATIO, points("90", "80", None), "85"),  # no counts entered: mean of the values
]


@pytest.mark.parametrize("method", list(YtdMethod))
def test_aggregate_ytd_of_no_points_is_none(method):
    assert aggregate_ytd(method, []) is None


@pytest.mark.parametrize("method, data, expected", YTD_CASES)
def test_aggregate_ytd_by_method(method, data, expected):
    assert aggregate_ytd(method, data) == D(expected)


def test_aggregate_ytd_ratio_scales_to_a_percentage():
    data = fractions(("45", "50"), ("40", "50"))
    assert aggregate_ytd(YtdMethod.RATIO, data, scale=Decimal(100)) == Decimal(85)


@pytest.mark.parametrize(
    "numerator, denominator, scale, expected",
    [("5", "10", "100", "50"), ("1", "4", "1", "0.25"), ("0", "7", "100", "0"), ("3", "0", "100", None)],
)
def test_value_from_fraction(numerator, denominator, scale, expected):
    assert value_from_fraction(D(numerator), D(denominator), D(scale)) == D(expected)


@pytest.mark.parametrize(
    "value, decimals, expected",
    [
        ("2.345", 2, "2.35"),  # half up, not banker's rounding
        ("2.5", 0, "3"),
        ("-2.5", 0, "-3"),
        ("89.96", 1, "90.0"),
        ("7", 2, "7.00"),
        (None, 1, None),
    ],
)
def test_round_for_display_rounds_half_up(value, decimals, expected):
    result = round_for_display(D(value), decimals)
    assert result == D(expected)
    assert str(result) == str(D(expected))


def test_assess_rates_what_is_displayed():
    rule = make_rule(Scheme.FLOOR, H, "90", floor="80")
    result = assess(rule=rule, decimals=0, month=D("89.6"), ytd=D("79.4"), previous=D("88"), last_year=None)
    assert result == Assessment(
        month_value=Decimal(90),
        month_rag=G,
        ytd_value=Decimal(79),
        ytd_rag=R,
        direction=Direction.IMPROVED,
    )


def test_assess_compares_month_and_ytd_with_their_own_last_year_figures():
    rule = make_rule(Scheme.TOLERANCE_TREND, H, "100", green="10")
    result = assess(
        rule=rule,
        decimals=1,
        month=D("80"),
        ytd=D("80"),
        previous=D("80.04"),
        last_year=D("70"),
        last_year_ytd=D("85"),
    )
    assert (result.month_rag, result.ytd_rag) == (A, R)
    assert result.direction is Direction.UNCHANGED  # 80.04 displays as 80.0


def test_assess_with_no_data_rates_nothing():
    rule = make_rule(Scheme.FLOOR, L, "10", floor="20")
    result = assess(rule=rule, decimals=0, month=None, ytd=None, previous=D("5"), last_year=None)
    assert result == Assessment(None, NONE, None, NONE, Direction.NONE)


# --- validation -------------------------------------------------------------------------

ERROR_CASES = [
    (make_rule(Scheme.FLOOR, H, "90", floor="80"), {}),
    (make_rule(Scheme.FLOOR, H, "90", floor="90"), {}),
    (make_rule(Scheme.FLOOR, H, "90"), {"floor": "A floor standard is required for the floor scheme."}),
    (
        make_rule(Scheme.FLOOR, H, "90", floor="95"),
        {"floor": "For a higher-is-better indicator the floor standard (95) must not be above the target (90)."},
    ),
    (
        make_rule(Scheme.FLOOR, L, "10.0", floor="5.50"),
        {"floor": "For a lower-is-better indicator the floor standard (5.5) must not be below the target (10)."},
    ),
    (make_rule(Scheme.FLOOR, L, "10", floor="20"), {}),
    (make_rule(Scheme.FLOOR, T, "50", floor="40"), {}),
    (make_rule(Scheme.FLOOR, T, "50", floor="60", green="2"), {}),
    (
        make_rule(Scheme.FLOOR, T, "50", floor="55", green="20"),
        {
            "green_tolerance": "The green tolerance (20%) must not be wider than the distance "
            "from the target to the floor standard (5)."
        },
    ),
    (
        make_rule(Scheme.FLOOR, T, "50", floor="55", green="-1"),
        {"green_tolerance": "The green tolerance (-1) must not be negative."},
    ),
    (make_rule(Scheme.TOLERANCE, H, "100", green="5", amber="10"), {}),
    (make_rule(Scheme.TOLERANCE, H, "100", green="5", amber="5"), {}),
    (
        make_rule(Scheme.TOLERANCE, H, "100", green="10", amber="5"),
        {"green_tolerance": "The green tolerance (10) must not be wider than the amber tolerance (5)."},
    ),
    (
        make_rule(Scheme.TOLERANCE, L, "100"),
        {
            "green_tolerance": "A green tolerance is required for the tolerance scheme.",
            "amber_tolerance": "An amber tolerance is required for the tolerance scheme.",
        },
    ),
    (
        make_rule(Scheme.TOLERANCE, T, "100", green="-1", amber="5"),
        {"green_tolerance": "The green tolerance (-1) must not be negative."},
    ),
    (make_rule(Scheme.TOLERANCE_TREND, H, "100", green="10"), {}),
    (make_rule(Scheme.TOLERANCE_TREND, H, "100", green="10", amber="1"), {}),  # amber ignored
    (
        make_rule(Scheme.TOLERANCE_TREND, H, "100"),
        {"green_tolerance": "A green tolerance is required for the tolerance and trend scheme."},
    ),
    (make_rule(Scheme.TARGET_ONLY, L, "3"), {}),
    (make_rule(Scheme.DATA_ONLY, H, None, floor="1", green="2"), {}),
    (make_rule(Scheme.FLOOR, H, None), {}),  # no target yet: valid, rates no RAG
    (make_rule(Scheme.FLOOR, H, None, floor="80"), {"floor": "Set a target before a floor standard."}),
    (
        make_rule(Scheme.TOLERANCE, H, None, green="5", amber="10"),
        {
            "green_tolerance": "Set a target before a green tolerance.",
            "amber_tolerance": "Set a target before an amber tolerance.",
        },
    ),
]


@pytest.mark.parametrize("rule, expected", ERROR_CASES)
def test_rule_errors_name_the_field_and_explain_the_problem(rule, expected):
    assert rule.errors() == expected


# --- explanations -----------------------------------------------------------------------

KENT_FLOOR = {
    G: "Target has been achieved or exceeded",
    A: "Performance achieved or exceeded the expected floor standard but did not meet the target for Green",
    R: "Performance did not meet the expected floor standard",
}

DESCRIBE_CASES = [
    (Scheme.FLOOR, H, None, None, PCT, KENT_FLOOR),
    (Scheme.FLOOR, L, None, None, PCT, KENT_FLOOR),
    (
        Scheme.FLOOR,
        T,
        "2.50",
        None,
        PCT,
        {
            G: "Within 2.5% of target either side",
            A: "Further from target than that, but within the expected floor standard",
            R: "Further from target than the expected floor standard",
        },
    ),
    (
        Scheme.TOLERANCE,
        H,
        "5",
        "10.0",
        PCT,
        {G: "On, above or within 5% of target", A: "Between 5% and 10% below target", R: "More than 10% below target"},
    ),
    (
        Scheme.TOLERANCE,
        L,
        "5",
        "10",
        PCT,
        {G: "On, below or within 5% of target", A: "Between 5% and 10% above target", R: "More than 10% above target"},
    ),
    (
        Scheme.TOLERANCE,
        T,
        "1",
        "5",
        PCT,
        {
            G: "Within 1% of target either side",
            A: "Between 1% and 5% from target either side",
            R: "More than 5% from target either side",
        },
    ),
    (
        Scheme.TOLERANCE,
        H,
        "2",
        "4",
        ABS,
        {G: "On, above or within 2 of target", A: "Between 2 and 4 below target", R: "More than 4 below target"},
    ),
    (  # Maidstone: Green only on target
        Scheme.TOLERANCE,
        H,
        "0",
        "10",
        PCT,
        {G: "On or above target", A: "Up to 10% below target", R: "More than 10% below target"},
    ),
    (Scheme.TOLERANCE, L, "5", "5", PCT, {G: "On, below or within 5% of target", R: "More than 5% above target"}),
    (Scheme.TOLERANCE, H, "0", "0", PCT, {G: "On or above target", R: "Below target"}),
    (Scheme.TOLERANCE, T, "0", "0", ABS, {G: "On target", R: "Not on target"}),
    (  # no amber tolerance set: nothing can be Red
        Scheme.TOLERANCE,
        H,
        "5",
        None,
        PCT,
        {G: "On, above or within 5% of target", A: "More than 5% below target"},
    ),
    (Scheme.TARGET_ONLY, L, None, None, PCT, {G: "Target achieved", R: "Target not achieved"}),
    (
        Scheme.TOLERANCE_TREND,
        T,
        "10",
        None,
        PCT,
        {
            G: "Within 10% of target either side",
            A: "More than 10% from target, but performance improved or held against the same period last year",
            R: "More than 10% from target and performance worsened against the same period last year",
        },
    ),
    (
        Scheme.TOLERANCE_TREND,
        H,
        "10",
        None,
        PCT,
        {
            G: "On, above or within 10% of target",
            A: "More than 10% below target, but performance improved or held against the same period last year",
            R: "More than 10% below target and performance worsened against the same period last year",
        },
    ),
    (Scheme.DATA_ONLY, H, None, None, PCT, {}),
]


@pytest.mark.parametrize("scheme, polarity, green, amber, unit, expected", DESCRIBE_CASES)
def test_describe_rule_explains_the_scheme_in_use(scheme, polarity, green, amber, unit, expected):
    assert describe_rule(scheme, polarity, D(green), D(amber), unit) == expected


@pytest.mark.parametrize(
    "polarity, text",
    [
        (H, "High – the aim is to achieve the highest number/percentage possible"),
        (L, "Low – the aim is to achieve the lowest number/percentage possible"),
        (T, "Target – the aim is to stay close to the target"),
    ],
)
def test_describe_polarity(polarity, text):
    assert describe_polarity(polarity) == text
