"""The four roles, as Django groups, and what each may do in the admin.

Object-level rules (an owner edits only their own indicators) are enforced in
the views and services; the groups carry the model permissions the admin and
`has_perm` checks use.
"""

from django.contrib.auth.models import Group, Permission

SERVICE_OWNER = "Service owner"
PERFORMANCE_TEAM = "Performance team"
COMMITTEE_CLERK = "Committee clerk"
VIEWER = "Viewer"
ROLES = (SERVICE_OWNER, PERFORMANCE_TEAM, COMMITTEE_CLERK, VIEWER)

# app label -> models the performance team manages in full.
_PERFORMANCE_TEAM_MODELS = {
    "indicators": ["directorate", "committee", "indicator", "threshold", "result", "commentary", "importrecord"],
    "returns": ["reportingperiod"],
    "reports": ["papersettings", "paper"],
}
_VIEW_ONLY = {"indicators": ["directorate", "committee", "indicator", "threshold", "result", "commentary"]}


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


def user_roles(user) -> set[str]:
    """The user's roles, looked up once and kept on the user object.

    A request's user object lives for that request, so navigation, views and
    permission checks share one query; a later request sees group changes.
    """
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return set(ROLES)
    cached = getattr(user, "_kpidash_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._kpidash_roles = cached
    return set(cached)
