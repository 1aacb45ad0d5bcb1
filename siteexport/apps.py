from django.apps import AppConfig


class SiteexportConfig(AppConfig):
    name = "siteexport"
    verbose_name = "Site export and restore"
