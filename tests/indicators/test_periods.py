"""Periods and financial years: parsing, labels and which months an indicator reports."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.periods import (
    FinancialYear,
    Frequency,
    add_months,
    format_period,
    fy_periods_to,
    is_reporting_period,
    month_start,
    parse_period,
    period_error,
    period_label,
    previous_period,
    reporting_periods,
    same_period_last_year,
)

M, Q, A = Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.ANNUAL
periods = st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)).map(month_start)


# --- parse_period / format_period / period_label ------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [("2019-11", date(2019, 11, 1)), ("1900-01", date(1900, 1, 1)), ("2999-12", date(2999, 12, 1))],
)
def test_parse_period_accepts_year_and_month(text, expected):
    assert parse_period(text) == expected


@pytest.mark.parametrize(
    "text, message",
    [
        ("2019-13", "'2019-13' is not a valid period: month must be 01–12"),
        ("2019-00", "'2019-00' is not a valid period: month must be 01–12"),
        ("1899-12", "'1899-12' is not a valid period: year must be 1900–2999"),
        ("3000-01", "'3000-01' is not a valid period: year must be 1900–2999"),
        ("2019-1", "'2019-1' is not a valid period: expected YYYY-MM, e.g. 2019-11"),
        ("2019-11-01", "'2019-11-01' is not a valid period: expected YYYY-MM, e.g. 2019-11"),
        ("Nov 2019", "'Nov 2019' is not a valid period: expected YYYY-MM, e.g. 2019-11"),
        (" 2019-11", "' 2019-11' is not a valid period: expected YYYY-MM, e.g. 2019-11"),
        ("", "'' is not a valid period: expected YYYY-MM, e.g. 2019-11"),
    ],
)
def test_parse_period_rejects_anything_else_with_a_specific_message(text, message):
    with pytest.raises(ValueError) as excinfo:
        parse_period(text)
    assert str(excinfo.value) == message


@given(periods)
def test_format_period_round_trips_through_parse_period(period):
    assert parse_period(format_period(period)) == period


def test_format_and_label_a_period():
    assert format_period(date(2019, 11, 1)) == "2019-11"
    assert period_label(date(2019, 11, 1)) == "November 2019"
    assert period_label(date(2020, 1, 1)) == "January 2020"


def test_month_start_moves_any_date_to_the_first_of_its_month():
    assert month_start(date(2020, 2, 29)) == date(2020, 2, 1)


# --- financial years ------------------------------------------------------------


@pytest.mark.parametrize("start_year, label", [(2019, "2019/20"), (1999, "1999/00"), (2009, "2009/10")])
def test_financial_year_label_and_str(start_year, label):
    fy = FinancialYear(start_year)
    assert fy.label == label
    assert str(fy) == label


@pytest.mark.parametrize("text", ["2019/20", "2019/2020"])
def test_financial_year_parse_accepts_short_and_long_forms(text):
    assert FinancialYear.parse(text) == FinancialYear(2019)


def test_financial_year_parse_handles_the_century():
    assert FinancialYear.parse("1999/00") == FinancialYear(1999)
    assert FinancialYear.parse("1999/2000") == FinancialYear(1999)


@pytest.mark.parametrize(
    "text, message",
    [
        ("2019/21", "'2019/21' is not a valid financial year: the second year must follow the first, e.g. 2019/20"),
        ("2019/2019", "'2019/2019' is not a valid financial year: the second year must follow the first, e.g. 2019/20"),
        ("2019/1", "'2019/1' is not a valid financial year: expected e.g. 2019/20"),
        ("2019-20", "'2019-20' is not a valid financial year: expected e.g. 2019/20"),
        ("2019", "'2019' is not a valid financial year: expected e.g. 2019/20"),
    ],
)
def test_financial_year_parse_rejects_bad_text_with_a_clear_message(text, message):
    with pytest.raises(ValueError) as excinfo:
        FinancialYear.parse(text)
    assert str(excinfo.value) == message


@pytest.mark.parametrize(
    "day, start_year",
    [(date(2020, 3, 31), 2019), (date(2020, 4, 1), 2020), (date(2020, 1, 1), 2019), (date(2019, 12, 31), 2019)],
)
def test_financial_year_containing_splits_on_1_april(day, start_year):
    assert FinancialYear.containing(day) == FinancialYear(start_year)


def test_financial_year_runs_from_1_april_to_31_march():
    fy = FinancialYear(2019)
    assert (fy.start, fy.end) == (date(2019, 4, 1), date(2020, 3, 31))
    assert fy.months()[0] == date(2019, 4, 1)
    assert fy.months()[-1] == date(2020, 3, 1)
    assert len(fy.months()) == 12


def test_financial_years_step_and_sort():
    fy = FinancialYear(2019)
    assert fy.previous() == FinancialYear(2018)
    assert fy.next() == FinancialYear(2020)
    assert sorted([fy.next(), fy, fy.previous()]) == [fy.previous(), fy, fy.next()]


@given(periods)
def test_every_period_lies_in_the_financial_year_containing_it(period):
    fy = FinancialYear.containing(period)
    assert fy.start <= period <= fy.end
    assert period in fy.months()


# --- reporting periods ------------------------------------------------------------


@pytest.mark.parametrize(
    "month, monthly, quarterly, annual",
    [
        (3, True, True, True),
        (4, True, False, False),
        (6, True, True, False),
        (9, True, True, False),
        (11, True, False, False),
        (12, True, True, False),
    ],
)
def test_which_months_each_frequency_reports(month, monthly, quarterly, annual):
    period = date(2019 if month > 3 else 2020, month, 1)
    assert is_reporting_period(period, M) is monthly
    assert is_reporting_period(period, Q) is quarterly
    assert is_reporting_period(period, A) is annual


def test_a_date_that_is_not_a_month_start_is_not_a_reporting_period():
    assert not is_reporting_period(date(2019, 6, 30), Q)


def test_quarterly_reporting_periods_of_a_financial_year():
    fy = FinancialYear(2019)
    assert reporting_periods(Q, fy.start, fy.end) == [
        date(2019, 6, 1),
        date(2019, 9, 1),
        date(2019, 12, 1),
        date(2020, 3, 1),
    ]


def test_annual_reporting_periods_are_the_march_year_ends():
    assert reporting_periods(A, date(2018, 1, 1), date(2020, 3, 31)) == [
        date(2018, 3, 1),
        date(2019, 3, 1),
        date(2020, 3, 1),
    ]


def test_reporting_periods_include_both_ends():
    assert reporting_periods(M, date(2019, 11, 1), date(2020, 1, 15)) == [
        date(2019, 11, 1),
        date(2019, 12, 1),
        date(2020, 1, 1),
    ]
    assert reporting_periods(M, date(2020, 1, 1), date(2019, 12, 1)) == []


@pytest.mark.parametrize(
    "period, frequency, expected",
    [
        (date(2019, 11, 1), M, [date(2019, m, 1) for m in range(4, 12)]),
        (date(2019, 4, 1), M, [date(2019, 4, 1)]),
        (date(2019, 11, 1), Q, [date(2019, 6, 1), date(2019, 9, 1)]),
        (date(2020, 3, 1), Q, [date(2019, 6, 1), date(2019, 9, 1), date(2019, 12, 1), date(2020, 3, 1)]),
        (date(2019, 5, 1), Q, []),
        (date(2020, 3, 1), A, [date(2020, 3, 1)]),
        (date(2020, 2, 1), A, []),
    ],
)
def test_fy_periods_to_runs_from_the_fy_start_to_the_period(period, frequency, expected):
    assert fy_periods_to(period, frequency) == expected


@pytest.mark.parametrize(
    "period, frequency, expected",
    [
        (date(2020, 1, 1), M, date(2019, 12, 1)),
        (date(2020, 3, 1), Q, date(2019, 12, 1)),
        (date(2019, 6, 1), Q, date(2019, 3, 1)),
        (date(2020, 3, 1), A, date(2019, 3, 1)),
    ],
)
def test_previous_period_steps_back_one_reporting_interval(period, frequency, expected):
    assert previous_period(period, frequency) == expected


def test_same_period_last_year_and_add_months():
    assert same_period_last_year(date(2019, 11, 1)) == date(2018, 11, 1)
    assert add_months(date(2019, 11, 1), 14) == date(2021, 1, 1)
    assert add_months(date(2019, 1, 31), -1) == date(2018, 12, 1)


@given(periods, st.integers(-600, 600))
def test_add_months_is_undone_by_subtracting_the_same_months(period, n):
    assert add_months(add_months(period, n), -n) == period


def test_period_error_is_none_for_an_allowed_period():
    assert period_error(date(2019, 11, 1), M) is None
    assert period_error(date(2019, 12, 1), Q) is None
    assert period_error(date(2020, 3, 1), A) is None


def test_period_error_explains_quarter_ends():
    assert period_error(date(2019, 11, 1), Q) == (
        "Quarterly indicators report only on quarter ends (June, September, December, March); November 2019 is not one."
    )


def test_period_error_explains_the_annual_year_end():
    assert period_error(date(2019, 12, 1), A) == (
        "Annual indicators report only at the financial year end (March); December 2019 is not one."
    )


def test_period_error_rejects_a_date_that_is_not_a_month_start():
    assert period_error(date(2019, 11, 5), M) == ("A period is a whole month; 2019-11-05 is not the first of a month.")
