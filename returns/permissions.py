"""Who may change a return, and why a return is locked.

Views and services both ask `lock_reason`, so a form never offers what the
service would refuse, and every locked form can say why.
"""

from __future__ import annotations

from datetime import date

from accounts.roles import SERVICE_OWNER, is_performance_team, user_roles
from indicators.models import Commentary, CommentaryStatus, Indicator
from indicators.periods import Frequency, period_error, period_label
from returns.models import ReportingPeriod

_UNSET = object()


def is_service_owner(user) -> bool:
    return SERVICE_OWNER in user_roles(user)


def can_enter(user, indicator: Indicator) -> bool:
    """A service owner enters figures for the indicators they own; the performance team for all."""
    if is_performance_team(user):
        return True
    # .all(): the owners prefetched with the indicator when they were, one query when not
    return is_service_owner(user) and any(owner.pk == user.pk for owner in indicator.owners.all())


def lock_reason(
    user,
    indicator: Indicator,
    period: date,
    *,
    reporting_period: ReportingPeriod | None | object = _UNSET,
    commentary: Commentary | None | object = _UNSET,
    owner: bool | None = None,
) -> str | None:
    """Why `user` cannot change this return now, in words for them; None when they can.

    Pass `reporting_period`, `commentary` and `owner` when already loaded to
    save queries (None means "there is none").
    """
    performance = is_performance_team(user)
    if owner is None:
        owner = can_enter(user, indicator)
    if not (performance or owner):
        return (
            f"This return is locked because {indicator.code} is not your indicator: only its owners "
            "and the performance team can enter its figures."
        )
    label = period_label(period)
    wrong_period = period_error(period, Frequency(indicator.frequency))
    if wrong_period:
        return f"This return is locked: {wrong_period}"
    if reporting_period is _UNSET:
        reporting_period = ReportingPeriod.objects.filter(period=period).first()
    if reporting_period is None:
        return (
            f"This return is locked because {label} is not open for returns. "
            "The performance team opens each month for returns."
        )
    if performance:
        return None
    if not reporting_period.is_open:
        return (
            f"This return is locked because {label} is closed: owners can no longer change its figures. "
            "Ask the performance team if a figure needs correcting."
        )
    if commentary is _UNSET:
        commentary = Commentary.objects.filter(indicator=indicator, period=period).first()
    if commentary is not None and commentary.status == CommentaryStatus.APPROVED:
        return "This return is locked because the performance team has approved it. Ask them if it needs to change."
    return None


def correction_needs_reason(reporting_period: ReportingPeriod | None) -> bool:
    """The performance team must say why when they change a closed period's figures."""
    return reporting_period is not None and not reporting_period.is_open
