"""Working-day arithmetic for reminders (pure Python).

Working days are Monday to Friday; bank holidays are not known to kpidash.
"""

from __future__ import annotations

from datetime import date, timedelta


def is_working_day(day: date) -> bool:
    return day.weekday() < 5


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end`; negative when `end` is earlier.

    From Friday to the next Monday is 1; from a day to itself is 0.
    """
    if end < start:
        return -working_days_between(end, start)
    days, day = 0, start
    while day < end:
        day += timedelta(days=1)
        days += is_working_day(day)
    return days
