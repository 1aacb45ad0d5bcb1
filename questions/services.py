"""Every change to meetings, questions and answers, from the pages, the admin or any other caller.

Bad input raises `QuestionError` carrying field errors and writes nothing; a
change the user may not make raises `QuestionLocked` saying why. Answers follow
commentary's approval (indicators.CommentaryStatus and
`returns.services.status_after_edit`): an edit after approval goes back to
submitted, and only the performance team approves or returns.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from indicators.models import CommentaryStatus, Committee, Indicator
from indicators.periods import period_label
from indicators.validators import tidy_text
from questions.models import Answer, Meeting, Question
from questions.permissions import (
    answer_lock_reason,
    ask_lock_reason,
    decide_lock_reason,
    may_record,
    may_submit_own,
)
from returns.permissions import is_performance_team
from returns.services import save_with_history, status_after_edit

NON_FIELD = "__all__"
TEXT_MAX_LENGTH = 4000


class QuestionError(Exception):
    """A change that was refused; `errors` maps form field names (or "__all__") to messages."""

    def __init__(self, errors: dict[str, list[str]] | str) -> None:
        self.errors = {NON_FIELD: [errors]} if isinstance(errors, str) else errors
        super().__init__(" ".join(m for messages in self.errors.values() for m in messages))


class QuestionLocked(QuestionError):
    """The user may not make this change; the message says why."""


def text_errors(text: str, field: str, missing: str, noun: str) -> dict[str, list[str]]:
    """A question's, answer's or reason's text (already tidied): given, and not too long."""
    if not text:
        return {field: [missing]}
    if len(text) > TEXT_MAX_LENGTH:
        return {field: [f"{noun} can be at most {TEXT_MAX_LENGTH} characters; this is {len(text)}."]}
    return {}


def answer_text_errors(text: str) -> dict[str, list[str]]:
    return text_errors(text, "text", "Enter the answer.", "An answer")


def _text(value: str | None, field: str, missing: str, noun: str) -> str:
    text = tidy_text(value)
    if errors := text_errors(text, field, missing, noun):
        raise QuestionError(errors)
    return text


def _clean(instance) -> None:
    try:
        instance.full_clean(exclude=["question"] if isinstance(instance, Answer) else None)
    except ValidationError as exc:
        raise QuestionError(exc.message_dict) from None


def meeting_errors(
    *, committee: Committee | None, meeting_date: date | None, period: date | None
) -> dict[str, list[str]]:
    """What is wrong with a meeting of `committee` on `meeting_date` about the paper up to `period` (the
    meeting page's checks, which the site restore applies too); empty when nothing is."""
    errors: dict[str, list[str]] = {}
    if committee is None:
        errors["committee"] = ["Choose the committee."]
    if meeting_date is None:
        errors["meeting_date"] = ["Enter the meeting date, for example 2020-01-21."]
    if period is None:
        errors["period"] = ["Enter the month the paper reports up to, for example 2019-11."]
    elif meeting_date is not None and period >= meeting_date.replace(day=1):
        errors["period"] = [
            f"The paper for a meeting on {meeting_date:%Y-%m-%d} reports up to an earlier month than "
            f"{period_label(period)}."
        ]
    return errors


def meeting_open(*, user, committee: Committee | None, meeting_date: date | None, period: date | None) -> Meeting:
    """The committee's meeting on that date (made the first time), about the paper up to `period`."""
    if not may_record(user):
        raise QuestionLocked("Only committee clerks and the performance team open a meeting's questions.")
    if errors := meeting_errors(committee=committee, meeting_date=meeting_date, period=period):
        raise QuestionError(errors)
    assert committee is not None and meeting_date is not None and period is not None
    existing = Meeting.objects.filter(committee=committee, date=meeting_date).first()
    if existing is not None:
        if existing.period != period:
            raise QuestionError(
                {
                    "period": [
                        f"{committee.name}'s meeting on {existing.date_label} is already about the paper up to "
                        f"{existing.period_label}."
                    ]
                }
            )
        return existing
    meeting = Meeting(committee=committee, date=meeting_date, period=period, created_by=user)
    try:
        with transaction.atomic():
            save_with_history(meeting, user, "Opened")
    except IntegrityError:  # opened by someone else a moment ago
        return Meeting.objects.get(committee=committee, date=meeting_date)
    return meeting


def question_errors(
    *, committee: Committee, indicator: Indicator | None, member_name: str, own: bool, text: str
) -> dict[str, list[str]]:
    """What is wrong with a question to `committee`'s meeting (the meeting page's checks, which the site
    restore applies too): the indicator is on the committee's paper, the member is named unless they
    asked as themselves (`own`), and the text. Empty when nothing is."""
    errors: dict[str, list[str]] = {}
    if indicator is None:
        errors["indicator"] = ["Choose the indicator the question is about."]
    elif not Indicator.objects.for_committee(committee).filter(pk=indicator.pk).exists():
        errors["indicator"] = [
            f"{indicator.code} is not reported to {committee.name}: a question can only be on an "
            "indicator of the committee's paper."
        ]
    if own and member_name:
        errors["member_name"] = ["A member asking as themselves gives no member's name: leave it blank."]
    if not own and not member_name:
        errors["member_name"] = ["Enter the name of the member who asked, for example Cllr Jane Smith."]
    errors.update(text_errors(text, "text", "Enter the question.", "A question"))
    return errors


def question_add(*, user, meeting: Meeting, indicator: Indicator | None, text: str, member_name: str = "") -> Question:
    """A member's question on one of the meeting's committee's indicators.

    A clerk or the performance team records it for the member named; a
    councillor with an account submits it as themselves (no name to give).
    """
    if reason := ask_lock_reason(user):
        raise QuestionLocked(reason)
    own = may_submit_own(user)
    member_name, text = (member_name or "").strip(), tidy_text(text)
    if errors := question_errors(
        committee=meeting.committee, indicator=indicator, member_name=member_name, own=own, text=text
    ):
        raise QuestionError(errors)
    question = Question(
        meeting=meeting,
        indicator=indicator,
        member_name=member_name,
        asked_by=user if own else None,
        text=text,
        recorded_by=user,
    )
    _clean(question)
    with transaction.atomic():
        save_with_history(question, user, "Submitted by the member" if own else "Recorded")
    return question


def answer_save(*, user, question: Question, text: str, submit: bool = False) -> Answer:
    """Write or change a question's answer, as a draft or submitted for approval."""
    with transaction.atomic():
        answer = Answer.objects.select_for_update().filter(question=question).first()
        if reason := answer_lock_reason(user, question, answer):
            raise QuestionLocked(reason)
        text = tidy_text(text)
        if errors := answer_text_errors(text):
            raise QuestionError(errors)
        if answer is None:
            answer = Answer(question=question, text=text, answered_by=user)
            changed = True
        else:
            changed = answer.text != text
            answer.text = text
        if submit:
            answer.status, answer.submitted_at = CommentaryStatus.SUBMITTED, timezone.now()
        elif changed:
            answer.status = status_after_edit(answer.status, performance=is_performance_team(user))
        if changed:
            answer.answered_by = user
        if answer.status != CommentaryStatus.APPROVED:
            answer.approver, answer.approved_at = None, None
        _clean(answer)
        save_with_history(answer, user, "Submitted" if submit else "Saved")
    return answer


def _for_decision(user, question: Question) -> Answer:
    answer = Answer.objects.select_for_update().filter(question=question).first()
    if reason := decide_lock_reason(user, answer):
        raise QuestionLocked(reason)
    assert answer is not None
    return answer


def answer_approve(*, user, question: Question) -> Answer:
    """The performance team approves a submitted answer: it goes on the next response sheet."""
    with transaction.atomic():
        answer = _for_decision(user, question)
        answer.status, answer.approver, answer.approved_at = CommentaryStatus.APPROVED, user, timezone.now()
        answer.return_reason = ""
        save_with_history(answer, user, "Approved")
    return answer


def answer_send_back(*, user, question: Question, reason: str) -> Answer:
    """The performance team returns a submitted answer to be put right, saying why."""
    with transaction.atomic():
        answer = _for_decision(user, question)
        reason = _text(reason, "reason", "Say why the answer is being returned, so it can be put right.", "A reason")
        answer.status, answer.return_reason = CommentaryStatus.RETURNED, reason
        save_with_history(answer, user, f"Returned: {reason}")
    return answer
