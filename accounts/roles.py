"""The four roles, as Django groups, and what each may do in the admin.

Object-level rules (an owner edits only their own indicators) are enforced in
the views and services; the groups carry the model permissions the admin and
`has_perm` checks use.
"""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

SERVICE_OWNER = "Service owner"
PERFORMANCE_TEAM = "Performance team"
COMMITTEE_CLERK = "Committee clerk"
VIEWER = "Viewer"
ROLES = (SERVICE_OWNER, PERFORMANCE_TEAM, COMMITTEE_CLERK, VIEWER)

# app label -> models the performance team manages in full.
_PERFORMANCE_TEAM_MODELS = {
    "indicators": ["directorate", "committee", "indicator", "threshold", "phase", "result", "commentary"],
    "spreadsheets": ["importrecord"],
    "returns": ["reportingperiod", "bankholidaychange"],
    "plans": ["plan", "priority", "objective", "action", "actionnote"],
    "reports": ["papersettings", "paper", "addendum"],
    "public": ["publication"],  # the admin shows them read only; the publication page changes them
    "questions": ["meeting", "question", "answer", "responsesheet"],  # read only there, as publications
}
_VIEW_ONLY = {"indicators": ["directorate", "committee", "indicator", "threshold", "phase", "result", "commentary"]}
# The apps whose permissions the roles hold.
ROLE_APPS = frozenset(_PERFORMANCE_TEAM_MODELS) | frozenset(_VIEW_ONLY)


def _permissions(models_by_app: dict[str, list[str]], actions: tuple[str, ...]) -> list[Permission]:
    codenames = [f"{action}_{model}" for models in models_by_app.values() for model in models for action in actions]
    return list(Permission.objects.filter(content_type__app_label__in=models_by_app.keys(), codename__in=codenames))


def ensure_roles() -> None:
    """Create the groups and (re)grant their permissions; safe to run repeatedly."""
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLES}
    full = ("add", "change", "delete", "view")
    groups[PERFORMANCE_TEAM].permissions.add(*_permissions(_PERFORMANCE_TEAM_MODELS, full))
    for role in (SERVICE_OWNER, COMMITTEE_CLERK, VIEWER):
        groups[role].permissions.add(*_permissions(_VIEW_ONLY, ("view",)))


def is_performance_team(user) -> bool:
    return PERFORMANCE_TEAM in user_roles(user)


def user_roles(user) -> set[str]:
    """The user's roles, kept on the user object for the request and in the cache between requests.

    A request's user object lives for that request, so navigation, views and
    permission checks share one lookup. Between requests the roles come from
    the cache (no query per page), under a generation that any change to group
    membership or to the groups themselves moves on (`forget_roles`), so with
    Redis a change applies from the next request everywhere. With the
    per-process cache, other processes see it within ROLES_CACHE_SECONDS.
    """
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return set(ROLES)
    cached = getattr(user, "_kpidash_roles", None)
    if cached is None:
        cached = user._kpidash_roles = _cached_roles(user.pk)
    return set(cached)


ROLES_CACHE_SECONDS = 60
_GENERATION = "kpidash:roles-generation"


def cache_keys(user_pk) -> list[str]:
    """The cache keys `user_roles` reads, for a caller that fetches them with others in one round trip."""
    return [_GENERATION, f"kpidash:roles:{user_pk}"]


def _valid(found: dict, user_pk) -> frozenset[str] | None:
    entry, generation = found.get(f"kpidash:roles:{user_pk}"), found.get(_GENERATION)
    if entry is not None and generation is not None and entry[0] == generation:
        return entry[1]
    return None


def prime(user, found: dict) -> None:
    """Keep the roles on the user when `found` (from the keys `cache_keys` names) holds current ones."""
    roles = _valid(found, user.pk)
    if roles is not None:
        user._kpidash_roles = roles


def _cached_roles(user_pk: int) -> frozenset[str]:
    # A Redis that is down or hung reads as a miss (IGNORE_EXCEPTIONS): the roles come from the database.
    found = cache.get_many(cache_keys(user_pk))
    roles = _valid(found, user_pk)
    if roles is not None:
        return roles
    generation = found.get(_GENERATION)
    if generation is None:  # lost (evicted, Redis restarted) or never made: one no entry carries
        cache.add(_GENERATION, secrets.token_hex(8), timeout=None)
        generation = cache.get(_GENERATION)
    roles = frozenset(Group.objects.filter(user__pk=user_pk).values_list("name", flat=True))
    if generation is not None:
        cache.set(f"kpidash:roles:{user_pk}", (generation, roles), ROLES_CACHE_SECONDS)
    return roles


def forget_roles(*args, **kwargs) -> None:
    """Make every cached set of roles stale: now, and again when the change commits.

    Again on commit, because a request reading the roles between the two could
    have cached the old ones under the new generation.
    """
    _next_generation()
    transaction.on_commit(_next_generation)


def _next_generation() -> None:
    """A new random generation: unlike a counter, a lost one can never come round to an old value."""
    cache.set(_GENERATION, secrets.token_hex(8), timeout=None)  # Redis away: nothing is served from it


def connect_role_signals() -> None:
    membership = get_user_model().groups.through
    m2m_changed.connect(forget_roles, sender=membership, dispatch_uid="roles-membership")
    post_save.connect(forget_roles, sender=Group, dispatch_uid="roles-group-save")
    post_delete.connect(forget_roles, sender=Group, dispatch_uid="roles-group-delete")
