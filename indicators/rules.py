"""RAG rating rules, direction of travel and year-to-date figures (pure Python).

Everything here works on ``Decimal`` with exact arithmetic: a value exactly on a
target or a band edge must rate the same way every time, which binary floats
cannot promise.

Contracts that hold across every scheme:

* **Missing data is never Red.** No value, no target, or a data-only indicator
  rates :attr:`Rag.NONE`; so does a comparison that cannot be made.
* **Equality counts as achieved.** A value on the target, or exactly on a band
  edge, belongs to the better band; every comparison is inclusive that way.
* **What councillors see is what is rated.** :func:`assess` rounds values to the
  indicator's display decimals (ROUND_HALF_UP) *before* rating them, so a value
  printed as "90.0" against a target of 90 is never shown Amber because the
  stored figure was 89.96.

Schemes (one per indicator; see :class:`Scheme`): Kent's target/floor standard,
tolerance bands (Bracknell, Maidstone, Belfast), target only (Tower Hamlets),
tolerance plus trend (Havering), and data only (no rating).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from enum import StrEnum
from functools import lru_cache
from typing import overload

__all__ = [
    "Polarity",
    "Rag",
    "Scheme",
    "ToleranceUnit",
    "Direction",
    "ExpectedRange",
    "YtdMethod",
    "RatingRule",
    "Point",
    "Assessment",
    "rate",
    "direction_of_travel",
    "expected_range",
    "value_from_fraction",
    "aggregate_ytd",
    "round_for_display",
    "assess",
    "describe_rule",
    "describe_polarity",
]

HUNDRED = Decimal(100)
ZERO = Decimal(0)
# Enough digits that sums and percentage bands of real KPI figures are exact.
PRECISION = 60


class Polarity(StrEnum):
    """Which way is better: higher, lower, or close to the target."""

    HIGH = "H"
    LOW = "L"
    TARGET = "T"


class Rag(StrEnum):
    """A RAG rating; ``NONE`` means not rated (no data, no target, data only)."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NONE = ""

    @property
    def label(self) -> str:
        return _RAG_LABELS[self]

    @property
    def rank(self) -> int:
        """Higher is better; ``NONE`` ranks lowest so it sorts apart from ratings."""
        return _RAG_RANKS[self]


_RAG_LABELS = {Rag.GREEN: "Green", Rag.AMBER: "Amber", Rag.RED: "Red", Rag.NONE: "No RAG"}
_RAG_RANKS = {Rag.GREEN: 3, Rag.AMBER: 2, Rag.RED: 1, Rag.NONE: 0}


class Scheme(StrEnum):
    """How an indicator's RAG is decided."""

    FLOOR = "floor"
    TOLERANCE = "tolerance"
    TARGET_ONLY = "target_only"
    TOLERANCE_TREND = "tolerance_trend"
    DATA_ONLY = "data_only"


class ToleranceUnit(StrEnum):
    """PERCENT: percent of the target; ABSOLUTE: in the indicator's own unit."""

    PERCENT = "percent"
    ABSOLUTE = "absolute"


class Direction(StrEnum):
    IMPROVED = "improved"
    UNCHANGED = "unchanged"
    WORSENED = "worsened"
    NONE = ""


class ExpectedRange(StrEnum):
    BELOW = "below"
    WITHIN = "within"
    ABOVE = "above"
    NONE = ""


class YtdMethod(StrEnum):
    """How a year-to-date figure is built from the periods so far."""

    SUM = "sum"
    RATIO = "ratio"
    MEAN = "mean"
    LATEST = "latest"
    ROLLING_12 = "rolling_12"


def _plain(value: Decimal) -> str:
    """A Decimal without trailing zeros or exponent: 5.00 → "5", 1E+2 → "100"."""
    if value == 0:
        return "0"  # also avoids "-0"
    return f"{value.normalize():f}"


# --- the rule and its validation --------------------------------------------


@dataclass(frozen=True)
class RatingRule:
    """One indicator's rating configuration for one financial year."""

    scheme: Scheme
    polarity: Polarity
    target: Decimal | None = None
    floor: Decimal | None = None
    green_tolerance: Decimal | None = None
    amber_tolerance: Decimal | None = None
    tolerance_unit: ToleranceUnit = ToleranceUnit.PERCENT

    def errors(self) -> dict[str, str]:
        """Field name → message for a person; empty when the rule is valid.

        A rule without a target is valid (it rates ``NONE``), but a floor or
        tolerance without a target is not: it would silently do nothing.
        """
        if self.scheme is Scheme.DATA_ONLY:
            return {}
        if self.target is None:
            return self._errors_without_target()
        checks = {
            Scheme.FLOOR: self._floor_errors,
            Scheme.TOLERANCE: self._tolerance_errors,
            Scheme.TOLERANCE_TREND: self._trend_errors,
        }
        check = checks.get(self.scheme)
        return check(self.target) if check else {}

    def _errors_without_target(self) -> dict[str, str]:
        errors = {}
        if self.floor is not None:
            errors["floor"] = "Set a target before a floor standard."
        for field, name in _TOLERANCE_FIELDS.items():
            if getattr(self, field) is not None:
                errors[field] = f"Set a target before {_ARTICLES[field]} {name}."
        return errors

    def _floor_errors(self, target: Decimal) -> dict[str, str]:
        if self.floor is None:
            return {"floor": "A floor standard is required for the floor scheme."}
        floor = self.floor
        if self.polarity is Polarity.HIGH and floor > target:
            return {
                "floor": (
                    f"For a higher-is-better indicator the floor standard ({_plain(floor)}) "
                    f"must not be above the target ({_plain(target)})."
                )
            }
        if self.polarity is Polarity.LOW and floor < target:
            return {
                "floor": (
                    f"For a lower-is-better indicator the floor standard ({_plain(floor)}) "
                    f"must not be below the target ({_plain(target)})."
                )
            }
        if self.polarity is Polarity.TARGET:
            return _non_negative(self, "green_tolerance") or self._green_within_floor_errors(target, floor)
        return {}  # H/L ignore green_tolerance: Green means the target is met

    def _green_within_floor_errors(self, target: Decimal, floor: Decimal) -> dict[str, str]:
        # Under T the green band must fit inside the floor distance, or Amber
        # could never happen and the floor standard would mean nothing.
        green = _band(self.green_tolerance, target, self.tolerance_unit)
        distance = abs(target - floor)
        if green > distance:
            return {
                "green_tolerance": (
                    f"The green tolerance ({_amount(self.green_tolerance, self.tolerance_unit)}) "
                    f"must not be wider than the distance from the target to the floor "
                    f"standard ({_plain(distance)})."
                )
            }
        return {}

    def _tolerance_errors(self, target: Decimal) -> dict[str, str]:
        errors: dict[str, str] = {}
        for field in _TOLERANCE_FIELDS:
            errors |= _required(self, field) | _non_negative(self, field)
        green, amber = self.green_tolerance, self.amber_tolerance
        if not errors and green is not None and amber is not None and green > amber:
            errors["green_tolerance"] = (
                f"The green tolerance ({_plain(green)}) must not be wider than the amber tolerance ({_plain(amber)})."
            )
        return errors

    def _trend_errors(self, target: Decimal) -> dict[str, str]:
        return _non_negative(self, "green_tolerance") | _required(self, "green_tolerance")


_TOLERANCE_FIELDS = {"green_tolerance": "green tolerance", "amber_tolerance": "amber tolerance"}
_ARTICLES = {"green_tolerance": "a", "amber_tolerance": "an"}
_SCHEME_NAMES = {
    Scheme.FLOOR: "floor",
    Scheme.TOLERANCE: "tolerance",
    Scheme.TOLERANCE_TREND: "tolerance and trend",
}


def _required(rule: RatingRule, field: str) -> dict[str, str]:
    if getattr(rule, field) is not None:
        return {}
    name = _TOLERANCE_FIELDS[field]
    article = _ARTICLES[field].capitalize()
    return {field: f"{article} {name} is required for the {_SCHEME_NAMES[rule.scheme]} scheme."}


def _non_negative(rule: RatingRule, field: str) -> dict[str, str]:
    value = getattr(rule, field)
    if value is None or value >= 0:
        return {}
    name = _TOLERANCE_FIELDS[field]
    return {field: f"The {name} ({_plain(value)}) must not be negative."}


# --- rating -----------------------------------------------------------------


def _shortfall(value: Decimal, target: Decimal, polarity: Polarity) -> Decimal:
    """How far ``value`` falls short of ``target``; 0 when it meets it."""
    if polarity is Polarity.HIGH:
        return max(ZERO, target - value)
    if polarity is Polarity.LOW:
        return max(ZERO, value - target)
    return abs(value - target)


def _band(tolerance: Decimal | None, target: Decimal, unit: ToleranceUnit) -> Decimal:
    """Width of a tolerance band in the indicator's unit; a missing tolerance is 0."""
    if tolerance is None:
        return ZERO
    if unit is ToleranceUnit.ABSOLUTE:
        return tolerance
    return abs(target) * tolerance / HUNDRED


def _green_band(rule: RatingRule, target: Decimal) -> Decimal:
    """How far from target still rates Green (0 except for tolerance bands)."""
    if rule.scheme is Scheme.FLOOR and rule.polarity is not Polarity.TARGET:
        return ZERO  # Kent: Green means the target itself is met
    return _band(rule.green_tolerance, target, rule.tolerance_unit)


def rate(value: Decimal | None, rule: RatingRule, *, last_year: Decimal | None = None) -> Rag:
    """The RAG for ``value`` under ``rule``; never Red when anything is missing.

    ``last_year`` (same period last year) is used only by TOLERANCE_TREND.
    Values are rated as given: round them first (see :func:`assess`).
    """
    target = rule.target
    if value is None or target is None or rule.scheme is Scheme.DATA_ONLY:
        return Rag.NONE
    with localcontext() as ctx:
        ctx.prec = PRECISION
        shortfall = _shortfall(value, target, rule.polarity)
        if rule.scheme is Scheme.TARGET_ONLY:
            return Rag.GREEN if shortfall == 0 else Rag.RED
        if shortfall <= _green_band(rule, target):
            return Rag.GREEN
        if rule.scheme is Scheme.FLOOR:
            return _rate_below_green_floor(value, rule, target)
        if rule.scheme is Scheme.TOLERANCE_TREND:
            return _rate_on_trend(value, rule, last_year)
        if rule.amber_tolerance is None:
            return Rag.AMBER  # an amber band that is not set cannot be missed
        amber = _band(rule.amber_tolerance, target, rule.tolerance_unit)
        return Rag.AMBER if shortfall <= amber else Rag.RED


def _rate_below_green_floor(value: Decimal, rule: RatingRule, target: Decimal) -> Rag:
    """FLOOR scheme, target missed: Amber if the floor standard is achieved."""
    floor = rule.floor
    if floor is None:
        return Rag.AMBER  # a floor that is not set cannot be missed
    if rule.polarity is Polarity.TARGET:
        achieved = abs(value - target) <= abs(target - floor)
    elif rule.polarity is Polarity.HIGH:
        achieved = value >= floor
    else:
        achieved = value <= floor
    return Rag.AMBER if achieved else Rag.RED


def _rate_on_trend(value: Decimal, rule: RatingRule, last_year: Decimal | None) -> Rag:
    """TOLERANCE_TREND outside the green band: Red only if it got worse."""
    direction = direction_of_travel(value, last_year, rule.polarity, target=rule.target)
    return Rag.RED if direction is Direction.WORSENED else Rag.AMBER


def direction_of_travel(
    current: Decimal | None,
    previous: Decimal | None,
    polarity: Polarity,
    *,
    target: Decimal | None = None,
) -> Direction:
    """Whether performance improved from ``previous`` to ``current``.

    H: higher is improved; L: lower is improved; T: closer to ``target`` is
    improved (``NONE`` without a target). ``NONE`` when either value is missing.
    """
    if current is None or previous is None:
        return Direction.NONE
    if polarity is Polarity.TARGET:
        if target is None:
            return Direction.NONE
        # Distance from target, negated so that "larger is better" as for H.
        current, previous = -abs(current - target), -abs(previous - target)
    elif polarity is Polarity.LOW:
        current, previous = -current, -previous
    if current > previous:
        return Direction.IMPROVED
    if current < previous:
        return Direction.WORSENED
    return Direction.UNCHANGED


def expected_range(value: Decimal | None, lower: Decimal | None, upper: Decimal | None) -> ExpectedRange:
    """Where an activity value sits against its expected thresholds.

    Thresholds are inclusive ("within"); a missing threshold leaves that side
    open. ``NONE`` when the value or both thresholds are missing.
    """
    if value is None or (lower is None and upper is None):
        return ExpectedRange.NONE
    if lower is not None and value < lower:
        return ExpectedRange.BELOW
    if upper is not None and value > upper:
        return ExpectedRange.ABOVE
    return ExpectedRange.WITHIN


# --- values and year to date ------------------------------------------------


@dataclass(frozen=True)
class Point:
    """One period's figure; sequences of points run oldest → newest."""

    value: Decimal | None
    numerator: Decimal | None = None
    denominator: Decimal | None = None


def value_from_fraction(numerator: Decimal, denominator: Decimal, scale: Decimal) -> Decimal | None:
    """``numerator / denominator × scale`` (scale 100 for a percentage); None if ÷0."""
    if denominator == 0:
        return None
    with localcontext() as ctx:
        ctx.prec = PRECISION
        scaled = numerator * scale  # exact, so only the division below rounds
    # Divide in the caller's context: a recurring quotient is inexact anyway,
    # and 28 digits is what Decimal users (and DecimalField) expect.
    return scaled / denominator


def aggregate_ytd(method: YtdMethod, points: Sequence[Point], *, scale: Decimal = Decimal(1)) -> Decimal | None:
    """The year-to-date figure from the FY's points so far (oldest first).

    SUM adds values; RATIO divides summed numerators by summed denominators
    (over points with both) × ``scale``, falling back to MEAN when no point has
    both, and is None when the summed denominator is 0; MEAN averages values;
    LATEST and ROLLING_12 take the newest value (a rolling figure is entered
    already rolled). Missing values are skipped; nothing to use gives None.
    """
    values = [p.value for p in points if p.value is not None]
    method = YtdMethod(method)
    if method is YtdMethod.RATIO:
        pairs = [(p.numerator, p.denominator) for p in points if p.numerator is not None and p.denominator is not None]
        if pairs:
            numerator = sum((n for n, _ in pairs), ZERO)
            denominator = sum((d for _, d in pairs), ZERO)
            return value_from_fraction(numerator, denominator, scale)
        method = YtdMethod.MEAN
    if not values:
        return None
    if method in (YtdMethod.LATEST, YtdMethod.ROLLING_12):
        return values[-1]
    with localcontext() as ctx:
        ctx.prec = PRECISION
        total = sum(values, ZERO)
    return total if method is YtdMethod.SUM else total / len(values)


@overload
def round_for_display(value: Decimal, decimals: int) -> Decimal: ...
@overload
def round_for_display(value: None, decimals: int) -> None: ...
@overload
def round_for_display(value: Decimal | None, decimals: int) -> Decimal | None: ...
def round_for_display(value: Decimal | None, decimals: int) -> Decimal | None:
    """``value`` rounded half-up to ``decimals`` places (as printed); None stays None."""
    if value is None:
        return None
    if decimals < 0:
        raise ValueError(f"decimals must not be negative, got {decimals}")
    # A context passed in, not `localcontext()`: a dashboard rounds about a thousand figures, and
    # entering a local context cost several times the rounding itself.
    return value.quantize(_places(decimals), context=_DISPLAY_ROUNDING)


_DISPLAY_ROUNDING = Context(prec=PRECISION, rounding=ROUND_HALF_UP)


@lru_cache(maxsize=16)
def _places(decimals: int) -> Decimal:
    return Decimal(1).scaleb(-decimals)


@dataclass(frozen=True)
class Assessment:
    """What the dashboard shows for one indicator and period."""

    month_value: Decimal | None
    month_rag: Rag
    ytd_value: Decimal | None
    ytd_rag: Rag
    direction: Direction


def assess(
    *,
    rule: RatingRule,
    decimals: int,
    month: Decimal | None,
    ytd: Decimal | None,
    previous: Decimal | None,
    last_year: Decimal | None,
    last_year_ytd: Decimal | None = None,
) -> Assessment:
    """Round every figure to the display decimals, then rate and compare them.

    The month is rated against ``last_year`` and the YTD against
    ``last_year_ytd`` (both only matter for TOLERANCE_TREND); the direction of
    travel compares the month with ``previous``.
    """
    month, ytd, previous, last_year, last_year_ytd = (
        round_for_display(v, decimals) for v in (month, ytd, previous, last_year, last_year_ytd)
    )
    return Assessment(
        month_value=month,
        month_rag=rate(month, rule, last_year=last_year),
        ytd_value=ytd,
        ytd_rag=rate(ytd, rule, last_year=last_year_ytd),
        direction=direction_of_travel(month, previous, rule.polarity, target=rule.target),
    )


# --- explanations for the Guidance Notes -------------------------------------

_SIDE = {Polarity.HIGH: "below", Polarity.LOW: "above", Polarity.TARGET: "from"}
_BETTER = {Polarity.HIGH: "above", Polarity.LOW: "below"}


def _amount(tolerance: Decimal | None, unit: ToleranceUnit) -> str:
    """ "5%" for a percent tolerance, "2" for an absolute one."""
    text = _plain(tolerance if tolerance is not None else ZERO)
    return f"{text}%" if unit is ToleranceUnit.PERCENT else text


def _green_sentence(polarity: Polarity, green: Decimal, unit: ToleranceUnit) -> str:
    """The Green sentence for the tolerance schemes, e.g. "On, above or within 5% of target"."""
    if polarity is Polarity.TARGET:
        return "On target" if green == 0 else f"Within {_amount(green, unit)} of target either side"
    better = _BETTER[polarity]
    if green == 0:
        return f"On or {better} target"
    return f"On, {better} or within {_amount(green, unit)} of target"


def _missed_by(polarity: Polarity, amount: str) -> str:
    """e.g. "5% below target", "2 above target", "5% from target either side"."""
    suffix = " either side" if polarity is Polarity.TARGET else ""
    return f"{amount} {_SIDE[polarity]} target{suffix}"


def describe_rule(
    scheme: Scheme,
    polarity: Polarity,
    green_tolerance: Decimal | None,
    amber_tolerance: Decimal | None,
    tolerance_unit: ToleranceUnit,
) -> dict[Rag, str]:
    """The Green/Amber/Red sentences for one scheme, for the Guidance Notes.

    Generated from the rule actually in use so the notes cannot drift from the
    ratings: a band that can never occur (e.g. no amber band) gets no sentence,
    and DATA_ONLY gives ``{}``. Missing tolerances are read as ``rate`` reads
    them: green 0, amber unset (never Red).
    """
    scheme, polarity, unit = Scheme(scheme), Polarity(polarity), ToleranceUnit(tolerance_unit)
    green = green_tolerance if green_tolerance is not None else ZERO
    if scheme is Scheme.FLOOR:
        return _describe_floor(polarity, green, unit)
    if scheme is Scheme.TOLERANCE:
        return _describe_tolerance(polarity, green, amber_tolerance, unit)
    if scheme is Scheme.TOLERANCE_TREND:
        return _describe_trend(polarity, green, unit)
    if scheme is Scheme.TARGET_ONLY:
        return {Rag.GREEN: "Target achieved", Rag.RED: "Target not achieved"}
    return {}


def _describe_floor(polarity: Polarity, green: Decimal, unit: ToleranceUnit) -> dict[Rag, str]:
    if polarity is Polarity.TARGET:
        return {
            Rag.GREEN: _green_sentence(polarity, green, unit),
            Rag.AMBER: "Further from target than that, but within the expected floor standard",
            Rag.RED: "Further from target than the expected floor standard",
        }
    return {
        Rag.GREEN: "Target has been achieved or exceeded",
        Rag.AMBER: (
            "Performance achieved or exceeded the expected floor standard but did not meet the target for Green"
        ),
        Rag.RED: "Performance did not meet the expected floor standard",
    }


def _describe_tolerance(
    polarity: Polarity, green: Decimal, amber: Decimal | None, unit: ToleranceUnit
) -> dict[Rag, str]:
    texts = {Rag.GREEN: _green_sentence(polarity, green, unit)}
    green_text = _amount(green, unit)
    if amber is None:  # no amber edge: everything beyond green is Amber
        texts[Rag.AMBER] = f"More than {_missed_by(polarity, green_text)}"
        return texts
    red_edge = max(green, amber)  # an amber band narrower than green never applies
    red_text = _amount(red_edge, unit)
    if red_edge > green:
        lower = "Up to" if green == 0 else f"Between {green_text} and"
        texts[Rag.AMBER] = f"{lower} {_missed_by(polarity, red_text)}"
    if red_edge > 0:
        texts[Rag.RED] = f"More than {_missed_by(polarity, red_text)}"
    elif polarity is Polarity.TARGET:
        texts[Rag.RED] = "Not on target"
    else:
        texts[Rag.RED] = f"{_SIDE[polarity].capitalize()} target"
    return texts


def _describe_trend(polarity: Polarity, green: Decimal, unit: ToleranceUnit) -> dict[Rag, str]:
    missed = f"More than {_amount(green, unit)} {_SIDE[polarity]} target"
    return {
        Rag.GREEN: _green_sentence(polarity, green, unit),
        Rag.AMBER: f"{missed}, but performance improved or held against the same period last year",
        Rag.RED: f"{missed} and performance worsened against the same period last year",
    }


_POLARITY_TEXT = {
    Polarity.HIGH: "High – the aim is to achieve the highest number/percentage possible",
    Polarity.LOW: "Low – the aim is to achieve the lowest number/percentage possible",
    Polarity.TARGET: "Target – the aim is to stay close to the target",
}


def describe_polarity(polarity: Polarity) -> str:
    """The polarity line of the Guidance Notes."""
    return _POLARITY_TEXT[Polarity(polarity)]
