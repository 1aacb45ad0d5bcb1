"""kpidash's wiring app: checks, as the apps load, the settings that name roles."""

from __future__ import annotations

from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class KpidashConfig(AppConfig):
    name = "kpidash"

    def ready(self) -> None:
        check_role_settings()


def check_role_settings() -> None:
    """The single sign-on settings name only kpidash's roles (indicators.roles.ROLES, the one list of them).

    Settings cannot import indicators.roles (it needs the apps loaded), so the
    check runs here, before any request or task: a bad value still stops start-up.
    """
    from indicators.roles import ROLES

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
