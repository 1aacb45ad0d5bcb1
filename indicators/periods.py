"""Reporting periods and financial years, in pure Python (no Django, no ORM).

A *period* is a ``datetime.date`` on the first of a month: the month a result
belongs to. Councils plan in *financial years* (FY) running 1 April – 31 March,
written ``2019/20`` for the year starting in April 2019.

Indicators report monthly, quarterly or annually. Quarterly figures belong to
the quarter ends of the financial year (June, September, December, March) and
annual figures to the year end (March), so a quarterly result for "November"
is a data-entry mistake that :func:`period_error` explains in plain words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol, TypeVar

__all__ = [
    "Frequency",
    "FinancialYear",
    "parse_period",
    "format_period",
    "period_label",
    "month_start",
    "add_months",
    "is_reporting_period",
    "reporting_periods",
    "previous_period",
    "same_period_last_year",
    "fy_periods_to",
    "period_error",
]

FY_START_MONTH = 4  # April
QUARTER_END_MONTHS = (6, 9, 12, 3)
ANNUAL_MONTH = 3  # March, the financial year end
MIN_YEAR, MAX_YEAR = 1900, 2999

# Spelled out rather than taken from calendar.month_name, which follows the
# process locale: papers must always say "November", never "novembre".
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

_PERIOD_RE = re.compile(r"([0-9]{4})-([0-9]{2})")
_FY_RE = re.compile(r"([0-9]{4})/([0-9]{2}|[0-9]{4})")


class Frequency(StrEnum):
    """How often an indicator reports a result."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"


_STEP_MONTHS = {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.ANNUAL: 12}


# --- single periods ---------------------------------------------------------


def parse_period(text: str) -> date:
    """Parse exactly ``YYYY-MM`` (year 1900–2999, month 01–12) into a period.

    Raises ``ValueError`` with a message fit to show a user, e.g.
    "'2019-13' is not a valid period: month must be 01–12".
    """
    match = _PERIOD_RE.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{text!r} is not a valid period: expected YYYY-MM, e.g. 2019-11")
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12:
        raise ValueError(f"{text!r} is not a valid period: month must be 01–12")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"{text!r} is not a valid period: year must be {MIN_YEAR}–{MAX_YEAR}")
    return date(year, month, 1)


def format_period(period: date) -> str:
    """Machine form of a period, the inverse of :func:`parse_period`: ``2019-11``."""
    return f"{period.year:04d}-{period.month:02d}"


def period_label(period: date) -> str:
    """Human form of a period for papers and screens: ``November 2019``."""
    return f"{MONTH_NAMES[period.month - 1]} {period.year}"


def month_start(d: date) -> date:
    """The period (first of the month) that the date ``d`` falls in."""
    return d.replace(day=1)


def add_months(period: date, n: int) -> date:
    """The period ``n`` months after ``period`` (before it when ``n`` < 0).

    The result is always a month start, whatever the day of ``period``.
    """
    index = period.year * 12 + (period.month - 1) + n
    return date(index // 12, index % 12 + 1, 1)


def previous_period(period: date, frequency: Frequency) -> date:
    """The reporting period before ``period``: 1, 3 or 12 months back."""
    return add_months(period, -_STEP_MONTHS[Frequency(frequency)])


def same_period_last_year(period: date) -> date:
    """The same month one year earlier, the usual comparison for seasonal data."""
    return add_months(period, -12)


# --- financial years --------------------------------------------------------


@dataclass(frozen=True, order=True)
class FinancialYear:
    """The financial year starting on 1 April of ``start_year``."""

    start_year: int

    @property
    def label(self) -> str:
        """``2019/20``; the second part is two digits, so 1999 gives ``1999/00``."""
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    def __str__(self) -> str:
        return self.label

    @classmethod
    def parse(cls, text: str) -> FinancialYear:
        """Parse ``2019/20`` or ``2019/2020``; the second year must follow the first.

        Raises ``ValueError`` with a message fit to show a user.
        """
        match = _FY_RE.fullmatch(text) if isinstance(text, str) else None
        if match is None:
            raise ValueError(f"{text!r} is not a valid financial year: expected e.g. 2019/20")
        fy = cls(int(match[1]))
        second = match[2]
        expected = str(fy.start_year + 1)[-len(second) :]
        if second != expected:
            raise ValueError(
                f"{text!r} is not a valid financial year: the second year must follow the first, e.g. {fy.label}"
            )
        return fy

    @classmethod
    def containing(cls, d: date) -> FinancialYear:
        """The financial year that ``d`` falls in (Jan–Mar belong to the year before)."""
        return cls(d.year if d.month >= FY_START_MONTH else d.year - 1)

    @property
    def start(self) -> date:
        """1 April of the start year."""
        return date(self.start_year, FY_START_MONTH, 1)

    @property
    def end(self) -> date:
        """31 March of the following year."""
        return date(self.start_year + 1, 3, 31)

    def months(self) -> list[date]:
        """The twelve periods of the year, April to March."""
        return [add_months(self.start, i) for i in range(12)]

    def previous(self) -> FinancialYear:
        return FinancialYear(self.start_year - 1)

    def next(self) -> FinancialYear:
        return FinancialYear(self.start_year + 1)


# --- reporting periods by frequency -----------------------------------------


def is_reporting_period(period: date, frequency: Frequency) -> bool:
    """Whether an indicator of this frequency reports for ``period``.

    Monthly: any month; quarterly: June, September, December, March;
    annual: March. A date that is not a month start is never a period.
    """
    if period.day != 1:
        return False
    frequency = Frequency(frequency)
    if frequency is Frequency.QUARTERLY:
        return period.month in QUARTER_END_MONTHS
    if frequency is Frequency.ANNUAL:
        return period.month == ANNUAL_MONTH
    return True


def reporting_periods(frequency: Frequency, start: date, end: date) -> list[date]:
    """Reporting periods from ``start`` to ``end`` inclusive, oldest first.

    ``start`` and ``end`` are taken as the months they fall in, so a range that
    ends on 15 June includes June.
    """
    periods: list[date] = []
    current, last = month_start(start), month_start(end)
    while current <= last:
        if is_reporting_period(current, frequency):
            periods.append(current)
        current = add_months(current, 1)
    return periods


def fy_periods_to(period: date, frequency: Frequency) -> list[date]:
    """Reporting periods of the FY containing ``period``, from its start to ``period``.

    These are the periods a year-to-date figure is built from.
    """
    fy = FinancialYear.containing(period)
    return reporting_periods(frequency, fy.start, period)


def period_error(period: date, frequency: Frequency) -> str | None:
    """``None`` if an indicator of ``frequency`` may report for ``period``, else why not."""
    if period.day != 1:
        return f"A period is a whole month; {period.isoformat()} is not the first of a month."
    frequency = Frequency(frequency)
    if is_reporting_period(period, frequency):
        return None
    label = period_label(period)
    if frequency is Frequency.QUARTERLY:
        return (
            f"Quarterly indicators report only on quarter ends (June, September, December, March); {label} is not one."
        )
    return f"Annual indicators report only at the financial year end (March); {label} is not one."


class _OfFinancialYear(Protocol):
    @property
    def financial_year(self) -> int: ...  # the year the financial year starts in, as on a Threshold


T = TypeVar("T", bound=_OfFinancialYear)


def threshold_for(thresholds: Iterable[T], period: date) -> T | None:
    """The one of an indicator's thresholds (already fetched) for the financial year containing `period`."""
    year = FinancialYear.containing(period).start_year
    return next((t for t in thresholds if t.financial_year == year), None)
