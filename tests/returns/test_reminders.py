from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail

from indicators.models import Indicator
from returns.models import ReportingPeriod
from returns.reminders import reminders_send
from returns.services import return_save
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
