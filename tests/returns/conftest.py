"""Fixtures for returns: December 2019 open (the month after the demo's data), and ICT01
owned by `owner_user` (as ICT02 is; FN01 by `other_owner_user`: tests/conftest.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from indicators.models import Indicator, Result
from indicators.periods import add_months
from returns.models import PeriodStatus, ReportingPeriod

DEC = date(2019, 12, 1)
NOV = date(2019, 11, 1)


@pytest.fixture
def open_period(demo):
    return ReportingPeriod.objects.create(period=DEC, deadline=date(2020, 1, 10), status=PeriodStatus.OPEN)


@pytest.fixture
def closed_period(demo):
    return ReportingPeriod.objects.create(period=NOV, deadline=date(2019, 12, 10), status=PeriodStatus.CLOSED)


@pytest.fixture
def ict01(demo, owner_user):
    indicator = Indicator.objects.get(code="ICT01")
    indicator.owners.set([owner_user])
    return indicator


def steady_history(indicator, low: int = 90, high: int = 92, months: int = 20) -> None:
    """Replace the indicator's results with `low`, `high` alternating for `months` up to November 2019.

    With 90 and 92: mean 91, moving ranges all 2, process limits 85.68 to 96.32, so a December
    figure of 80 is a special cause of concern (below the lower limit) for higher-is-better.
    """
    Result.objects.filter(indicator=indicator).delete()
    Result.objects.bulk_create(
        Result(indicator=indicator, period=add_months(NOV, -m), value=Decimal(high if m % 2 else low))
        for m in range(months)
    )
