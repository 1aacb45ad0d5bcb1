import smtplib
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail

from indicators.models import Indicator
from plans.models import Action
from plans.rules import ActionStatus
from returns.models import ReportingPeriod
from returns.reminders import reminders_send
from returns.services import return_save
from tests.hanging import hanging_listener
from tests.kpidash.test_settings_env import load_settings
from tests.returns.conftest import DEC

TUESDAY = date(2020, 1, 7)
FRIDAY = date(2020, 1, 10)


@pytest.fixture
def owned(demo, owner_user, other_owner_user):
    """ICT01 and ICT02 for the owner; every other indicator for the other owner."""
    for indicator in Indicator.objects.all():
        indicator.owners.set([owner_user] if indicator.code in ("ICT01", "ICT02") else [other_owner_user])
    return ReportingPeriod.objects.create(period=DEC, deadline=FRIDAY)


def _mail_to(address):
    return [m for m in mail.outbox if m.to == [address]]


def test_owners_get_one_email_listing_their_outstanding_returns_before_the_deadline(owned, owner_user):
    return_save(
        indicator=Indicator.objects.get(code="ICT01"), period=DEC, user=owner_user, value=Decimal("75"), submit=True
    )
    report = reminders_send(today=TUESDAY)
    assert sorted(report.reminded) == ["test-other@example.gov.uk", "test-owner@example.gov.uk"]
    assert report.escalated == []
    (message,) = _mail_to("test-owner@example.gov.uk")
    assert message.subject == "kpidash: 1 return due"
    assert (
        "ICT02 Positive feedback rating with the ICT help desk, December 2019: Missing, due by 10 January 2020"
        in message.body
    )
    assert "ICT01" not in message.body  # submitted
    assert "FN01" not in message.body  # someone else's
    assert len(_mail_to("test-other@example.gov.uk")) == 1


def test_escalation_waits_for_the_configured_working_days_after_the_deadline(owned, settings):
    settings.KPIDASH_ESCALATE_WORKING_DAYS_AFTER = 2
    assert reminders_send(today=date(2020, 1, 13)).escalated == []
    assert reminders_send(today=date(2020, 1, 14)).escalated == ["performance@example.gov.uk"]


def test_no_reminder_earlier_than_the_configured_working_days(owned, settings):
    assert reminders_send(today=TUESDAY - timedelta(days=1)).reminded == []  # 4 working days before
    settings.KPIDASH_REMINDER_WORKING_DAYS_BEFORE = 4
    assert len(reminders_send(today=TUESDAY - timedelta(days=1)).reminded) == 2


def test_after_the_deadline_the_performance_team_is_told_instead(owned, performance_user):
    performance_user.email = "team@example.gov.uk"
    performance_user.save()
    saturday = reminders_send(today=date(2020, 1, 11))
    assert (saturday.reminded, saturday.escalated) == ([], [])  # nobody is emailed at the weekend
    report = reminders_send(today=date(2020, 1, 13))
    assert report.reminded == [] and report.escalated == ["performance@example.gov.uk", "team@example.gov.uk"]
    message = _mail_to("team@example.gov.uk")[0]
    assert "overdue" in message.subject
    assert (
        "ICT02 Positive feedback rating with the ICT help desk, December 2019: Missing (owner: test-owner)"
        in message.body
    )


def test_nothing_is_sent_for_closed_periods_or_when_everything_is_in(owned, performance_user):
    owned.status = "closed"
    owned.save()
    report = reminders_send(today=TUESDAY)
    assert (report.reminded, report.escalated, mail.outbox) == ([], [], [])


def test_owners_without_an_email_address_are_skipped(owned, owner_user):
    owner_user.email = ""
    owner_user.save()
    assert reminders_send(today=TUESDAY).reminded == ["test-other@example.gov.uk"]


# Improvement actions in the same emails (README "Reminders").


def _action(owner, due, title="Retrain the help desk", codes=("ICT02",), status=ActionStatus.ON_TRACK):
    action = Action.objects.create(title=title, owner=owner, due=due, status=status)
    action.indicators.set(Indicator.objects.filter(code__in=codes))
    return action


def test_an_owners_one_email_lists_their_returns_and_their_actions_due_soon_and_overdue(owned, owner_user):
    _action(owner_user, TUESDAY - timedelta(days=1), "Call back unhappy callers")  # overdue yesterday
    _action(owner_user, TUESDAY + timedelta(days=7), "Retrain the help desk")  # 5 working days on
    _action(owner_user, TUESDAY + timedelta(days=8), "Too far off")  # 6 working days on
    _action(owner_user, TUESDAY - timedelta(days=30), "Finished", status=ActionStatus.COMPLETE)
    reminders_send(today=TUESDAY)
    (message,) = _mail_to("test-owner@example.gov.uk")
    assert message.subject == "kpidash: 2 returns due, 1 improvement action overdue and 1 due soon"
    body = message.body
    assert "ICT02 Positive feedback rating with the ICT help desk, December 2019: Missing" in body
    assert (
        "These improvement actions of yours are overdue:\n\n"
        "- Call back unhappy callers (ICT02): was due by 6 January 2020" in body
    )
    assert "- Retrain the help desk (ICT02): due by 14 January 2020, on track" in body
    assert "Too far off" not in body and "Finished" not in body


def test_the_working_days_ahead_are_a_setting_and_skip_bank_holidays(owned, owner_user, settings):
    # From Friday 20 December 2019, 4 working days on is Monday 30 December (not Thursday 26th:
    # Christmas and Boxing Day are bank holidays).
    friday = date(2019, 12, 20)
    _action(owner_user, date(2019, 12, 30), "Just in reach")
    _action(owner_user, date(2019, 12, 31), "Just out of reach")
    settings.KPIDASH_ACTION_REMINDER_DAYS = 4
    owned.status = "closed"  # no returns due: only the actions
    owned.save()
    reminders_send(today=friday)
    (message,) = _mail_to("test-owner@example.gov.uk")
    assert "Just in reach" in message.body and "Just out of reach" not in message.body
    settings.KPIDASH_ACTION_REMINDER_DAYS = 0
    mail.outbox.clear()
    assert reminders_send(today=friday).reminded == []


def test_an_owner_with_only_actions_to_chase_gets_an_email_too(owned, owner_user, other_owner_user):
    owned.status = "closed"
    owned.save()
    _action(owner_user, TUESDAY, "Due today")
    report = reminders_send(today=TUESDAY)
    assert report.reminded == ["test-owner@example.gov.uk"]
    (message,) = mail.outbox
    assert message.subject == "kpidash: 1 improvement action due soon"
    assert "returns are waiting" not in message.body
    assert "- Due today (ICT02): due by 7 January 2020, on track" in message.body
    assert report.escalated == []  # due today is not overdue


def test_escalation_lists_every_overdue_action_with_its_owner(owned, owner_user, other_owner_user, performance_user):
    owned.status = "closed"
    owned.save()
    other_owner_user.first_name, other_owner_user.last_name = "Alex", "Second"
    other_owner_user.save()
    _action(other_owner_user, TUESDAY - timedelta(days=1), "Clear the backlog", codes=("FN02",))
    _action(owner_user, TUESDAY + timedelta(days=1), "Not overdue yet")
    report = reminders_send(today=TUESDAY)
    assert report.escalated == ["performance@example.gov.uk"]
    (message,) = _mail_to("performance@example.gov.uk")
    assert message.subject == "kpidash: 1 improvement action overdue"
    assert "- Clear the backlog (FN02): was due by 6 January 2020 (owner: Alex Second)" in message.body
    assert "Not overdue yet" not in message.body and "past their deadline" not in message.body
    assert sorted(report.reminded) == ["test-other@example.gov.uk", "test-owner@example.gov.uk"]


def test_an_overdue_action_of_an_owner_without_email_is_still_escalated(owned, owner_user):
    owned.status = "closed"
    owned.save()
    owner_user.email = ""
    owner_user.save()
    _action(owner_user, TUESDAY - timedelta(days=3), "Forgotten")
    report = reminders_send(today=TUESDAY)
    assert report.reminded == []
    assert "Forgotten" in _mail_to("performance@example.gov.uk")[0].body


def test_no_action_reminders_at_the_weekend(owned, owner_user):
    _action(owner_user, date(2020, 1, 10), "Overdue by Saturday")
    report = reminders_send(today=date(2020, 1, 11))
    assert (report.reminded, report.escalated, mail.outbox) == ([], [], [])


def test_a_mail_relay_that_accepts_and_never_answers_fails_the_reminders_within_the_email_timeout(
    owned, owner_user, settings
):
    """The daily task (a worker, never a request) fails and is logged, rather than holding its worker for good."""
    assert load_settings()["EMAIL_TIMEOUT"] == 10  # Django's own default is to wait for ever
    with hanging_listener() as relay:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = relay.host, relay.port, 1
        start = time.monotonic()
        with pytest.raises(smtplib.SMTPServerDisconnected, match="timed out"):
            reminders_send(today=TUESDAY)
        assert time.monotonic() - start < 4
        assert relay.accepted  # connected: it was the relay's greeting that never came
