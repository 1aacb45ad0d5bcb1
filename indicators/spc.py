"""Statistical process control (NHS "Making Data Count"): XmR limits, special causes, icons.

Pure Python, no ORM. Values come in as ``Decimal`` and are worked on as exact
fractions, so a point exactly on a limit or on the mean is classified the same
way every time; results go out as ``Decimal``.

The method follows NHS England's Making Data Count (MDC) and its reference
implementation, the R package NHSRplotthedots (``R/ptd_spc_standard.R``,
``R/ptd_calculate_point_type.R``, ``R/ptd_calculate_assurance_type.R``):

* **Limits, per phase.** Centre line = mean of the phase's values; moving range
  mR = |xᵢ − xᵢ₋₁|; process limits = mean ± 2.66 × mean(mR); the 2σ lines =
  mean ± (2/3 × 2.66) × mean(mR). With ``screen_moving_ranges`` (off by default,
  as NHS England's Excel tool; NHSRplotthedots screens by default) moving ranges
  ≥ 3.267 × mean(mR) are left out and the mean recalculated once. A phase's first
  moving range is not computed: limits never mix two phases.
* **Rules**, each applied within a phase: (1) a point strictly beyond a process
  limit (a point exactly on a limit is not); (2) a *shift*: ``shift_length`` (7)
  or more consecutive points strictly on one side of the mean, every point of
  the run flagged; a point exactly on the mean breaks the run (as
  NHSRplotthedots); (3) a *trend*: ``trend_length`` (7) or more consecutive points
  each strictly above (or below) the one before; a repeated value breaks the
  trend (as NHSRplotthedots); (4) *two of three* consecutive points strictly
  beyond the same 2σ line, the flagged points being those beyond it. Points beyond
  the process limit count towards (4) (MDC; NHSRplotthedots counts only points
  between the 2σ line and the limit).
* **Gaps.** A missing month (value ``None``) has no signal and is not counted;
  the moving range across it is not computed (it would span two months and
  overstate the variation). The run rules (shift, trend, two of three) read the
  recorded values in order, so a gap neither breaks nor extends a run: a late
  return must not reset a sustained shift to "common cause" for seven months.
* **Improvement or concern** from the polarity: H (higher is better) makes a
  high signal an improvement, L the reverse, T neither ("neutral"). A point with
  both an improvement and a concern signal is an improvement (as the MDC tool).
* **Icons** describe the latest recorded point of the latest phase, and only
  when that phase has at least 13 values (the MDC tool's rule); a phase with
  fewer than 12 has *trial* limits. **Assurance** compares the target with the
  latest phase's limits: beyond the limit on the good side → pass, on the bad
  side → fail, otherwise (a target exactly on a limit too) hit and miss; none
  without a target, or for T polarity (as MDC).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from enum import StrEnum
from fractions import Fraction
from functools import cached_property
from typing import Any

from .rules import Polarity

__all__ = [
    "Rule",
    "Side",
    "Cause",
    "Variation",
    "Assurance",
    "SpcSettings",
    "Signal",
    "PhaseLimits",
    "SpcPoint",
    "SpcResult",
    "xmr",
    "target_assurance",
    "MIN_POINTS_FOR_ICONS",
    "MIN_POINTS_FOR_LIMITS",
]

LIMIT = Fraction("2.66")  # 3 / d2, d2 = 1.128 for moving ranges of two points
TWO_SIGMA = LIMIT * 2 / 3
SCREEN = Fraction("3.267")  # D4 for n = 2: a moving range this large is itself a signal
MIN_POINTS_FOR_LIMITS = 12  # fewer: trial limits
MIN_POINTS_FOR_ICONS = 13  # fewer: "not enough data"
RUN_LENGTHS = range(5, 10)  # what other tools use: abspc 8/6, the Power BI visual 7/5, MDC 7 (Excel 6)
OUTPUT_PRECISION = 28


class Rule(StrEnum):
    OUTSIDE_LIMITS = "outside_limits"
    SHIFT = "shift"
    TREND = "trend"
    TWO_OF_THREE = "two_of_three"


# The order NHSRplotthedots names a point's special cause by; used for T polarity.
_RULE_PRIORITY = (Rule.OUTSIDE_LIMITS, Rule.TREND, Rule.TWO_OF_THREE, Rule.SHIFT)


class Side(StrEnum):
    HIGH = "high"
    LOW = "low"


class Cause(StrEnum):
    COMMON = "common_cause"
    IMPROVEMENT = "improvement"
    CONCERN = "concern"
    NEUTRAL = "neutral"


class Variation(StrEnum):
    """The variation icon; ``NONE`` means not enough data (see the result's reason)."""

    COMMON_CAUSE = "common_cause"
    IMPROVEMENT_HIGH = "improvement_high"
    IMPROVEMENT_LOW = "improvement_low"
    CONCERN_HIGH = "concern_high"
    CONCERN_LOW = "concern_low"
    NEUTRAL_HIGH = "neutral_high"
    NEUTRAL_LOW = "neutral_low"
    NONE = ""

    @property
    def label(self) -> str:
        return _VARIATION_LABELS[self]


class Assurance(StrEnum):
    """The assurance icon; ``NONE`` without a target, for T polarity, or without enough data."""

    PASS = "pass"
    FAIL = "fail"
    HIT_AND_MISS = "hit_and_miss"
    NONE = ""

    @property
    def label(self) -> str:
        return _ASSURANCE_LABELS[self]


_VARIATION_LABELS = {
    Variation.COMMON_CAUSE: "Common cause: no significant change",
    Variation.IMPROVEMENT_HIGH: "Special cause improvement (higher)",
    Variation.IMPROVEMENT_LOW: "Special cause improvement (lower)",
    Variation.CONCERN_HIGH: "Special cause concern (higher)",
    Variation.CONCERN_LOW: "Special cause concern (lower)",
    Variation.NEUTRAL_HIGH: "Special cause (higher), neither better nor worse",
    Variation.NEUTRAL_LOW: "Special cause (lower), neither better nor worse",
    Variation.NONE: "Not enough data",
}
_ASSURANCE_LABELS = {
    Assurance.PASS: "Consistently passes the target",
    Assurance.FAIL: "Consistently fails the target",
    Assurance.HIT_AND_MISS: "Hit and miss: the target is met some months and not others",
    Assurance.NONE: "No assurance",
}


@dataclass(frozen=True)
class SpcSettings:
    shift_length: int = 7
    trend_length: int = 7
    screen_moving_ranges: bool = False

    def __post_init__(self) -> None:
        for name in ("shift_length", "trend_length"):
            if getattr(self, name) not in RUN_LENGTHS:
                raise ValueError(
                    f"{name} must be {RUN_LENGTHS.start}–{RUN_LENGTHS.stop - 1}, got {getattr(self, name)}"
                )


@dataclass(frozen=True)
class Signal:
    rule: Rule
    side: Side


@dataclass(frozen=True)
class PhaseLimits:
    """One phase's centre line and limits; limits are None with fewer than two consecutive values."""

    start: int  # index into the series
    count: int  # recorded values in the phase
    mean: Decimal | None
    mean_moving_range: Decimal | None
    upper_limit: Decimal | None
    lower_limit: Decimal | None
    upper_two_sigma: Decimal | None
    lower_two_sigma: Decimal | None

    @property
    def trial(self) -> bool:
        return self.count < MIN_POINTS_FOR_LIMITS

    @property
    def enough_for_icons(self) -> bool:
        return self.count >= MIN_POINTS_FOR_ICONS and self.upper_limit is not None


@dataclass(frozen=True)
class SpcPoint:
    period: Any
    value: Decimal | None
    phase: int
    limits: PhaseLimits
    moving_range: Decimal | None  # None: first of a phase, next to a gap, or missing
    moving_range_screened: bool
    signals: frozenset[Signal]
    cause: Cause | None  # None for a missing value
    side: Side | None  # the side of the special cause that names the point

    @property
    def rules(self) -> frozenset[Rule]:
        return frozenset(s.rule for s in self.signals)


@dataclass(frozen=True)
class SpcResult:
    points: tuple[SpcPoint, ...]
    phases: tuple[PhaseLimits, ...]
    variation: Variation
    assurance: Assurance
    trial: bool
    reason: str  # why an icon is missing; "" when both are shown
    latest_period: Any = None  # the period the icons describe
    settings: SpcSettings = field(default_factory=SpcSettings)
    # The current phase's limits as exact fractions, for `target_assurance` (None without icons).
    current: _Exact | None = field(default=None, repr=False, compare=False)


# --- limits -------------------------------------------------------------------


def _frac(value: Decimal | None) -> Fraction | None:
    return None if value is None else Fraction(value)


def _dec(value: Fraction | None) -> Decimal | None:
    if value is None:
        return None
    with localcontext() as ctx:
        ctx.prec = OUTPUT_PRECISION
        return Decimal(value.numerator) / Decimal(value.denominator)


def _mean(values: Sequence[Fraction]) -> Fraction:
    return sum(values, Fraction(0)) / len(values)


def _moving_ranges(values: Sequence[Fraction | None]) -> list[Fraction | None]:
    """|xᵢ − xᵢ₋₁| within one phase; None for the first point and on either side of a gap."""
    ranges: list[Fraction | None] = [None]
    for previous, current in zip(values, values[1:], strict=False):
        ranges.append(None if previous is None or current is None else abs(current - previous))
    return ranges


@dataclass(frozen=True)
class _Exact:
    """A phase's limits as exact fractions, for the comparisons."""

    mean: Fraction
    spread: Fraction | None  # mean moving range, after screening

    def line(self, multiple: Fraction, side: Side) -> Fraction:
        """The process limit (`LIMIT`) or 2σ line (`TWO_SIGMA`) on `side`; only for a phase with a spread."""
        return self._lines[(multiple is LIMIT, side is Side.HIGH)]

    @cached_property
    def _lines(self) -> dict[tuple[bool, bool], Fraction]:
        """(limit rather than 2σ?, high?) → the line: the rules compare every point with them."""
        assert self.spread is not None
        lines = {}
        for multiple in (LIMIT, TWO_SIGMA):
            offset = multiple * self.spread
            lines[(multiple is LIMIT, True)] = self.mean + offset
            lines[(multiple is LIMIT, False)] = self.mean - offset
        return lines


def _phase_limits(
    values: Sequence[Fraction | None], ranges: Sequence[Fraction | None], screen: bool
) -> tuple[_Exact | None, set[int]]:
    """The exact limits and the indices of screened-out moving ranges."""
    recorded = [v for v in values if v is not None]
    if not recorded:
        return None, set()
    present = [r for r in ranges if r is not None]
    if not present:
        return _Exact(_mean(recorded), None), set()
    spread = _mean(present)
    screened: set[int] = set()
    if screen and spread > 0:  # with no variation at all every range would be "screened"
        screened = {i for i, r in enumerate(ranges) if r is not None and r >= SCREEN * spread}
        kept = [r for i, r in enumerate(ranges) if r is not None and i not in screened]
        spread = _mean(kept)
    return _Exact(_mean(recorded), spread), screened


def _public_limits(start: int, count: int, exact: _Exact | None) -> PhaseLimits:
    if exact is None:
        return PhaseLimits(start, count, None, None, None, None, None, None)
    # upper and lower limit, then upper and lower 2σ line; none without a spread
    lines = [None if exact.spread is None else _dec(exact.line(m, side)) for m in (LIMIT, TWO_SIGMA) for side in Side]
    return PhaseLimits(start, count, _dec(exact.mean), _dec(exact.spread), *lines)


# --- rules ----------------------------------------------------------------------


def _flag_runs(keys: Sequence[Side | None], length: int) -> list[Side | None]:
    """Mark every element of a run of ≥ ``length`` equal, non-None keys with that key."""
    marks: list[Side | None] = [None] * len(keys)
    start = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            if keys[start] is not None and i - start >= length:
                marks[start:i] = [keys[start]] * (i - start)
            start = i
    return marks


def _side_of(value: Fraction, centre: Fraction) -> Side | None:
    if value > centre:
        return Side.HIGH
    if value < centre:
        return Side.LOW
    return None


def _shift(values: Sequence[Fraction], exact: _Exact, length: int) -> list[set[Signal]]:
    marks = _flag_runs([_side_of(v, exact.mean) for v in values], length)
    return [{Signal(Rule.SHIFT, m)} if m else set() for m in marks]


def _trend(values: Sequence[Fraction], length: int) -> list[set[Signal]]:
    # A step's direction belongs to the point it arrives at; a trend of n points is
    # n − 1 steps the same way, and the point it starts from is part of it too.
    steps = [None, *(_side_of(b, a) for a, b in zip(values, values[1:], strict=False))]
    marks = _flag_runs(steps, length - 1)
    found: list[set[Signal]] = [set() for _ in values]
    for i, mark in enumerate(marks):
        if mark is not None:
            found[i].add(Signal(Rule.TREND, mark))
            found[i - 1].add(Signal(Rule.TREND, mark))
    return found


def _two_of_three(values: Sequence[Fraction], exact: _Exact) -> list[set[Signal]]:
    found: list[set[Signal]] = [set() for _ in values]
    for side in Side:
        line = exact.line(TWO_SIGMA, side)
        beyond = [(v > line) if side is Side.HIGH else (v < line) for v in values]
        for start in range(len(values) - 2):
            window = range(start, start + 3)
            if sum(beyond[i] for i in window) >= 2:
                for i in window:
                    if beyond[i]:
                        found[i].add(Signal(Rule.TWO_OF_THREE, side))
    return found


def _outside(value: Fraction, exact: _Exact) -> set[Signal]:
    if value > exact.line(LIMIT, Side.HIGH):
        return {Signal(Rule.OUTSIDE_LIMITS, Side.HIGH)}
    if value < exact.line(LIMIT, Side.LOW):
        return {Signal(Rule.OUTSIDE_LIMITS, Side.LOW)}
    return set()


def _phase_signals(values: Sequence[Fraction | None], exact: _Exact | None, settings: SpcSettings) -> list[set[Signal]]:
    found: list[set[Signal]] = [set() for _ in values]
    if exact is None or exact.spread is None:
        return found
    # A gap neither breaks nor extends a run: the rules read the recorded values in order.
    recorded = [i for i, v in enumerate(values) if v is not None]
    run = [v for v in values if v is not None]
    per_rule = (
        [_outside(v, exact) for v in run],
        _shift(run, exact, settings.shift_length),
        _trend(run, settings.trend_length),
        _two_of_three(run, exact),
    )
    for offset, i in enumerate(recorded):
        for signals in per_rule:
            found[i] |= signals[offset]
    return found


def _latest_signals(tail: Sequence[Fraction], exact: _Exact, settings: SpcSettings) -> set[Signal]:
    """`_phase_signals`' signals of the last of these recorded values, each rule fed only the values it reads."""
    return (
        _outside(tail[-1], exact)
        | _shift(tail[-settings.shift_length :], exact, settings.shift_length)[-1]
        | _trend(tail[-settings.trend_length :], settings.trend_length)[-1]
        | _two_of_three(tail[-3:], exact)[-1]
    )


# --- classification ---------------------------------------------------------------

_GOOD_SIDE = {Polarity.HIGH: Side.HIGH, Polarity.LOW: Side.LOW}


def _classify(signals: frozenset[Signal], polarity: Polarity) -> tuple[Cause, Side | None]:
    if not signals:
        return Cause.COMMON, None
    if polarity is Polarity.TARGET:
        first = min(signals, key=lambda s: (_RULE_PRIORITY.index(s.rule), s.side))
        return Cause.NEUTRAL, first.side
    good = _GOOD_SIDE[polarity]
    if any(s.side is good for s in signals):
        return Cause.IMPROVEMENT, good  # improvement wins where both fire (MDC)
    return Cause.CONCERN, Side.LOW if good is Side.HIGH else Side.HIGH


def _variation(cause: Cause, side: Side | None) -> Variation:
    if cause is Cause.COMMON:
        return Variation.COMMON_CAUSE
    return Variation(f"{cause}_{side}")  # a special cause always has a side


def _assurance(exact: _Exact, target: Decimal | None, polarity: Polarity) -> Assurance:
    if target is None or polarity is Polarity.TARGET:
        return Assurance.NONE
    goal = Fraction(target)
    higher_is_better = polarity is Polarity.HIGH
    if goal > exact.line(LIMIT, Side.HIGH):  # the whole process sits below the target
        return Assurance.FAIL if higher_is_better else Assurance.PASS
    if goal < exact.line(LIMIT, Side.LOW):
        return Assurance.PASS if higher_is_better else Assurance.FAIL
    return Assurance.HIT_AND_MISS  # a target on a limit included: the process reaches it at times


# --- the whole chart -----------------------------------------------------------------


def _phase_bounds(length: int, phase_starts: Sequence[int]) -> list[range]:
    starts = sorted(set(phase_starts) | {0})
    if length and not all(0 <= s < length for s in starts):
        raise ValueError(f"phase starts must be indices into the series (0–{length - 1}), got {list(phase_starts)}")
    return [range(s, e) for s, e in zip(starts, [*starts[1:], length], strict=False) if s < length]


def xmr(
    series: Sequence[tuple[Any, Decimal | None]],
    *,
    polarity: Polarity,
    target: Decimal | None = None,
    phase_starts: Sequence[int] = (),
    settings: SpcSettings | None = None,
) -> SpcResult:
    """The XmR chart of ``series`` (``(period, value or None)``, oldest first).

    ``phase_starts`` are indices into ``series`` where a new phase (rebased
    limits) begins; ``target`` is the current target, for the assurance icon.
    """
    settings = settings or SpcSettings()
    polarity = Polarity(polarity)
    points: list[SpcPoint] = []
    phases: list[PhaseLimits] = []
    exact: _Exact | None = None
    for number, bounds in enumerate(_phase_bounds(len(series), phase_starts)):
        values = [_frac(series[i][1]) for i in bounds]
        ranges = _moving_ranges(values)
        exact, screened = _phase_limits(values, ranges, settings.screen_moving_ranges)
        limits = _public_limits(bounds.start, sum(v is not None for v in values), exact)
        phases.append(limits)
        for offset, found in enumerate(_phase_signals(values, exact, settings)):
            period, value = series[bounds.start + offset]
            signals = frozenset(found)
            cause, side = _classify(signals, polarity) if value is not None else (None, None)
            points.append(
                SpcPoint(period, value, number, limits, _dec(ranges[offset]), offset in screened, signals, cause, side)
            )
    return _summarise(points, phases, exact, polarity=polarity, target=target, settings=settings)


def _summarise(
    points: list[SpcPoint],
    phases: list[PhaseLimits],
    exact: _Exact | None,
    *,
    polarity: Polarity,
    target: Decimal | None,
    settings: SpcSettings,
) -> SpcResult:
    current = phases[-1] if phases else None
    latest = next((p for p in reversed(points) if p.value is not None and p.phase == len(phases) - 1), None)
    trial = current is not None and current.trial
    if current is None or latest is None or not current.enough_for_icons:
        reason = _not_enough(current, several_phases=len(phases) > 1)
        return SpcResult(tuple(points), tuple(phases), Variation.NONE, Assurance.NONE, trial, reason, None, settings)
    assert exact is not None and latest.cause is not None  # the latest phase has limits; a value has a cause
    variation = _variation(latest.cause, latest.side)
    assurance = _assurance(exact, target, polarity)
    reason = ""
    if polarity is Polarity.TARGET:
        reason = "No assurance icon for an indicator that aims to stay close to its target."
    elif target is None:
        reason = "No assurance icon without a target."
    return SpcResult(
        tuple(points), tuple(phases), variation, assurance, trial, reason, latest.period, settings, current=exact
    )


def target_assurance(result: SpcResult, target: Decimal | None, polarity: Polarity) -> Assurance:
    """The assurance icon another target (e.g. one proposed for next year) would get against
    ``result``'s current process limits; ``NONE`` where ``result`` has no icons, without a
    target, or for T polarity. The same comparison as the chart's own assurance."""
    if result.current is None or result.variation is Variation.NONE:
        return Assurance.NONE
    return _assurance(result.current, target, Polarity(polarity))


def _not_enough(current: PhaseLimits | None, *, several_phases: bool) -> str:
    count = current.count if current else 0
    where = " in the current phase" if several_phases else ""
    if count >= MIN_POINTS_FOR_ICONS:  # enough values, but never two months running
        return f"Not enough data: no two consecutive values{where} to measure the variation from."
    return (
        f"Not enough data: {count} value{'' if count == 1 else 's'}{where}; "
        f"SPC needs at least {MIN_POINTS_FOR_ICONS} to show whether a change is real."
    )


# --- the icons as of every point, in one pass ------------------------------------------


def icons_as_of_each_point(
    values: Sequence[Decimal | None],
    *,
    polarity: Polarity,
    targets: Sequence[Decimal | None] | None = None,
    phase_starts: Sequence[int] = (),
    settings: SpcSettings | None = None,
    start: int = 0,
) -> list[tuple[Variation, Assurance]]:
    """For each index k from ``start``, the icons ``xmr`` gives for the chart that ends at k.

    Indices before ``start`` get ``NONE`` without their rules being read (a
    re-rating from a month on needs only the icons from that month).

    That is ``xmr(series[: k + 1], target=targets[k], phase_starts=[s for s in
    phase_starts if s <= k])``'s variation and assurance, for a recorded value at
    k (a missing one gets ``NONE``): what a dashboard for that period shows. One
    pass, not one chart per point: a phase's mean and mean moving range are kept
    as running sums, and the rules read only the last few recorded values, which
    decide whether the latest point is in a run (the same rule functions as
    ``xmr``). With ``screen_moving_ranges`` the limits are worked out afresh at
    each point, as screening needs every range. Tested against ``xmr`` for every
    prefix of generated series.
    """
    settings = settings or SpcSettings()
    polarity = Polarity(polarity)
    targets = targets if targets is not None else [None] * len(values)
    tail_length = max(settings.shift_length, settings.trend_length, 3)
    icons: list[tuple[Variation, Assurance]] = []
    for bounds in _phase_bounds(len(values), phase_starts):
        total, count, spread_total, spread_count = Fraction(0), 0, Fraction(0), 0
        previous: Fraction | None = None
        phase_values: list[Fraction | None] = []
        tail: list[Fraction] = []
        for i in bounds:
            value = _frac(values[i])
            phase_values.append(value)
            if value is not None and previous is not None:
                spread_total += abs(value - previous)
                spread_count += 1
            previous = value
            if value is None:
                icons.append((Variation.NONE, Assurance.NONE))
                continue
            total += value
            count += 1
            tail = [*tail[1 - tail_length :], value]
            if i < start or count < MIN_POINTS_FOR_ICONS or not spread_count:
                icons.append((Variation.NONE, Assurance.NONE))
                continue
            if settings.screen_moving_ranges:
                exact, _ = _phase_limits(phase_values, _moving_ranges(phase_values), True)
                assert exact is not None  # a recorded value, so the phase has a mean
            else:
                exact = _Exact(total / count, spread_total / spread_count)
            cause, side = _classify(frozenset(_latest_signals(tail, exact, settings)), polarity)
            icons.append((_variation(cause, side), _assurance(exact, targets[i], polarity)))
    return icons
