"""Every change to an improvement action, from the action pages or any other caller.

Bad input raises `ActionError` carrying field errors and writes nothing.
The admin edits actions as the performance team does, with the same checks
(its form calls `action_errors`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.roles import PERFORMANCE_TEAM, SERVICE_OWNER, user_roles
from indicators.models import Committee, Indicator
from indicators.validators import tidy_text
from indicators.wording import person_name
from plans.models import Action, ActionNote, Objective
from plans.permissions import action_lock_reason, may_create, may_record_resolution, not_theirs, others_links
from plans.rules import ActionStatus

NON_FIELD = "__all__"
NOTE_MAX_LENGTH = 4000


class ActionError(Exception):
    """A change that was refused; `errors` maps form field names (or "__all__") to messages."""

    def __init__(self, errors: dict[str, list[str]] | str) -> None:
        self.errors = {NON_FIELD: [errors]} if isinstance(errors, str) else errors
        super().__init__(" ".join(m for messages in self.errors.values() for m in messages))


class ActionLocked(ActionError):
    """The user may not change this action; the message says why."""


def action_errors(
    *,
    user,
    title: str,
    owner,
    due: date | None,
    status: str,
    indicators: list[Indicator],
    source_committee: Committee | None = None,
    source_meeting: date | None = None,
    resolution: str = "",
    kept: Sequence[Indicator] = (),
) -> dict[str, list[str]]:
    """Field name → messages for an action's fields; empty when they may be saved by `user`.

    `kept` are indicators already linked that `user` may not link, which a change leaves linked
    (`others_links`): they count as the action's indicators, and are not `user`'s to refuse.

    `user` None is an import (the performance team's spreadsheet import, a site restore), which
    may link any indicator, as the performance team may. An import may also carry a committee
    resolution's source (committee, meeting, resolution): all three or none, and only about the
    committee's own indicators, as when the clerk records it (`action_from_resolution`).
    """
    errors = _field_errors(title=title, owner=owner, due=due, status=status, indicators=[*indicators, *kept])
    if indicators and user is not None and (codes := not_theirs(user, indicators)):
        errors["indicators"] = [
            f"You can only link actions to your own indicators; {', '.join(codes)} "
            f"{'is' if len(codes) == 1 else 'are'} not yours."
        ]
    if source_committee is None and (source_meeting or (resolution or "").strip()):
        errors["source_committee"] = ["Name the committee that made the resolution, or leave its meeting blank."]
    elif source_committee is not None:
        found = resolution_errors(
            committee=source_committee, meeting_date=source_meeting, resolution=resolution, indicators=indicators
        )
        for name, messages in found.items():
            errors.setdefault("source_meeting" if name == "meeting_date" else name, []).extend(messages)
    return errors


def resolution_source(action: Action) -> dict[str, Any]:
    """An action's committee resolution source, as `action_errors` takes it (all blank for an ordinary action):
    every path that changes an action (its page, the admin, an import, a site restore) passes it, so a
    resolution stays about its committee's own indicators."""
    return {
        "source_committee": action.source_committee if action.source_committee_id else None,
        "source_meeting": action.source_meeting,
        "resolution": action.resolution,
    }


def _field_errors(
    *, title: str, owner, due: date | None, status: str, indicators: list[Indicator]
) -> dict[str, list[str]]:
    """The checks every action meets, whoever adds it."""
    errors: dict[str, list[str]] = {}
    if owner is None:
        errors["owner"] = ["Choose who owns the action."]
    elif not user_roles(owner) & {SERVICE_OWNER, PERFORMANCE_TEAM}:
        name = person_name(owner)
        errors["owner"] = [f"{name} cannot own an action: choose a service owner or someone in the performance team."]
    if not title.strip():
        errors["title"] = ["Enter a title: say what will be done."]
    if due is None:
        errors["due"] = ["Enter the due date."]
    if status not in set(ActionStatus):
        errors["status"] = [f"‘{status}’ is not a status: choose not started, on track, at risk or complete."]
    if not indicators:
        errors["indicators"] = ["Choose at least one indicator the action is about."]
    return errors


def _clean(action: Action) -> None:
    """The model's own field checks (lengths, control characters), as the admin makes them."""
    try:
        action.full_clean()
    except ValidationError as exc:
        raise ActionError(exc.message_dict) from None


def _record(instance: Any, user, reason: str | None = None) -> None:
    """Who (and why) for the history record the next save writes."""
    instance._history_user = user
    instance._change_reason = reason


def _save(action: Action, user, reason: str, indicators, objectives) -> Action:
    _clean(action)
    _record(action, user, reason)
    action.save()
    action.indicators.set(indicators)
    action.objectives.set(objectives)
    return action


def action_create(
    *,
    user,
    title: str,
    owner,
    due: date | None,
    indicators: list[Indicator],
    description: str = "",
    status: str = ActionStatus.NOT_STARTED,
    objectives: Sequence[Objective] = (),
) -> Action:
    """A new improvement action, by a service owner for their indicators or by the performance team."""
    if not may_create(user):
        raise ActionLocked("Only service owners and the performance team can add improvement actions.")
    errors = action_errors(user=user, title=title, owner=owner, due=due, status=status, indicators=indicators)
    if errors:
        raise ActionError(errors)
    assert due is not None  # action_errors refuses a missing date
    with transaction.atomic():
        action = Action(
            title=title.strip(), description=description.strip(), owner=owner, due=due, status=status, created_by=user
        )
        return _save(action, user, "Added", indicators, list(objectives))


def resolution_errors(
    *, committee: Committee, meeting_date: date | None, resolution: str, indicators: list[Indicator]
) -> dict[str, list[str]]:
    """The checks a committee resolution meets on top of an action's: its meeting and the committee's indicators."""
    errors: dict[str, list[str]] = {}
    if meeting_date is None:
        errors["meeting_date"] = ["Enter the date of the meeting that made the resolution."]
    if not (resolution or "").strip():
        errors["resolution"] = ["Enter the resolution as the committee made it."]
    # By directorate, as `Indicator.objects.for_committee`: an import's indicators may not be saved yet.
    theirs = set(committee.directorates.values_list("pk", flat=True))
    if outside := sorted(indicator.code for indicator in indicators if indicator.directorate_id not in theirs):
        errors["indicators"] = [
            f"{', '.join(outside)} {'is' if len(outside) == 1 else 'are'} not reported to {committee.name}: "
            "a resolution can only be about the committee's own indicators."
        ]
    return errors


def action_from_resolution(
    *,
    user,
    committee: Committee,
    meeting_date: date | None,
    resolution: str,
    title: str,
    owner,
    due: date | None,
    indicators: list[Indicator],
    description: str = "",
) -> Action:
    """A committee resolution ("officers to report back on X by March") tracked as an improvement action.

    Recorded by the committee clerk or the performance team, about the committee's
    own indicators, owned (as any action) by a service owner or the performance team,
    who then keep it up to date on the action's page.
    """
    if not may_record_resolution(user):
        raise ActionLocked("Only committee clerks and the performance team can record committee resolutions.")
    errors = _field_errors(title=title, owner=owner, due=due, status=ActionStatus.NOT_STARTED, indicators=indicators)
    for name, messages in resolution_errors(
        committee=committee, meeting_date=meeting_date, resolution=resolution, indicators=indicators
    ).items():
        errors.setdefault(name, []).extend(messages)
    if errors:
        raise ActionError(errors)
    assert due is not None and meeting_date is not None  # refused above when missing
    with transaction.atomic():
        action = Action(
            title=title.strip(),
            description=description.strip(),
            owner=owner,
            due=due,
            status=ActionStatus.NOT_STARTED,
            created_by=user,
            source_committee=committee,
            source_meeting=meeting_date,
            resolution=tidy_text(resolution),
        )
        return _save(action, user, f"Resolution of {committee.name}, meeting {meeting_date:%Y-%m-%d}", indicators, [])


def action_update(
    *,
    action: Action,
    user,
    title: str,
    owner,
    due: date | None,
    status: str,
    indicators: list[Indicator],
    description: str = "",
    objectives: Sequence[Objective] = (),
) -> Action:
    """Change an action's fields (its history records who, when and what)."""
    reason = action_lock_reason(user, action)
    if reason:
        raise ActionLocked(reason)
    kept = [indicator for indicator in others_links(user, action) if indicator not in indicators]
    errors = action_errors(
        user=user,
        title=title,
        owner=owner,
        due=due,
        status=status,
        indicators=indicators,
        kept=kept,
        **resolution_source(action),
    )
    if errors:
        raise ActionError(errors)
    assert due is not None  # action_errors refuses a missing date
    indicators = [*indicators, *kept]  # another owner's links stay as they are
    with transaction.atomic():
        action.title, action.description = title.strip(), description.strip()
        action.owner, action.due, action.status = owner, due, status
        return _save(action, user, "Changed", indicators, list(objectives))


def action_import(
    *, action: Action, user, reason: str, indicators: list[Indicator], objectives: list[Objective]
) -> Action:
    """Save an action an import read, its fields already set on `action` (new or changed): the
    Spreadsheets workbook's Actions sheet and a site restore. The same checks as every path
    (`action_errors`, the model's own), any indicator (only the performance team imports), and
    the history names `user` and `reason`. A new action is recorded as added by `user`."""
    errors = action_import_errors(action, indicators)
    if errors:
        raise ActionError(errors)
    with transaction.atomic():
        if action._state.adding and action.created_by_id is None and getattr(user, "pk", None):
            action.created_by = user
        return _save(action, user, reason, indicators, objectives)


def action_import_errors(action: Action, indicators: list[Indicator]) -> dict[str, list[str]]:
    """`action_errors` for an action whose fields an import has set, linked to `indicators` (any
    indicator: only the performance team imports); the import's plan checks its rows with it too."""
    return action_errors(
        user=None,
        title=action.title,
        owner=action.owner if action.owner_id else None,
        due=action.due,
        status=action.status,
        indicators=indicators,
        **resolution_source(action),
    )


def action_note_add(*, action: Action, user, text: str) -> ActionNote:
    """Add a progress note to an action (notes are kept, never edited)."""
    reason = action_lock_reason(user, action)
    if reason:
        raise ActionLocked(reason)
    text = tidy_text(text)
    if not text:
        raise ActionError({"text": ["Enter the progress note."]})
    if len(text) > NOTE_MAX_LENGTH:
        raise ActionError(
            {"text": [f"A progress note can be at most {NOTE_MAX_LENGTH} characters; this is {len(text)}."]}
        )
    note = ActionNote(action=action, text=text, author=user)
    try:
        note.full_clean()
    except ValidationError as exc:
        raise ActionError(exc.message_dict) from None
    _record(note, user)
    note.save()
    return note
