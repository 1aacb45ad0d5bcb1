from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Committee papers"

    def ready(self) -> None:
        # Registers the paper task with Celery in every process, so services can send it by name.
        from reports import tasks  # noqa: F401
