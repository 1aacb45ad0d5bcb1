"""Personal API tokens: each one reads the API with exactly its user's rights.

Only a SHA-256 digest of the secret is stored, with a short prefix of it to find
the row and to show the user which token is which; the secret itself is shown
once, when the token is made (`api.tokens.token_create`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from indicators.validators import validate_no_control_characters


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(
        max_length=100,  # api.tokens.NAME_MAX_LENGTH
        validators=[validate_no_control_characters],
        help_text="What the token is for, e.g. “Power BI performance report”.",
    )
    prefix = models.CharField(max_length=16, db_index=True)
    digest = models.CharField("SHA-256 of the secret", max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # A date, not a time: recorded at most once a day, so reading the API is not a write per request.
    last_used_on = models.DateField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    # Creation and revocation are audited; the daily last-used date is not history.
    history = HistoricalRecords(excluded_fields=["last_used_on"])

    class Meta:
        verbose_name = "API token"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def status(self) -> str:
        if self.is_revoked:
            return "Revoked"
        return "Expired" if self.is_expired else "Active"
