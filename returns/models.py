"""Reporting periods: the months the performance team opens for returns.

A result and its commentary (the *return*) live in `indicators.models`; the
approval status is kept on `Commentary`, the one source of truth.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from indicators.periods import format_period, period_label


class PeriodStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class ReportingPeriodQuerySet(models.QuerySet):
    def open(self) -> ReportingPeriodQuerySet:
        return self.filter(status=PeriodStatus.OPEN)


class ReportingPeriod(models.Model):
    period = models.DateField(unique=True, help_text="The first day of the month returns are for.")
    status = models.CharField(max_length=10, choices=PeriodStatus.choices, default=PeriodStatus.OPEN)
    deadline = models.DateField(help_text="The last day for owners to submit their returns.")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ReportingPeriodQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-period"]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("my_returns") + f"?period={self.slug}"

    @property
    def label(self) -> str:
        return period_label(self.period)

    @property
    def slug(self) -> str:
        return format_period(self.period)

    @property
    def is_open(self) -> bool:
        return self.status == PeriodStatus.OPEN
