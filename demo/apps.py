from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demonstration organisation and `manage.py load_demo`; nothing but tests and that command imports it."""

    name = "demo"
    verbose_name = "Demo"
