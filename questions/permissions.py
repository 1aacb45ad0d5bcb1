"""Who may do what with members' questions, and why a form is locked for someone.

- Everyone with a kpidash role reads the meetings, the questions and the
  published response sheets; an answer's words only once approved, except to
  those who may answer or approve it.
- Committee clerks and the performance team record questions (for the member
  who asked) and publish the sheet. A councillor with an account has the Viewer
  role, and may submit their own questions.
- The indicator's owners and the performance team answer: the same people who
  write its commentary (`returns.permissions.can_enter`).
- The performance team approves or returns an answer, as it does commentary.

Views and services ask the same functions, so a form never offers what the
service would refuse, and every locked form says why.
"""

from __future__ import annotations

from accounts.roles import COMMITTEE_CLERK, PERFORMANCE_TEAM, VIEWER, user_roles
from indicators.models import CommentaryStatus
from questions.models import Answer, Question
from returns.permissions import can_enter, is_performance_team


def may_read(user) -> bool:
    return bool(user_roles(user))


def may_record(user) -> bool:
    """Record a question for a member, open a meeting, publish its sheet: clerks and the performance team."""
    return bool(user_roles(user) & {COMMITTEE_CLERK, PERFORMANCE_TEAM})


def may_submit_own(user) -> bool:
    """A councillor with an account (the Viewer role) submits their own questions."""
    return VIEWER in user_roles(user) and not may_record(user)


def may_ask(user) -> bool:
    return may_record(user) or may_submit_own(user)


def may_read_drafts(user, question: Question) -> bool:
    """Who writes an answer or approves it reads its history: every draft's status and why the team
    returned one (the indicator's owners and the performance team, as a return's history)."""
    return can_enter(user, question.indicator)


def ask_lock_reason(user) -> str | None:
    if may_ask(user):
        return None
    return (
        "You cannot add questions: committee clerks and the performance team record members' questions, "
        "and councillors with an account submit their own."
    )


def answer_lock_reason(user, question: Question, answer: Answer | None) -> str | None:
    """Why `user` cannot write this question's answer now; None when they can."""
    code = question.indicator.code
    if not can_enter(user, question.indicator):
        return (
            f"This answer is locked because {code} is not your indicator: only its owners "
            "and the performance team answer questions on it."
        )
    if answer is not None and answer.is_approved and not is_performance_team(user):
        return "This answer is locked because the performance team has approved it. Ask them if it needs to change."
    return None


def decide_lock_reason(user, answer: Answer | None) -> str | None:
    """Why `user` cannot approve or return this answer; None when they can."""
    if not is_performance_team(user):
        return "Only the performance team approves or returns answers, as it does commentary."
    if answer is None or answer.status != CommentaryStatus.SUBMITTED:
        status = CommentaryStatus(answer.status).label.lower() if answer else "not answered yet"
        return f"Only a submitted answer can be approved or returned; this one is {status}."
    return None


def question_rows(user, questions) -> list[dict]:
    """Each question with its answer, whether `user` may read the answer's words, and may write it."""
    rows = []
    for question in questions:
        answer = getattr(question, "answer", None)
        may_answer = answer_lock_reason(user, question, answer) is None
        may_decide = decide_lock_reason(user, answer) is None
        shown = answer is not None and (answer.is_approved or may_answer or may_decide)
        rows.append({"q": question, "answer": answer, "shown": shown, "may_answer": may_answer})
    return rows
