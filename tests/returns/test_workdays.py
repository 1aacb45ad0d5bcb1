from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from returns.workdays import add_working_days, is_working_day, working_days_between

# Without a calendar passed in, the configured one is read from the database (none of these days is a holiday).
pytestmark = pytest.mark.django_db

FRI, SAT, SUN, MON = date(2020, 1, 10), date(2020, 1, 11), date(2020, 1, 12), date(2020, 1, 13)


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (FRI, FRI, 0),
        (FRI, SAT, 0),
        (FRI, MON, 1),
        (SAT, MON, 1),
        (MON, FRI.replace(day=17), 4),
        (date(2020, 1, 6), date(2020, 1, 10), 4),
        (MON, FRI, -1),
        (date(2020, 1, 7), date(2020, 1, 10), 3),  # Tuesday: three working days left until Friday
    ],
)
def test_working_days_between_counts_weekdays_after_start_up_to_end(start, end, days):
    assert working_days_between(start, end) == days


def test_weekends_are_not_working_days():
    assert [is_working_day(d) for d in (FRI, SAT, SUN, MON)] == [True, False, False, True]


@given(st.dates(date(2000, 1, 1), date(2030, 1, 1)), st.dates(date(2000, 1, 1), date(2030, 1, 1)))
def test_working_days_between_is_antisymmetric(a, b):
    assert working_days_between(a, b) == -working_days_between(b, a)


def _no_holidays(year: int) -> frozenset[date]:
    return frozenset()


@pytest.mark.parametrize(
    ("start", "days", "end"),
    [
        (FRI, 0, FRI),
        (FRI, 1, MON),
        (SAT, 1, MON),
        (FRI, 5, FRI.replace(day=17)),
        (date(2019, 12, 20), 4, date(2019, 12, 30)),
    ],
)
def test_add_working_days_steps_over_weekends_and_bank_holidays(start, days, end):
    assert add_working_days(start, days) == end  # 25 and 26 December 2019 are bank holidays


@given(st.dates(date(2000, 1, 1), date(2030, 1, 1)), st.integers(0, 40))
def test_add_working_days_lands_that_many_working_days_on(start, days):
    end = add_working_days(start, days, _no_holidays)
    assert working_days_between(start, end, _no_holidays) == days
    assert days == 0 or is_working_day(end, _no_holidays)
