"""Reminders around Christmas and New Year 2019 (England and Wales): no email on a bank
holiday, and the working days counted skip them."""

from datetime import date

import pytest

from indicators.models import Indicator
from returns.models import BankHolidayChange, CalendarChange, ReportingPeriod
from returns.reminders import reminders_send
from returns.workdays import clear_cache
from tests.returns.conftest import DEC

OWNERS = ["test-other@example.gov.uk", "test-owner@example.gov.uk"]
TEAM = ["performance@example.gov.uk"]


@pytest.fixture(autouse=True)
def _fresh_calendar():
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def period(demo, owner_user, other_owner_user):
    """December 2019, outstanding for both owners; each test sets the deadline."""
    for indicator in Indicator.objects.all():
        indicator.owners.set([owner_user] if indicator.code in ("ICT01", "ICT02") else [other_owner_user])
    return ReportingPeriod.objects.create(period=DEC, deadline=date(2020, 1, 3))


def _sent(day):
    report = reminders_send(today=day)
    return sorted(report.reminded), report.escalated


def test_nobody_is_emailed_on_a_bank_holiday(period, settings):
    settings.KPIDASH_REMINDER_WORKING_DAYS_BEFORE = 10
    assert _sent(date(2019, 12, 24)) == (OWNERS, [])
    assert _sent(date(2019, 12, 25)) == ([], [])  # Christmas Day
    assert _sent(date(2019, 12, 26)) == ([], [])  # Boxing Day
    assert _sent(date(2019, 12, 27)) == (OWNERS, [])


def test_reminders_count_working_days_across_new_year(period):
    # Before Friday 3 January: 31 December, 2 and 3 January are three working days; 1 January is not one.
    assert _sent(date(2019, 12, 27)) == ([], [])  # 30, 31 Dec, 2, 3 Jan: four
    assert _sent(date(2019, 12, 30)) == (OWNERS, [])


def test_escalation_counts_working_days_across_new_year(period, settings):
    period.deadline = date(2019, 12, 31)
    period.save()
    settings.KPIDASH_ESCALATE_WORKING_DAYS_AFTER = 2
    assert _sent(date(2020, 1, 1)) == ([], [])  # New Year's Day
    assert _sent(date(2020, 1, 2)) == ([], [])  # one working day after
    assert _sent(date(2020, 1, 3)) == ([], TEAM)


def test_a_closure_day_added_in_the_admin_stops_that_days_email_and_shortens_the_count(period, committed):
    period.deadline = date(2020, 1, 10)
    period.save()
    assert _sent(date(2020, 1, 6)) == ([], [])  # four working days before
    with committed():
        BankHolidayChange.objects.create(day=date(2020, 1, 7), change=CalendarChange.ADD, name="Council closure day")
    assert _sent(date(2020, 1, 6)) == (OWNERS, [])  # 8, 9 and 10 January
    assert _sent(date(2020, 1, 7)) == ([], [])
