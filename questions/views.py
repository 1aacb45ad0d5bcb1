"""Members' questions: the meetings, a meeting's questions and answers, the response sheet.

Everyone with a kpidash role reads them (LoginRequiredMiddleware signs the
rest in); every change goes through `questions.services` (resolutions through
`plans.services`), which check who may make it (`questions.permissions`).
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from indicators.models import Indicator
from plans.models import Action
from plans.permissions import may_record_resolution
from plans.services import ActionError, ActionLocked, action_from_resolution
from questions.forms import AnswerForm, MeetingForm, QuestionForm, ResolutionForm, ReturnForm
from questions.models import Meeting, Question, ResponseSheet
from questions.permissions import (
    answer_lock_reason,
    ask_lock_reason,
    decide_lock_reason,
    may_read,
    may_read_drafts,
    may_record,
    may_submit_own,
    question_rows,
)
from questions.services import (
    QuestionError,
    QuestionLocked,
    answer_approve,
    answer_save,
    answer_send_back,
    meeting_open,
    question_add,
)
from questions.sheet import meeting_questions, sheet_publish
from reports.jobs import CONTENT_TYPES
from reports.models import Paper, PaperStatus

# --- access helpers -----------------------------------------------------------------


def _require_reader(user) -> None:
    if not may_read(user):
        raise PermissionDenied("Members' questions are for people with a kpidash role.")


def _meeting(request, slug: str, day: str) -> Meeting:
    _require_reader(request.user)
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise Http404(f"‘{day}’ is not a date: meetings are addressed as YYYY-MM-DD.") from None
    return get_object_or_404(Meeting.objects.select_related("committee"), committee__slug=slug, date=when)


def _question(request, pk: int) -> Question:
    _require_reader(request.user)
    return get_object_or_404(
        Question.objects.select_related(
            "meeting__committee", "indicator", "asked_by", "answer__answered_by"
        ).prefetch_related("indicator__owners"),
        pk=pk,
    )


def _refused(exc: QuestionError | ActionError) -> None:
    if isinstance(exc, QuestionLocked | ActionLocked):
        raise PermissionDenied(str(exc)) from None


# --- meetings -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def meeting_list(request):
    _require_reader(request.user)
    form = MeetingForm(request.POST or None)
    if request.method == "POST":
        if not may_record(request.user):
            raise PermissionDenied("Only committee clerks and the performance team open a meeting's questions.")
        if form.is_valid():
            try:
                meeting = meeting_open(user=request.user, **form.cleaned_data)
            except QuestionError as exc:
                form.add_service_errors(exc)
            else:
                return redirect(meeting)
    meetings = Meeting.objects.select_related("committee").annotate(asked=Count("questions"))
    context = {"meetings": meetings, "form": form, "may_record": may_record(request.user), "nav_active": "questions"}
    return render(request, "questions/meeting_list.html", context, status=400 if form.errors else 200)


def _render_meeting(request, meeting: Meeting, ask_form: QuestionForm | None = None, status: int = 200):
    user = request.user
    indicators = Indicator.objects.active().for_committee(meeting.committee)
    if ask_form is None and ask_lock_reason(user) is None:
        ask_form = QuestionForm(indicators=indicators, own=may_submit_own(user))
    context = {
        "meeting": meeting,
        "rows": question_rows(user, meeting_questions(meeting)),
        "ask_form": ask_form,
        "ask_lock": ask_lock_reason(user),
        "own": may_submit_own(user),
        "may_record": may_record(user),
        "may_resolve": may_record_resolution(user),
        "sheets": meeting.sheets.select_related("published_by"),
        "paper": Paper.objects.filter(committee=meeting.committee, period=meeting.period, status=PaperStatus.READY)
        .order_by("-version")
        .first(),
        "resolutions": Action.objects.filter(source_committee=meeting.committee, source_meeting=meeting.date)
        .select_related("owner")
        .prefetch_related("indicators"),
        "nav_active": "questions",
    }
    return render(request, "questions/meeting_detail.html", context, status=status)


@require_GET
def meeting_detail(request, slug: str, day: str):
    return _render_meeting(request, _meeting(request, slug, day))


@require_POST
def question_new(request, slug: str, day: str):
    meeting = _meeting(request, slug, day)
    if reason := ask_lock_reason(request.user):
        raise PermissionDenied(reason)
    indicators = Indicator.objects.active().for_committee(meeting.committee)
    form = QuestionForm(request.POST, indicators=indicators, own=may_submit_own(request.user))
    if form.is_valid():
        try:
            question_add(user=request.user, meeting=meeting, **form.cleaned_data)
        except QuestionError as exc:
            _refused(exc)
            form.add_service_errors(exc)
        else:
            messages.success(request, "Question added.")
            return redirect(meeting)
    return _render_meeting(request, meeting, form, status=400)


@require_POST
def sheet_new(request, slug: str, day: str):
    meeting = _meeting(request, slug, day)
    try:
        sheet = sheet_publish(user=request.user, meeting=meeting)
    except QuestionError as exc:
        _refused(exc)
        messages.error(request, str(exc))
    else:
        to_follow = sheet.content["to_follow"]
        note = f" {to_follow} answer{'s' if to_follow != 1 else ''} to follow." if to_follow else ""
        messages.success(request, f"Response sheet version {sheet.version} published.{note}")
    return redirect(meeting)


@require_GET
def sheet_download(request, slug: str, day: str, version: int, fmt: str):
    meeting = _meeting(request, slug, day)
    sheet = get_object_or_404(
        ResponseSheet.objects.select_related("meeting__committee"), meeting=meeting, version=version
    )
    if fmt not in CONTENT_TYPES:
        raise Http404("The response sheet comes as PDF or Word (docx).")
    file = getattr(sheet, fmt)
    return FileResponse(
        file.open("rb"), as_attachment=True, filename=f"{sheet.file_stem()}.{fmt}", content_type=CONTENT_TYPES[fmt]
    )


@require_http_methods(["GET", "POST"])
def resolution_new(request, slug: str, day: str):
    meeting = _meeting(request, slug, day)
    if not may_record_resolution(request.user):
        raise PermissionDenied("Only committee clerks and the performance team record committee resolutions.")
    indicators = Indicator.objects.active().for_committee(meeting.committee)
    form = ResolutionForm(request.POST or None, indicators=indicators)
    if request.method == "POST" and form.is_valid():
        try:
            action = action_from_resolution(
                user=request.user, committee=meeting.committee, meeting_date=meeting.date, **form.cleaned_data
            )
        except ActionError as exc:
            _refused(exc)
            form.add_service_errors(exc)
        else:
            messages.success(request, f"Resolution recorded as an action: {action.title}.")
            return redirect(meeting)
    context = {"meeting": meeting, "form": form, "nav_active": "questions"}
    return render(request, "questions/resolution_form.html", context, status=400 if form.errors else 200)


# --- one question -------------------------------------------------------------------


def _render_question(request, question: Question, form=None, return_form=None, status: int = 200):
    answer = getattr(question, "answer", None)
    lock = answer_lock_reason(request.user, question, answer)
    decide_lock = decide_lock_reason(request.user, answer)
    if form is None and lock is None:
        form = AnswerForm(initial={"text": answer.text if answer else ""})
    shown = answer is not None and (answer.is_approved or lock is None or decide_lock is None)
    context = {
        "question": question,
        "meeting": question.meeting,
        "answer": answer,
        "shown": shown,
        "form": form,
        "lock": lock,
        "may_decide": decide_lock is None,
        "return_form": return_form or ReturnForm(),
        "history": answer.history.select_related("history_user").order_by("-history_date")[:50]
        if answer is not None and shown and may_read_drafts(request.user, question)
        else [],
        "nav_active": "questions",
    }
    return render(request, "questions/question_detail.html", context, status=status)


@require_http_methods(["GET", "POST"])
def question_detail(request, pk: int):
    question = _question(request, pk)
    if request.method == "GET":
        return _render_question(request, question)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            answer_save(
                user=request.user, question=question, text=form.cleaned_data["text"], submit="submit" in request.POST
            )
        except QuestionError as exc:
            _refused(exc)
            form.add_service_errors(exc)
        else:
            messages.success(request, "Answer submitted for approval." if "submit" in request.POST else "Answer saved.")
            return redirect(question.meeting)
    return _render_question(request, question, form=form, status=400)


@require_POST
def answer_approve_view(request, pk: int):
    question = _question(request, pk)
    try:
        answer_approve(user=request.user, question=question)
    except QuestionError as exc:
        _refused(exc)
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Answer on {question.indicator.code} approved.")
    return redirect(question.meeting)


@require_POST
def answer_return_view(request, pk: int):
    question = _question(request, pk)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            answer_send_back(user=request.user, question=question, reason=form.cleaned_data["reason"])
        except QuestionError as exc:
            _refused(exc)
            form.add_service_errors(exc)
        else:
            messages.success(request, f"Answer on {question.indicator.code} returned.")
            return redirect(question.meeting)
    return _render_question(request, question, return_form=form, status=400)
