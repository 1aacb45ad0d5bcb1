"""The action status and "needs an action" rules, without a database."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plans.rules import ActionStatus, ShownStatus, is_open, missing_action_message, needs_action, shown_status

TODAY = date(2019, 12, 27)  # the Friday after Christmas: a bank holiday on either side changes nothing

CASES = [
    # stored status, due, shown on TODAY
    (ActionStatus.ON_TRACK, date(2019, 12, 26), ShownStatus.OVERDUE),  # Boxing Day, a bank holiday: still past
    (ActionStatus.ON_TRACK, date(2019, 12, 27), ShownStatus.ON_TRACK),  # due today is not overdue
    (ActionStatus.ON_TRACK, date(2019, 12, 28), ShownStatus.ON_TRACK),
    (ActionStatus.NOT_STARTED, date(2019, 1, 1), ShownStatus.OVERDUE),
    (ActionStatus.AT_RISK, date(2019, 12, 24), ShownStatus.OVERDUE),
    (ActionStatus.AT_RISK, date(2020, 1, 1), ShownStatus.AT_RISK),  # New Year's Day ahead: not yet due
    (ActionStatus.COMPLETE, date(2019, 1, 1), ShownStatus.COMPLETE),  # done late is done, not overdue
    (ActionStatus.COMPLETE, date(2020, 6, 1), ShownStatus.COMPLETE),
]


@pytest.mark.parametrize(("status", "due", "expected"), CASES)
def test_an_action_is_overdue_only_when_its_due_date_has_passed_and_it_is_not_complete(status, due, expected):
    assert shown_status(status, due, TODAY) is expected


@given(st.sampled_from(list(ActionStatus)), st.dates(), st.dates())
def test_overdue_is_exactly_an_open_action_past_its_due_date(status, due, today):
    shown = shown_status(status, due, today)
    assert (shown is ShownStatus.OVERDUE) == (status is not ActionStatus.COMPLETE and due < today)
    if shown is not ShownStatus.OVERDUE:
        assert shown.value == status.value


@given(st.sampled_from(list(ActionStatus)), st.dates(max_value=date(2100, 1, 1)))
def test_a_day_later_never_makes_an_overdue_action_not_overdue(status, due):
    today = due + timedelta(days=1)
    assert shown_status(status, due, today) is shown_status(status, due, today + timedelta(days=400))


def test_only_a_complete_action_is_closed():
    assert [s for s in ActionStatus if not is_open(s)] == [ActionStatus.COMPLETE]


@pytest.mark.parametrize(
    ("rag", "concern", "needed", "message"),
    [
        ("red", False, True, "ICT02 is Red and has no improvement action"),
        ("red", True, True, "ICT02 is Red and has no improvement action"),
        ("amber", True, True, "ICT02 is a special cause of concern on its SPC chart and has no improvement action"),
        ("", True, True, "ICT02 is a special cause of concern on its SPC chart and has no improvement action"),
        ("amber", False, False, ""),
        ("green", False, False, ""),
        ("", False, False, ""),  # no RAG (no data, no target) never needs an action
    ],
)
def test_red_or_a_special_cause_of_concern_needs_an_action(rag, concern, needed, message):
    assert needs_action(rag, concern) is needed
    assert missing_action_message("ICT02", rag, concern) == message


def test_every_status_has_words_and_a_tag():
    assert [s.label for s in ShownStatus] == ["Not started", "On track", "At risk", "Overdue", "Complete"]
    assert ShownStatus.OVERDUE.tag == "govuk-tag--red"
