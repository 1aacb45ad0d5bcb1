"""Who may change improvement actions, and why an action is locked for someone.

Everyone signed in reads plans and actions. The performance team creates and
changes any action; a service owner those for the indicators they own (every
indicator an owner links must be theirs). Clerks and viewers only read, except
that a clerk records a committee's resolutions as actions (`may_record_resolution`). Views
and services ask the same functions, so a form never offers what the service
would refuse, and a locked page says why.
"""

from __future__ import annotations

from collections.abc import Iterable

from accounts.roles import COMMITTEE_CLERK, PERFORMANCE_TEAM, SERVICE_OWNER, is_performance_team, user_roles
from indicators.models import Indicator
from plans.models import Action


def may_create(user) -> bool:
    roles = user_roles(user)
    return PERFORMANCE_TEAM in roles or SERVICE_OWNER in roles


def may_record_resolution(user) -> bool:
    """Committee clerks (who minute the meetings) and the performance team record committee resolutions."""
    roles = user_roles(user)
    return PERFORMANCE_TEAM in roles or COMMITTEE_CLERK in roles


def linkable_indicators(user):
    """The indicators `user` may link an action to: all for the performance team, their own for an owner."""
    if is_performance_team(user):
        return Indicator.objects.all()
    if SERVICE_OWNER in user_roles(user):
        return Indicator.objects.owned_by(user)
    return Indicator.objects.none()


def not_theirs(user, indicators: Iterable[Indicator]) -> list[str]:
    """The codes among `indicators` that `user` may not link an action to (none for the performance team)."""
    if is_performance_team(user):
        return []
    own = set(Indicator.objects.owned_by(user).values_list("pk", flat=True)) if may_create(user) else set()
    return sorted(indicator.code for indicator in indicators if indicator.pk not in own)


def others_links(user, action: Action) -> list[Indicator]:
    """The action's indicators that `user` may not link, which their change of it leaves linked.

    An action can be about several owners' indicators (a committee resolution often is); each owner
    changes only their own links, and the form offers them only their own indicators.
    """
    linked = list(action.indicators.all())
    codes = set(not_theirs(user, linked))
    return [indicator for indicator in linked if indicator.code in codes]


def action_lock_reason(user, action: Action) -> str | None:
    """Why `user` cannot change this action, in words for them; None when they can."""
    if is_performance_team(user):
        return None
    if not may_create(user):
        return (
            "This action is locked because only service owners and the performance team "
            "change improvement actions: you can read it."
        )
    codes = sorted(indicator.code for indicator in action.indicators.all())
    if Indicator.objects.owned_by(user).filter(pk__in=[i.pk for i in action.indicators.all()]).exists():
        return None
    return (
        f"This action is locked because it is for {', '.join(codes)}, which is not your indicator: "
        "only its owners and the performance team can change it."
    )
