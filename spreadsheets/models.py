"""The record of each applied spreadsheet import."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ImportRecord(models.Model):
    """One applied spreadsheet import: who, when, which file and what it changed."""

    class Source(models.TextChoices):
        WEB = "web", "Upload"
        OWNER = "owner", "Owner template upload"
        COMMAND = "command", "Command line"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    file_name = models.CharField(max_length=255)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)
    # {"Results": {"created": 3, "updated": 1, "unchanged": 20}, ...}
    counts = models.JSONField(default=dict)

    class Meta:
        db_table = "indicators_importrecord"  # made by the indicators app, before spreadsheets had its own
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({timezone.localtime(self.created_at):%d %b %Y %H:%M})"

    @property
    def total_changed(self) -> int:
        return sum(c.get("created", 0) + c.get("updated", 0) for c in self.counts.values())
