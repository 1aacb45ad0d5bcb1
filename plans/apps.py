from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = "Council plan and actions"

    def ready(self) -> None:
        from indicators import notices, panels
        from plans.notices import missing_actions
        from plans.panels import actions_panel

        # The dashboard and the indicator page (in indicators, below this app) show our flags and
        # the indicator's actions through their extension points.
        notices.register(missing_actions)
        panels.register(actions_panel)
