"""The council plan (plan → priorities → objectives, which indicators support) and improvement actions."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from indicators.models import Committee, Indicator
from indicators.validators import validate_no_control_characters
from plans.rules import ActionStatus, ShownStatus, shown_status

STATUS_CHOICES = [(status.value, status.label) for status in ActionStatus]


class Plan(models.Model):
    """A council plan, e.g. "Framing Kent's Future 2022–2026"."""

    name = models.CharField(max_length=300, validators=[validate_no_control_characters])
    slug = models.SlugField(unique=True, help_text="Its address: /plans/<slug>/.")
    description = models.TextField(blank=True, validators=[validate_no_control_characters])

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("plan_detail", args=[self.slug])


class Priority(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="priorities")
    number = models.PositiveSmallIntegerField(help_text="Its place in the plan: 1, 2, 3 …")
    title = models.CharField(max_length=300, validators=[validate_no_control_characters])
    description = models.TextField(blank=True, validators=[validate_no_control_characters])

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "priorities"
        ordering = ["plan", "number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="one_priority_per_plan_number")]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Objective(models.Model):
    """An outcome a priority aims at, and the indicators that show progress towards it."""

    priority = models.ForeignKey(Priority, on_delete=models.CASCADE, related_name="objectives")
    number = models.PositiveSmallIntegerField(help_text="Its place under the priority: 1, 2, 3 …")
    title = models.CharField(max_length=300, validators=[validate_no_control_characters])
    indicators = models.ManyToManyField(
        Indicator, blank=True, related_name="objectives", help_text="The indicators that support this objective."
    )

    history = HistoricalRecords(m2m_fields=[indicators])

    class Meta:
        ordering = ["priority__plan", "priority__number", "number"]
        constraints = [models.UniqueConstraint(fields=["priority", "number"], name="one_objective_per_priority_number")]

    def __str__(self) -> str:
        return f"{self.priority.number}.{self.number} {self.title}"


class ActionQuerySet(models.QuerySet):
    def open(self) -> ActionQuerySet:
        """Not complete (an overdue action is still open)."""
        return self.exclude(status=ActionStatus.COMPLETE)


class Action(models.Model):
    """An improvement action: what is being done about one or more indicators, by whom and by when."""

    title = models.CharField(max_length=200, validators=[validate_no_control_characters])
    description = models.TextField(blank=True, validators=[validate_no_control_characters])
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="improvement_actions",
        help_text="The person responsible for it.",
    )
    due = models.DateField("due date")
    status = models.CharField(max_length=12, choices=STATUS_CHOICES, default=ActionStatus.NOT_STARTED)
    indicators = models.ManyToManyField(Indicator, related_name="actions")
    objectives = models.ManyToManyField(Objective, blank=True, related_name="actions")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A committee resolution ("officers to report back on X by March") is tracked as an action
    # with the committee and meeting as its source; both or neither (plans.services).
    source_committee = models.ForeignKey(
        Committee,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resolutions",
        verbose_name="source committee",
    )
    source_meeting = models.DateField("source meeting date", null=True, blank=True)
    resolution = models.TextField(
        blank=True, validators=[validate_no_control_characters], help_text="The resolution as the committee made it."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ActionQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[indicators, objectives])

    class Meta:
        ordering = ["due", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("action_detail", args=[self.pk])

    def shown_status(self, today: date) -> ShownStatus:
        return shown_status(self.status, self.due, today)

    @property
    def source(self) -> str:
        """ "Policy and Resources Cabinet Committee, meeting 21 January 2020" for a resolution, else ""."""
        if self.source_committee_id is None or self.source_meeting is None:
            return ""
        return f"{self.source_committee}, meeting {self.source_meeting.day} {self.source_meeting:%B %Y}"


class ActionNote(models.Model):
    """A progress note on an action: who said what, when (kept, never replaced)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(validators=[validate_no_control_characters])
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Note on {self.action}"
