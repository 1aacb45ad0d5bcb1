"""Reporting periods: the months the performance team opens for returns; and the
council's changes to the bank holiday calendar that reminders count working days by.

A result and its commentary (the *return*) live in `indicators.models`; the
approval status is kept on `Commentary`, the one source of truth.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.urls import reverse
from simple_history.models import HistoricalRecords

from indicators.cache import data_version_bump, lock_versions
from indicators.periods import format_period, period_label
from returns.bank_holidays import NATIONS, configured_nation, rule_holidays

# The data version (see indicators/cache.py) that changes with every BankHolidayChange.
BANK_HOLIDAYS_SCOPE = "bank-holidays"


class PeriodStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


DEADLINE_BEFORE_MONTH = "The deadline cannot be before the month it is for."


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

    def clean(self) -> None:
        if self.deadline is not None and self.period is not None and self.deadline < self.period:
            raise ValidationError({"deadline": DEADLINE_BEFORE_MONTH})


class CalendarChange(models.TextChoices):
    ADD = "add", "Add a holiday (the council is closed)"
    CANCEL = "cancel", "Cancel a bank holiday (the council is open)"


def long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


class BankHolidayChange(models.Model):
    """A day the council closes beyond the bank holidays by rule, or a rule's holiday it does not keep.

    For what the rules cannot know: a council's own closure day, a future royal
    occasion, a holiday moved by proclamation (cancel the old day, add the new).
    """

    day = models.DateField(unique=True, error_messages={"unique": "This day already has a change: edit that one."})
    change = models.CharField(max_length=10, choices=CalendarChange.choices, default=CalendarChange.ADD)
    name = models.CharField(
        max_length=100, help_text="What the day is, e.g. “Council closure day”, or why a holiday is cancelled."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        verb = "closed" if self.change == CalendarChange.ADD else "open"
        return f"{long_date(self.day)}: {verb} ({self.name})"

    def clean(self) -> None:
        """Refuse a change that would change nothing, so the list says only what differs from the rules."""
        if self.day is None:
            return
        nation = configured_nation()
        holidays = rule_holidays(nation, self.day.year)
        when, where = long_date(self.day), NATIONS[nation]
        if self.change == CalendarChange.ADD and self.day.weekday() >= 5:
            raise ValidationError({"day": f"{when} is at a weekend, which is never a working day."})
        if self.change == CalendarChange.ADD and self.day in holidays:
            raise ValidationError({"day": f"{when} is already a bank holiday in {where} ({holidays[self.day]})."})
        if self.change == CalendarChange.CANCEL and self.day not in holidays:
            raise ValidationError({"day": f"{when} is not a bank holiday in {where}, so it cannot be cancelled."})


@receiver(pre_save, sender=BankHolidayChange, dispatch_uid="bank-holidays-version-lock-save")
@receiver(pre_delete, sender=BankHolidayChange, dispatch_uid="bank-holidays-version-lock-delete")
def _lock_versions_first(sender, **kwargs) -> None:
    lock_versions()  # before the row's own lock, as every writer does (indicators/cache.py)


@receiver(post_save, sender=BankHolidayChange, dispatch_uid="bank-holidays-version-save")
@receiver(post_delete, sender=BankHolidayChange, dispatch_uid="bank-holidays-version-delete")
def _bump_bank_holidays(sender, **kwargs) -> None:
    # Every process caches its calendar under this version (returns/workdays.py):
    # a change made in the admin reaches the Celery worker that sends reminders.
    data_version_bump(BANK_HOLIDAYS_SCOPE)
