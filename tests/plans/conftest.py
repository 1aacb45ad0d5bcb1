"""Fixtures for plans: the demo (with its plan and actions) and an action on ICT02 (owned, as
ICT02 is, by `owner_user`; tests/conftest.py)."""

from __future__ import annotations

from datetime import date

import pytest

from plans.models import Action
from plans.rules import ActionStatus

NOV = date(2019, 11, 1)


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
