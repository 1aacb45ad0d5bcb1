"""The reporting periods' admin: only a month's deadline changes there; opening and closing are the Periods page's."""

from datetime import date

import pytest
from django.urls import reverse

from returns.models import PeriodStatus
from returns.services import period_close, period_open

pytestmark = pytest.mark.django_db


def test_a_closed_month_cannot_be_reopened_by_reverting_its_history_in_the_admin(client, demo, performance_user):
    period = period_open(user=performance_user, period=date(2019, 12, 1), deadline=date(2020, 1, 10))
    opened = period.history.order_by("history_id").first()
    period_close(period=period.period, user=performance_user)
    revert = reverse("admin:returns_reportingperiod_simple_history", args=[period.pk, opened.history_id])
    client.force_login(performance_user)

    assert client.get(revert).status_code == 200  # the old version can be looked at
    assert client.post(revert, {"deadline": "2020-01-10", "_save": "Save"}).status_code == 403

    period.refresh_from_db()
    assert period.status == PeriodStatus.CLOSED and period.closed_by == performance_user
