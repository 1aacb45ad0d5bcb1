"""Reminder emails: owners before a period's deadline, the performance team after it.

Each owner gets one email a (working) day at most, listing their outstanding
returns of periods whose deadline is near and their open improvement actions due
within KPIDASH_ACTION_REMINDER_DAYS working days or overdue; an owner with only
actions to chase is emailed too. The performance team's escalation lists the
overdue returns and every overdue action (whoever owns it).
"""

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
from plans.models import Action
from plans.selectors import actions_due_by
from returns.models import ReportingPeriod
from returns.rows import ReturnRow, return_rows
from returns.workdays import Holidays, add_working_days, bank_holidays, is_working_day, working_days_between


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


def _due_and_overdue(today: date, holidays: Holidays) -> tuple[list[ReportingPeriod], list[ReportingPeriod]]:
    due, overdue = [], []
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


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _subject(returns: int, overdue: int, due: int, returns_word: str) -> str:
    """ "kpidash: 2 returns due, 1 improvement action overdue and 1 due soon" (only the parts there are)."""
    parts = []
    if returns:
        parts.append(f"{_count(returns, 'return', 'returns')} {returns_word}")
    if overdue:
        parts.append(f"{_count(overdue, 'improvement action', 'improvement actions')} overdue")
    if due:
        parts.append(
            f"{due} due soon" if overdue else f"{_count(due, 'improvement action', 'improvement actions')} due soon"
        )
    return "kpidash: " + (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0])


def _reminders(periods: list[ReportingPeriod], actions: list[Action], today: date) -> list[EmailMessage]:
    deadlines = {p.period: p.deadline for p in periods}
    by_owner: dict = defaultdict(list)
    for row in outstanding_rows(periods):
        for owner in row.owners:
            if owner.is_active and owner.email:
                by_owner[owner].append(row)
    actions_by_owner: dict = defaultdict(list)
    for action in actions:
        if action.owner.is_active and action.owner.email:
            actions_by_owner[action.owner].append(action)
    messages = []
    for owner in sorted({*by_owner, *actions_by_owner}, key=lambda user: user.email):
        rows, mine = by_owner.get(owner, []), actions_by_owner.get(owner, [])
        overdue = [action for action in mine if action.due < today]
        due = [action for action in mine if action.due >= today]
        context = {
            "owner": owner,
            "items": [(row, deadlines[row.period]) for row in rows],
            "overdue_actions": overdue,
            "due_actions": due,
        }
        subject = _subject(len(rows), len(overdue), len(due), "due")
        messages.append(_message("returns/email/reminder.txt", subject, owner.email, context))
    return messages


def _escalations(periods: list[ReportingPeriod], overdue_actions: list[Action]) -> list[EmailMessage]:
    rows = outstanding_rows(periods)
    if not rows and not overdue_actions:
        return []
    team = get_user_model().objects.filter(groups__name=PERFORMANCE_TEAM, is_active=True).exclude(email="")
    subject = _subject(len(rows), len(overdue_actions), 0, "overdue")
    context = {"rows": rows, "periods": periods, "overdue_actions": overdue_actions}
    return [
        _message("returns/email/escalation.txt", subject, member.email, context) for member in team.order_by("email")
    ]


def reminders_send(*, today: date) -> ReminderReport:
    """Email each owner with outstanding returns in a period whose deadline is near, or open
    improvement actions due soon or overdue (one email listing them all), and the performance
    team about overdue returns and actions. Nobody is emailed at the weekend or on a bank holiday."""
    holidays = bank_holidays()
    if not is_working_day(today, holidays):
        return ReminderReport()
    due, overdue = _due_and_overdue(today, holidays)
    actions = actions_due_by(add_working_days(today, settings.KPIDASH_ACTION_REMINDER_DAYS, holidays))
    overdue_actions = [action for action in actions if action.due < today]
    reminders, escalations = _reminders(due, actions, today), _escalations(overdue, overdue_actions)
    if reminders or escalations:
        get_connection().send_messages([*reminders, *escalations])
    return ReminderReport(reminded=[m.to[0] for m in reminders], escalated=[m.to[0] for m in escalations])
