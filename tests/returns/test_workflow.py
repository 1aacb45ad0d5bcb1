"""Every status transition, table-driven: after each step, the state of every return.

Three returns for December 2019: ICT01 and ICT02 owned by the owner, FN01 by
another owner. Like DHIS2's approval tests, each step lists all three.
"""

from decimal import Decimal

import pytest

from indicators.models import Commentary, Indicator
from returns.rows import return_rows
from returns.services import (
    ReturnError,
    return_approve,
    return_save,
    return_send_back,
    returns_bulk_approve,
)
from tests.returns.conftest import DEC

M, E, S, A, R = "missing", "entered", "submitted", "approved", "returned"


def _statuses() -> dict[str, str]:
    rows = return_rows(Indicator.objects.filter(code__in=["ICT01", "ICT02", "FN01"]), DEC)
    return {row.indicator.code: row.status.value for row in rows}


def _do(users, who, action, code, **kwargs):
    user = users[who]
    indicator = Indicator.objects.get(code=code)
    base = {"indicator": indicator, "period": DEC, "user": user}
    if "value" in kwargs:
        kwargs["value"] = Decimal(kwargs["value"])
    if action in ("save", "submit", "edit_and_approve"):
        return_save(**base, submit=action == "submit", approve=action == "edit_and_approve", **kwargs)
    elif action == "approve":
        return_approve(**base)
    elif action == "send_back":
        return_send_back(**base, **kwargs)
    elif action == "bulk_approve":
        pk = Commentary.objects.get(indicator=indicator, period=DEC).pk
        approved, skipped = returns_bulk_approve(user=user, versions={pk: kwargs["version"]})
        if skipped:
            raise ReturnError(skipped[0])


RED = {"value": "85", "commentary": "Survey response rate fell."}

JOURNEY = [
    # who, action, return, arguments, then ICT01, ICT02, FN01
    ("owner", "save", "ICT01", {"value": "75"}, (E, M, M)),
    ("owner", "submit", "ICT01", {"value": "75"}, (S, M, M)),
    ("owner", "submit", "ICT02", RED, (S, S, M)),
    ("other", "submit", "FN01", {"value": "99"}, (S, S, S)),
    ("performance", "send_back", "ICT02", {"reason": "Give the response rate."}, (S, R, S)),
    ("owner", "save", "ICT02", RED, (S, R, S)),  # unchanged draft: still returned
    ("owner", "save", "ICT02", {**RED, "commentary": "Response rate 12%."}, (S, R, S)),
    ("owner", "submit", "ICT02", {**RED, "commentary": "Response rate 12%."}, (S, S, S)),
    ("performance", "approve", "ICT01", {}, (A, S, S)),
    ("performance", "edit_and_approve", "ICT02", {**RED, "value": "86", "reason": "Typo"}, (A, A, S)),
    ("performance", "save", "ICT01", {"value": "74"}, (S, A, S)),  # an edit to an approved figure
    ("performance", "bulk_approve", "ICT01", {"version": 4}, (A, A, S)),
    ("other", "save", "FN01", {"value": "98"}, (A, A, E)),  # the owner withdraws to edit
    ("other", "submit", "FN01", {"value": "98"}, (A, A, S)),
    ("performance", "save", "FN01", {"value": "98.5"}, (A, A, S)),  # team edit keeps it for review
    ("performance", "send_back", "FN01", {"reason": "Source?"}, (A, A, R)),
    ("other", "submit", "FN01", {"value": "98.5"}, (A, A, S)),
    ("performance", "approve", "FN01", {}, (A, A, A)),
]


def test_the_whole_journey_moves_every_return_through_each_status(
    open_period, ict01, ict02, fn01, owner_user, other_owner_user, performance_user
):
    users = {"owner": owner_user, "other": other_owner_user, "performance": performance_user}
    assert _statuses() == {"ICT01": M, "ICT02": M, "FN01": M}
    for step, (who, action, code, kwargs, expected) in enumerate(JOURNEY, start=1):
        _do(users, who, action, code, **dict(kwargs))
        assert _statuses() == dict(zip(["ICT01", "ICT02", "FN01"], expected, strict=True)), f"step {step}"


# Each refused step starts from the state reached by `setup` and must change nothing.
REFUSED = [
    ("approve a draft", [("owner", "save", "ICT01", {"value": "75"})], ("performance", "approve", "ICT01", {})),
    ("approve a missing return", [], ("performance", "approve", "ICT01", {})),
    (
        "send back a draft",
        [("owner", "save", "ICT01", {"value": "75"})],
        ("performance", "send_back", "ICT01", {"reason": "x"}),
    ),
    (
        "send back without a reason",
        [("owner", "submit", "ICT01", {"value": "75"})],
        ("performance", "send_back", "ICT01", {"reason": ""}),
    ),
    ("owner approves", [("owner", "submit", "ICT01", {"value": "75"})], ("owner", "approve", "ICT01", {})),
    (
        "owner edits an approved return",
        [("owner", "submit", "ICT01", {"value": "75"}), ("performance", "approve", "ICT01", {})],
        ("owner", "save", "ICT01", {"value": "76"}),
    ),
    (
        "approve twice",
        [("owner", "submit", "ICT01", {"value": "75"}), ("performance", "approve", "ICT01", {})],
        ("performance", "approve", "ICT01", {}),
    ),
    ("other owner submits", [], ("other", "submit", "ICT01", {"value": "75"})),
    ("submit Red without commentary", [], ("owner", "submit", "ICT02", {"value": "85"})),
    (
        "bulk approve a stale version",
        [("owner", "submit", "ICT01", {"value": "75"})],
        ("performance", "bulk_approve", "ICT01", {"version": 0}),
    ),
]


@pytest.mark.parametrize(("name", "setup", "step"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_refused_step_changes_no_return(
    open_period, ict01, ict02, fn01, owner_user, other_owner_user, performance_user, name, setup, step
):
    users = {"owner": owner_user, "other": other_owner_user, "performance": performance_user}
    for who, action, code, kwargs in setup:
        _do(users, who, action, code, **dict(kwargs))
    before = _statuses()
    versions = dict(Commentary.objects.values_list("indicator__code", "version"))
    with pytest.raises(ReturnError):
        _do(users, step[0], step[1], step[2], **dict(step[3]))
    assert _statuses() == before
    assert dict(Commentary.objects.values_list("indicator__code", "version")) == versions
