"""The indicator page's "Members' questions" section (registered in `QuestionsConfig.ready`): what
councillors asked about the indicator at each meeting, and the answer, newest meeting first."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from indicators.models import Indicator
from questions.models import Question
from questions.permissions import may_read, question_rows


def indicator_questions(indicator: Indicator) -> list[Question]:
    """The indicator's questions, newest meeting first, with what the rows show: one query.

    Each question is given the page's own indicator (and so its owners, read at most
    once), rather than its own copy of it.
    """
    questions = list(
        Question.objects.filter(indicator=indicator)
        .select_related("meeting__committee", "asked_by", "answer__answered_by", "answer__approver")
        .order_by("-meeting__date", "meeting__committee__name", "pk")
    )
    for question in questions:
        question.indicator = indicator
    return questions


def questions_panel(request: HttpRequest, indicator: Indicator) -> SafeString | None:
    if not may_read(request.user):
        return None
    rows = question_rows(request.user, indicator_questions(indicator))
    html = render_to_string(
        "questions/_indicator_questions.html", {"indicator": indicator, "rows": rows}, request=request
    )
    return mark_safe(html)  # noqa: S308 - the template escapes every value
