from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = "Indicators"

    def ready(self) -> None:
        from indicators import checks  # noqa: F401 (registers the stored-data checks)
        from indicators.cache import connect_signals

        # Every write bumps the data version the reading pages' cache keys carry.
        connect_signals()
