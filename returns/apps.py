from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "returns"
    verbose_name = "Monthly returns"

    def ready(self) -> None:
        from indicators import panels
        from returns.panels import returns_to_do

        # Home (in indicators, below this app) shows an owner's returns still to do through its extension point.
        panels.register_home(returns_to_do)
