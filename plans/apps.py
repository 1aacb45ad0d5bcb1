from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = "Council plan and actions"

    def ready(self) -> None:
        from indicators import notices
        from plans.notices import indicator_actions, missing_actions

        # The dashboard (in indicators, below this app) shows our flags through its extension point.
        notices.register(missing_actions)
        notices.register_indicator(indicator_actions)
