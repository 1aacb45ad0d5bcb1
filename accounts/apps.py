"""accounts: the roles, sign-in backends and the signed-in user's cache.

It sits below every domain app: indicators, returns and reports ask it for a
user's roles; it imports none of them.
"""

from __future__ import annotations

from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts.roles import connect_role_signals
        from accounts.users import connect_user_signals

        check_role_settings()
        # Permissions exist only after migrate has run, so the groups that
        # hold them are (re)made then rather than in a migration.
        post_migrate.connect(_ensure_roles, dispatch_uid="kpidash-ensure-roles")
        # Group changes make the cached roles stale.
        connect_role_signals()
        # Saving a user makes the cached copy the backends read stale.
        connect_user_signals()


def _ensure_roles(sender: AppConfig, **kwargs: object) -> None:
    from accounts.roles import ROLE_APPS, ensure_roles

    # Each app's permissions are made in its own post_migrate, so the roles are
    # granted again after each app whose models they cover: on a new database
    # the last of them grants everything.
    if sender.label in ROLE_APPS:
        ensure_roles()


def check_role_settings() -> None:
    """The single sign-on settings name only kpidash's roles (accounts.roles.ROLES, the one list of them).

    Settings cannot import accounts.roles (it needs the apps loaded), so the
    check runs here, before any request or task: a bad value still stops start-up.
    """
    from accounts.roles import ROLES

    unknown = sorted(set(settings.KPIDASH_SSO_GROUP_MAP.values()) - set(ROLES))
    if unknown:
        raise ImproperlyConfigured(f"KPIDASH_SSO_GROUP_MAP names unknown roles {unknown}; roles are {list(ROLES)}.")
    role = settings.KPIDASH_SSO_DEFAULT_ROLE
    if role and role not in ROLES:
        raise ImproperlyConfigured(
            f"KPIDASH_SSO_DEFAULT_ROLE={role!r} is not allowed: use one of "
            + ", ".join(repr(name) for name in ROLES)
            + ", or set it empty to refuse users in no mapped group."
        )
