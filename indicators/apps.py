from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_roles(sender: AppConfig, **kwargs: object) -> None:
    from indicators.roles import ROLE_APPS, ensure_roles

    # Each app's permissions are made in its own post_migrate, so the roles are
    # granted again after each app whose models they cover: on a new database
    # the last of them grants everything.
    if sender.label in ROLE_APPS:
        ensure_roles()


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = "Indicators"

    def ready(self) -> None:
        # Permissions exist only after migrate has run, so the groups that
        # hold them are (re)made then rather than in a migration.
        post_migrate.connect(_ensure_roles, dispatch_uid="kpidash-ensure-roles")
        from indicators import checks  # noqa: F401 (registers the stored-data checks)
        from indicators.cache import connect_signals
        from indicators.roles import connect_role_signals
        from kpidash.users import connect_user_signals

        # Every write bumps the data version the reading pages' cache keys carry.
        connect_signals()
        # Group changes make the cached roles stale.
        connect_role_signals()
        # Saving a user makes the cached copy the backends read stale.
        connect_user_signals()
