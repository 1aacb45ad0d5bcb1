"""The response sheet: a meeting's questions and their approved answers, as PDF and Word.

Only approved answers are printed; a question whose answer is not approved yet
(or not written) is printed with "Answer to follow." so the sheet can go out
before every answer is in, and a later version carries the rest. Both formats
print the words of one `sheet_content` dict, which the published version keeps,
so they cannot disagree and a version always shows what it showed.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone

from indicators.wording import person_name
from questions.models import Meeting, Question, ResponseSheet, day_label
from questions.permissions import may_record
from questions.services import QuestionError, QuestionLocked
from reports.pdf import html_to_pdf
from reports.word import docx_bytes, heading, paragraph, portrait_document, table

ANSWER_TO_FOLLOW = "Answer to follow."
TITLE = "Members' questions: response sheet"
COLUMNS = ["No.", "Ref", "Indicator", "Asked by", "Answered by"]
WIDTHS = (1.2, 1.6, 8.0, 3.2, 3.0)  # cm, portrait


def meeting_questions(meeting: Meeting):
    """The meeting's questions with what the page and the sheet show of each, in a fixed number of queries."""
    return (
        Question.objects.filter(meeting=meeting)
        .select_related("indicator", "asked_by", "recorded_by", "answer__answered_by", "answer__approver")
        .prefetch_related("indicator__owners")
        .order_by("indicator__code", "pk")
    )


def sheet_content(meeting: Meeting, *, version: int, published: datetime) -> dict:
    """The words the sheet prints (JSON-safe: the published version stores it)."""
    items = []
    for number, question in enumerate(meeting_questions(meeting), start=1):
        answer = getattr(question, "answer", None)
        approved = answer is not None and answer.is_approved
        items.append(
            {
                "number": number,
                "code": question.indicator.code,
                "indicator": question.indicator.name,
                "asked_by": question.asker,
                "question": question.text,
                "approved": approved,
                "answer": answer.text if answer is not None and approved else ANSWER_TO_FOLLOW,
                "answered_by": person_name(answer.answered_by) if answer is not None and approved else "",
            }
        )
    return {
        "title": TITLE,
        "committee": meeting.committee.name,
        "meeting_date_label": meeting.date_label,
        "period_label": meeting.period_label,
        "version": version,
        "published_label": f"{day_label(timezone.localtime(published))} {timezone.localtime(published):%H:%M}",
        "questions": items,
        "to_follow": sum(1 for item in items if not item["approved"]),
    }


def _intro(content: dict) -> list[tuple[str, str]]:
    return [
        ("To:", f"{content['committee']} – {content['meeting_date_label']}"),
        ("Paper:", f"Performance Dashboard, results up to the end of {content['period_label']}."),
        ("Version:", f"{content['version']}, published {content['published_label']}."),
    ]


def render_sheet_pdf(content: dict) -> bytes:
    html = render_to_string("questions/sheet.html", {"c": content, "intro": _intro(content)})
    return html_to_pdf(html)


def render_sheet_docx(content: dict) -> bytes:
    document = portrait_document(
        title=content["title"], header=f"{content['title']} – {content['committee']}", subject=content["committee"]
    )
    heading(document, content["title"], level=0)
    for label, value in _intro(content):
        paragraph(document, value, bold_prefix=f"{label} ")
    if not content["questions"]:
        paragraph(document, "No questions were asked on this paper.")
        return docx_bytes(document)
    rows = [
        [str(q["number"]), q["code"], q["indicator"], q["asked_by"], q["answered_by"] or "–"]
        for q in content["questions"]
    ]
    table(document, COLUMNS, rows, 9, widths=WIDTHS)
    for q in content["questions"]:
        heading(document, f"{q['number']}. {q['code']} {q['indicator']}", level=2)
        paragraph(document, q["asked_by"], bold_prefix="Asked by: ")
        paragraph(document, q["question"], bold_prefix="Question: ")
        paragraph(document, q["answer"], bold_prefix="Answer: ")
        if q["answered_by"]:
            paragraph(document, q["answered_by"], bold_prefix="Answered by: ")
    return docx_bytes(document)


def sheet_publish(*, user, meeting: Meeting) -> ResponseSheet:
    """Publish the next version of the meeting's response sheet (rendered on request: well under a second)."""
    if not may_record(user):
        raise QuestionLocked("Only committee clerks and the performance team publish the response sheet.")
    if not meeting.questions.exists():
        raise QuestionError("There are no questions for this meeting yet, so there is no response sheet to publish.")
    published = timezone.now()
    version = (meeting.sheets.aggregate(latest=Max("version"))["latest"] or 0) + 1
    content = sheet_content(meeting, version=version, published=published)
    pdf, docx = render_sheet_pdf(content), render_sheet_docx(content)  # outside any transaction
    sheet = ResponseSheet(
        meeting=meeting,
        version=version,
        content=content,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        docx_sha256=hashlib.sha256(docx).hexdigest(),
        published_by=user,
        published_at=published,
    )
    stem = sheet.file_stem()
    sheet.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
    sheet.docx.save(f"{stem}.docx", ContentFile(docx), save=False)
    sheet._history_user = user  # type: ignore[attr-defined]  # simple_history reads it
    try:
        with transaction.atomic():
            sheet.save()
    except IntegrityError:
        sheet.pdf.delete(save=False)
        sheet.docx.delete(save=False)
        raise QuestionError(
            "Someone else published a version at the same moment: look at the list and try again."
        ) from None
    return sheet
