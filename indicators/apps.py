from django.apps import AppConfig
from django.db.models.signals import post_migrate


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = "Indicators"

    def ready(self) -> None:
        from indicators import checks, ratings  # noqa: F401 (checks registers the stored-data checks)
        from indicators.cache import connect_signals

        # Every write bumps the data version the reading pages' cache keys carry.
        connect_signals()
        # Every write of a result, threshold or indicator re-rates what it changes.
        ratings.connect_signals()
        post_migrate.connect(_rate_unrated, sender=self, dispatch_uid="ratings-after-migrate")


def _rate_unrated(sender, using: str = "default", **kwargs) -> None:
    """After `migrate` (an upgrade that adds ratings, say): rate any recorded figure that has no rating."""
    from indicators.ratings import refresh_missing

    refresh_missing()
