"""Days the performance team adds to or cancels from the bank holidays, and the working-day counts that use them."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from returns.models import BankHolidayChange, CalendarChange, ReportingPeriod
from returns.workdays import bank_holidays, clear_cache, deadline_warning, is_working_day, working_days_between

pytestmark = pytest.mark.django_db

CHRISTMAS_EVE_2026, CHRISTMAS_2026 = date(2026, 12, 24), date(2026, 12, 25)
ST_ANDREWS_2026 = date(2026, 11, 30)  # a Monday


@pytest.fixture(autouse=True)
def _fresh_calendar():
    # Each test's database starts again at the same version: forget other tests' calendars.
    clear_cache()
    yield
    clear_cache()


def _add(day, name="Council closure day"):
    change = BankHolidayChange(day=day, change=CalendarChange.ADD, name=name)
    change.full_clean()
    change.save()
    return change


def test_bank_holidays_are_not_working_days():
    assert not is_working_day(CHRISTMAS_2026)
    assert not is_working_day(date(2026, 12, 28))  # Boxing Day's substitute
    assert is_working_day(CHRISTMAS_EVE_2026)


def test_counts_skip_christmas_and_new_year():
    # Thu 24 Dec 2026 to Mon 4 Jan 2027: 25 and 28 Dec and 1 Jan are holidays.
    assert working_days_between(CHRISTMAS_EVE_2026, date(2027, 1, 4)) == 4  # 29, 30, 31 Dec, 4 Jan
    assert working_days_between(date(2027, 1, 4), CHRISTMAS_EVE_2026) == -4


def test_the_configured_nation_decides(settings):
    assert is_working_day(ST_ANDREWS_2026)
    settings.KPIDASH_BANK_HOLIDAYS = "scotland"
    assert not is_working_day(ST_ANDREWS_2026)


def test_an_added_closure_day_takes_effect_at_once():
    assert is_working_day(CHRISTMAS_EVE_2026)
    holidays = bank_holidays()
    _add(CHRISTMAS_EVE_2026)
    assert not is_working_day(CHRISTMAS_EVE_2026)
    assert is_working_day(CHRISTMAS_EVE_2026, holidays)  # a calendar looked up before the change is a snapshot


def test_a_cancelled_bank_holiday_is_a_working_day_and_deleting_the_cancellation_restores_it():
    assert not is_working_day(CHRISTMAS_2026)
    cancellation = BankHolidayChange.objects.create(day=CHRISTMAS_2026, change=CalendarChange.CANCEL, name="Open")
    assert is_working_day(CHRISTMAS_2026)
    cancellation.delete()
    assert not is_working_day(CHRISTMAS_2026)


def test_a_years_calendar_is_cached_until_something_changes(django_assert_num_queries):
    bank_holidays()(2026)
    with django_assert_num_queries(1):  # the version only
        assert CHRISTMAS_2026 in bank_holidays()(2026)
    _add(CHRISTMAS_EVE_2026)
    with django_assert_num_queries(2):  # the version, then the year's changes again
        assert CHRISTMAS_EVE_2026 in bank_holidays()(2026)


@pytest.mark.parametrize(
    ("change", "day", "message"),
    [
        (CalendarChange.ADD, date(2026, 12, 26), "Saturday 26 December 2026 is at a weekend"),
        (
            CalendarChange.ADD,
            CHRISTMAS_2026,
            "Friday 25 December 2026 is already a bank holiday in England and Wales (Christmas Day).",
        ),
        (
            CalendarChange.CANCEL,
            CHRISTMAS_EVE_2026,
            "Thursday 24 December 2026 is not a bank holiday in England and Wales, so it cannot be cancelled.",
        ),
        (CalendarChange.CANCEL, ST_ANDREWS_2026, "Monday 30 November 2026 is not a bank holiday in England and Wales"),
    ],
)
def test_changes_that_would_change_nothing_are_refused_with_a_reason(change, day, message):
    with pytest.raises(ValidationError) as refused:
        BankHolidayChange(day=day, change=change, name="x").full_clean()
    assert message in refused.value.message_dict["day"][0]


def test_one_change_per_day():
    _add(CHRISTMAS_EVE_2026)
    with pytest.raises(ValidationError, match="This day already has a change: edit that one."):
        BankHolidayChange(day=CHRISTMAS_EVE_2026, change=CalendarChange.ADD, name="again").full_clean()


def test_the_admin_adds_and_cancels_days_with_history(admin_client):
    response = admin_client.post(
        "/admin/returns/bankholidaychange/add/", {"day": "2026-12-24", "change": "add", "name": "Council closure day"}
    )
    assert response.status_code == 302
    assert not is_working_day(CHRISTMAS_EVE_2026)
    change = BankHolidayChange.objects.get(day=CHRISTMAS_EVE_2026)
    assert change.history.get().history_user.username == "admin"

    admin_client.post(
        "/admin/returns/bankholidaychange/add/", {"day": "2026-12-25", "change": "cancel", "name": "Open all year"}
    )
    assert is_working_day(CHRISTMAS_2026)

    admin_client.post(f"/admin/returns/bankholidaychange/{change.pk}/delete/", {"post": "yes"})
    assert is_working_day(CHRISTMAS_EVE_2026)


def test_the_admin_shows_why_a_change_is_refused(admin_client):
    response = admin_client.post(
        "/admin/returns/bankholidaychange/add/", {"day": "2026-12-23", "change": "cancel", "name": "x"}
    )
    assert response.status_code == 200
    assert "Wednesday 23 December 2026 is not a bank holiday in England and Wales" in response.content.decode()
    assert not BankHolidayChange.objects.exists()


def test_a_deadline_on_a_bank_holiday_or_weekend_is_warned_about():
    assert deadline_warning(CHRISTMAS_EVE_2026) is None
    assert deadline_warning(CHRISTMAS_2026).startswith("The deadline, Friday 25 December 2026, is a bank holiday")
    assert "is at a weekend" in deadline_warning(date(2026, 12, 26))


def test_the_reporting_period_admin_warns_when_the_deadline_is_a_bank_holiday(admin_client):
    month = ReportingPeriod.objects.create(period=date(2026, 11, 1), deadline=date(2026, 12, 10))
    response = admin_client.post(
        f"/admin/returns/reportingperiod/{month.pk}/change/", {"deadline": "2026-12-25"}, follow=True
    )
    assert ReportingPeriod.objects.get().deadline == CHRISTMAS_2026  # saved: a warning, not an error
    assert "The deadline, Friday 25 December 2026, is a bank holiday" in response.content.decode()


def test_the_admin_changes_only_a_periods_deadline_and_points_to_the_periods_page(admin_client):
    month = ReportingPeriod.objects.create(period=date(2026, 11, 1), deadline=date(2026, 12, 10))
    url = f"/admin/returns/reportingperiod/{month.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert "Open, close or reopen a month on the" in page and 'href="/periods/"' in page
    # Closing here would skip the Periods page's checks and who closed it: the status is not a field.
    admin_client.post(url, {"period": "2026-10-01", "status": "closed", "deadline": "2026-12-11"})
    month.refresh_from_db()
    assert (month.period, month.status, month.deadline) == (date(2026, 11, 1), "open", date(2026, 12, 11))
    assert admin_client.get("/admin/returns/reportingperiod/add/").status_code == 403
    assert admin_client.post(f"/admin/returns/reportingperiod/{month.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ReportingPeriod.objects.filter(pk=month.pk).exists()


def test_the_admin_refuses_a_deadline_before_the_month_as_the_periods_page_does(admin_client):
    month = ReportingPeriod.objects.create(period=date(2026, 11, 1), deadline=date(2026, 12, 10))
    response = admin_client.post(f"/admin/returns/reportingperiod/{month.pk}/change/", {"deadline": "2026-10-31"})
    assert response.status_code == 200
    assert "The deadline cannot be before the month it is for." in response.content.decode()
    month.refresh_from_db()
    assert month.deadline == date(2026, 12, 10)


def test_the_performance_team_adds_a_closure_day_in_the_admin(client, performance_user):
    client.force_login(performance_user)
    response = client.post(
        "/admin/returns/bankholidaychange/add/",
        {"day": "2026-12-24", "change": CalendarChange.ADD, "name": "Council closure day"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not is_working_day(CHRISTMAS_EVE_2026)


def test_a_viewer_cannot_open_the_bank_holiday_admin(client, viewer_user):
    client.force_login(viewer_user)
    assert client.get("/admin/returns/bankholidaychange/").status_code in (302, 403)
