"""Fixtures for plans: the demo (with its plan and actions), ICT02 owned by `owner_user`,
FN01 by `other_owner_user`, and an action on ICT02 owned by `owner_user`."""

from __future__ import annotations

from datetime import date

import pytest

from indicators.models import Indicator
from plans.models import Action
from plans.rules import ActionStatus

NOV = date(2019, 11, 1)


@pytest.fixture
def ict02(demo, owner_user):
    indicator = Indicator.objects.get(code="ICT02")
    indicator.owners.set([owner_user])
    return indicator


@pytest.fixture
def fn01(demo, other_owner_user):
    indicator = Indicator.objects.get(code="FN01")
    indicator.owners.set([other_owner_user])
    return indicator


@pytest.fixture
def action(ict02, owner_user):
    action = Action.objects.create(
        title="Call back unhappy callers", owner=owner_user, due=date(2030, 1, 31), status=ActionStatus.ON_TRACK
    )
    action.indicators.set([ict02])
    return action


def close_demo_actions(code: str) -> None:
    """Mark the demo's actions on `code` complete, so it has no open action."""
    Action.objects.filter(indicators__code=code).update(status=ActionStatus.COMPLETE)
