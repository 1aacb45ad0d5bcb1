"""Units of measure and how values in each are written for people."""

from decimal import Decimal
from enum import StrEnum
from functools import lru_cache

from indicators.rules import round_for_display


class Unit(StrEnum):
    PERCENTAGE = "percentage"
    NUMBER = "number"
    CURRENCY = "currency"
    CURRENCY_THOUSANDS = "currency_thousands"
    DAYS = "days"
    HOURS = "hours"
    MINUTES = "minutes"
    SECONDS = "seconds"
    RATIO = "ratio"
    SCORE = "score"

    @property
    def label(self) -> str:
        return UNIT_LABELS[self]

    @property
    def scale(self) -> Decimal:
        """What a numerator/denominator fraction is multiplied by to give a value."""
        return Decimal(100) if self is Unit.PERCENTAGE else Decimal(1)


UNIT_LABELS = {
    Unit.PERCENTAGE: "Percentage (%)",
    Unit.NUMBER: "Number",
    Unit.CURRENCY: "Currency (£)",
    Unit.CURRENCY_THOUSANDS: "Currency (£000s)",
    Unit.DAYS: "Days",
    Unit.HOURS: "Hours",
    Unit.MINUTES: "Minutes",
    Unit.SECONDS: "Seconds",
    Unit.RATIO: "Ratio",
    Unit.SCORE: "Score",
}

_SUFFIX = {
    Unit.PERCENTAGE: "%",
    Unit.DAYS: " days",
    Unit.HOURS: " hrs",
    Unit.MINUTES: " mins",
    Unit.SECONDS: " secs",
}


_UNITS = {unit.value: unit for unit in Unit}


# Kept per distinct (value, unit, decimals): a dashboard writes about a thousand figures, most of them
# a handful of targets and floors or values seen in other rows' sparklines. Typed, so an int is not
# answered with a Decimal's text.
@lru_cache(maxsize=8192, typed=True)
def format_value(value: Decimal | None, unit: Unit | str, decimals: int) -> str:
    """'95.3%', '£1,250', '£12.5k', '4.2 days'; an em dash when there is no value."""
    if value is None:
        return "–"
    unit = _UNITS.get(unit) or Unit(unit)  # a dict lookup: Unit(…) cost a third of formatting a dashboard's figures
    rounded = round_for_display(value, decimals)
    text = f"{abs(rounded):,.{decimals}f}"
    sign = "-" if rounded < 0 else ""
    if unit is Unit.CURRENCY:
        return f"{sign}£{text}"
    if unit is Unit.CURRENCY_THOUSANDS:
        return f"{sign}£{text}k"
    if unit is Unit.DAYS and rounded == 1:
        return f"{sign}{text} day"
    return f"{sign}{text}{_SUFFIX.get(unit, '')}"
