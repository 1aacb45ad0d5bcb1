"""The rules of improvement actions, in plain Python (no database): tested in tests/plans/test_rules.py.

An action's status is what its owner last said (not started, on track, at risk,
complete), except that one not complete whose due date has passed is *overdue*:
derived from the date, never stored, so it cannot be forgotten or left stale.
The due date is the last day it can be done on time: due today is not overdue.
Bank holidays make no difference: a date in the past is in the past.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum


class ActionStatus(StrEnum):
    """What an action's owner says about it (stored)."""

    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    COMPLETE = "complete"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


class ShownStatus(StrEnum):
    """The status an action is shown with: the stored one, or overdue."""

    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OVERDUE = "overdue"
    COMPLETE = "complete"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def tag(self) -> str:
        """The GOV.UK tag colour that goes with the words."""
        return {
            ShownStatus.NOT_STARTED: "govuk-tag--grey",
            ShownStatus.ON_TRACK: "govuk-tag--blue",
            ShownStatus.AT_RISK: "govuk-tag--yellow",
            ShownStatus.OVERDUE: "govuk-tag--red",
            ShownStatus.COMPLETE: "govuk-tag--green",
        }[self]


STATUS_LABELS = {
    "not_started": "Not started",
    "on_track": "On track",
    "at_risk": "At risk",
    "overdue": "Overdue",
    "complete": "Complete",
}


def is_open(status: str) -> bool:
    """An action counts as being done about an indicator until it is complete (overdue ones too)."""
    return ActionStatus(status) is not ActionStatus.COMPLETE


def shown_status(status: str, due: date, today: date) -> ShownStatus:
    """The status to show on `today`: overdue once the due date has passed and it is not complete."""
    if is_open(status) and due < today:
        return ShownStatus.OVERDUE
    return ShownStatus(status)


def needs_action(rag: str, concern: bool) -> bool:
    """An indicator needs an improvement action when its rating is Red or its SPC variation a concern."""
    return rag == "red" or concern


def missing_action_message(code: str, rag: str, concern: bool) -> str:
    """ "ICT02 is Red and has no improvement action", or "" when none is needed (Red is said first)."""
    if rag == "red":
        return f"{code} is Red and has no improvement action"
    if concern:
        return f"{code} is a special cause of concern on its SPC chart and has no improvement action"
    return ""
