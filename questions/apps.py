from django.apps import AppConfig


class QuestionsConfig(AppConfig):
    name = "questions"
    verbose_name = "Members' questions"

    def ready(self) -> None:
        from indicators import panels
        from questions.panels import questions_panel

        # The indicator page (in indicators, below this app) shows what members asked about it.
        panels.register(questions_panel)
