"""Working-day arithmetic for reminders.

Working days are Monday to Friday, except the bank holidays of the council's
nation (KPIDASH_BANK_HOLIDAYS, by rule: returns/bank_holidays.py) as changed by
the days the performance team adds or cancels in the admin (BankHolidayChange).

The arithmetic is pure: it takes the holidays as a function of the year.
`bank_holidays()` gives the configured calendar as it stands; callers making
many counts (a reminder run) look it up once and pass it on.
"""

from __future__ import annotations

from collections.abc import Callable, Set
from datetime import date, timedelta
from functools import lru_cache, partial

from indicators.cache import data_versions
from returns.bank_holidays import configured_nation, rule_holidays
from returns.models import BANK_HOLIDAYS_SCOPE, BankHolidayChange, CalendarChange, long_date

Holidays = Callable[[int], Set[date]]  # a year → its holidays


def bank_holidays() -> Holidays:
    """The configured calendar as it stands now: one query for its version, then cached per process.

    The version changes with every saved or deleted BankHolidayChange (in any
    process), so a cached year is never served after a change.
    """
    (version,) = data_versions(BANK_HOLIDAYS_SCOPE)
    return partial(_holidays, configured_nation(), version)


@lru_cache(maxsize=64)
def _holidays(nation: str, version: int, year: int) -> frozenset[date]:
    """The rules' holidays with the stored changes; `version` is only part of the cache key."""
    days = set(rule_holidays(nation, year))
    for day, change in BankHolidayChange.objects.filter(day__year=year).values_list("day", "change"):
        if change == CalendarChange.ADD:
            days.add(day)
        else:
            days.discard(day)
    return frozenset(days)


def clear_cache() -> None:
    """Forget every cached year (tests: a rolled-back test database reuses version numbers)."""
    _holidays.cache_clear()


def is_working_day(day: date, holidays: Holidays | None = None) -> bool:
    holidays = holidays or bank_holidays()
    return day.weekday() < 5 and day not in holidays(day.year)


def working_days_between(start: date, end: date, holidays: Holidays | None = None) -> int:
    """Working days after `start` up to and including `end`; negative when `end` is earlier.

    From Friday to the next Monday is 1; from a day to itself is 0.
    """
    if end < start:
        return -working_days_between(end, start, holidays)
    holidays = holidays or bank_holidays()
    days, day = 0, start
    while day < end:
        day += timedelta(days=1)
        days += is_working_day(day, holidays)
    return days


def add_working_days(start: date, days: int, holidays: Holidays | None = None) -> date:
    """The day `days` working days after `start` (0: `start` itself), so that
    `working_days_between(start, add_working_days(start, n)) == n`."""
    holidays = holidays or bank_holidays()
    day = start
    while days > 0:
        day += timedelta(days=1)
        days -= is_working_day(day, holidays)
    return day


def deadline_warning(deadline: date, holidays: Holidays | None = None) -> str | None:
    """Why a deadline looks wrong when the council is closed that day; None on a working day."""
    if is_working_day(deadline, holidays):
        return None
    closed = "at a weekend" if deadline.weekday() >= 5 else "a bank holiday or closure day"
    return (
        f"The deadline, {long_date(deadline)}, is {closed}: owners may not be at work that day, "
        "and reminders count working days up to it."
    )
