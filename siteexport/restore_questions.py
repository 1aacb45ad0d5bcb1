"""Restoring the members' questions: meetings, questions and answers, through `questions.services`' own checks."""

from __future__ import annotations

from datetime import date

from indicators.models import Committee
from indicators.validators import tidy_text
from questions.models import Answer, Meeting, Question
from questions.services import answer_text_errors, meeting_errors, question_errors
from siteexport.restore_lookups import each, save_as_it_was
from siteexport.schema import ANSWERS, MEETINGS, QUESTIONS
from spreadsheets.plan import ImportPlan


def restore_meetings(plan: ImportPlan, rows, users: dict) -> dict[tuple[str, date], Meeting]:
    committees = {c.slug: c for c in Committee.objects.all()}
    found = {}
    for row in each(plan, MEETINGS, rows):
        slug = row.cells["committee"]
        committee = row.lookup("committee", committees, slug, f"No committee has the slug “{slug}”.")
        if committee is None or (named := row.people(users, "created_by")) is None:
            continue
        meeting = Meeting(committee=committee, date=row.cells["date"], period=row.cells["period"])
        meeting.created_by = named["created_by"]
        errors = meeting_errors(committee=committee, meeting_date=meeting.date, period=meeting.period)
        if not row.refused(errors, {"meeting_date": "date"}) and row.checked(meeting):
            save_as_it_was(plan, meeting, row.cells.get("created_at"))
            found[slug, meeting.date] = meeting
            row.created(str(meeting))
    return found


def restore_questions(plan: ImportPlan, rows, meetings: dict, meetings_listed: set, indicators: dict, users: dict):
    found = {}
    for row in each(plan, QUESTIONS, rows):
        cells = row.cells
        if (cells["committee"], cells["meeting_date"]) in meetings_listed - meetings.keys():
            continue  # its meeting was refused, saying why
        meeting = row.lookup(
            "meeting_date",
            meetings,
            (cells["committee"], cells["meeting_date"]),
            f"No meeting of “{cells['committee']}” on {cells['meeting_date']:%Y-%m-%d} on the Meetings sheet.",
        )
        indicator, named = row.indicator(indicators), row.people(users, "asked_by", "recorded_by")
        if meeting is None or indicator is None or named is None:
            continue
        asker, recorder = named["asked_by"], named["recorded_by"]
        text, member_name = tidy_text(cells.get("text")), cells.get("member_name") or ""
        errors = question_errors(
            committee=meeting.committee, indicator=indicator, member_name=member_name, own=asker is not None, text=text
        )
        if row.refused(errors, {"indicator": "code"}):
            continue
        question = Question(pk=cells["id"], meeting=meeting, indicator=indicator, member_name=member_name, text=text)
        question.asked_by, question.recorded_by = asker, recorder
        if row.checked(question, {"indicator": "code"}):
            save_as_it_was(plan, question, cells.get("created_at"))
            found[question.pk] = question
            row.created(f"Question {question.pk}")
    return found


def restore_answers(plan: ImportPlan, rows, questions: dict[int, Question], questions_listed: set, users: dict) -> None:
    for row in each(plan, ANSWERS, rows):
        cells = row.cells
        if cells["question"] in questions_listed - questions.keys():
            continue  # its question was refused, saying why
        what = f"No question has the id {cells['question']} on the Questions sheet."
        question = row.lookup("question", questions, cells["question"], what)
        if question is None or (named := row.people(users, "answered_by", "approver")) is None:
            continue
        text = tidy_text(cells.get("text"))
        if row.refused(answer_text_errors(text)):
            continue
        answer = Answer(question=question, text=text, return_reason=cells.get("return_reason") or "")
        answer.status = cells.get("status") or answer.status
        answer.answered_by, answer.approver = named["answered_by"], named["approver"]
        answer.submitted_at, answer.approved_at = cells.get("submitted_at"), cells.get("approved_at")
        if row.checked(answer):
            save_as_it_was(plan, answer)
            row.created(f"Answer to question {question.pk}")
