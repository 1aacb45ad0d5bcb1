"""Reminder emails: owners before a period's deadline, the performance team after it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string

from accounts.roles import PERFORMANCE_TEAM
from indicators.models import Indicator
from returns.models import ReportingPeriod
from returns.rows import ReturnRow, return_rows
from returns.workdays import bank_holidays, is_working_day, working_days_between


@dataclass
class ReminderReport:
    reminded: list[str] = field(default_factory=list)  # owners' email addresses
    escalated: list[str] = field(default_factory=list)  # the performance team's


def outstanding_rows(periods: list[ReportingPeriod]) -> list[ReturnRow]:
    """Returns not yet submitted (missing, entered, or sent back) in these periods."""
    rows: list[ReturnRow] = []
    for reporting_period in periods:
        rows.extend(
            row for row in return_rows(Indicator.objects.all(), reporting_period.period) if row.status.outstanding
        )
    return rows


def _due_and_overdue(today: date) -> tuple[list[ReportingPeriod], list[ReportingPeriod]]:
    due, overdue = [], []
    holidays = bank_holidays()
    if not is_working_day(today, holidays):
        return due, overdue  # nobody is emailed at the weekend or on a bank holiday
    for reporting_period in ReportingPeriod.objects.open().order_by("period"):
        deadline = reporting_period.deadline
        before, after = settings.KPIDASH_REMINDER_WORKING_DAYS_BEFORE, settings.KPIDASH_ESCALATE_WORKING_DAYS_AFTER
        if today <= deadline and working_days_between(today, deadline, holidays) <= before:
            due.append(reporting_period)
        elif today > deadline and working_days_between(deadline, today, holidays) >= after:
            overdue.append(reporting_period)
    return due, overdue


def _message(template: str, subject: str, to: str, context: dict) -> EmailMessage:
    body = render_to_string(template, context)
    return EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to])


def _reminders(periods: list[ReportingPeriod]) -> list[EmailMessage]:
    deadlines = {p.period: p.deadline for p in periods}
    by_owner: dict = defaultdict(list)
    for row in outstanding_rows(periods):
        for owner in row.owners:
            if owner.is_active and owner.email:
                by_owner[owner].append(row)
    return [
        _message(
            "returns/email/reminder.txt",
            f"kpidash: {len(rows)} return{'s' if len(rows) != 1 else ''} due",
            owner.email,
            {"owner": owner, "items": [(row, deadlines[row.period]) for row in rows]},
        )
        for owner, rows in sorted(by_owner.items(), key=lambda item: item[0].email)
    ]


def _escalations(periods: list[ReportingPeriod]) -> list[EmailMessage]:
    rows = outstanding_rows(periods)
    if not rows:
        return []
    team = get_user_model().objects.filter(groups__name=PERFORMANCE_TEAM, is_active=True).exclude(email="")
    subject = f"kpidash: {len(rows)} return{'s' if len(rows) != 1 else ''} overdue"
    return [
        _message("returns/email/escalation.txt", subject, member.email, {"rows": rows, "periods": periods})
        for member in team.order_by("email")
    ]


def reminders_send(*, today: date) -> ReminderReport:
    """Email each owner with outstanding returns in a period whose deadline is near
    (one email listing them all), and the performance team about overdue ones."""
    due, overdue = _due_and_overdue(today)
    reminders, escalations = _reminders(due), _escalations(overdue)
    if reminders or escalations:
        get_connection().send_messages([*reminders, *escalations])
    return ReminderReport(reminded=[m.to[0] for m in reminders], escalated=[m.to[0] for m in escalations])
