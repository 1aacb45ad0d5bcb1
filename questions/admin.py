"""Read-only in the admin, with each record's history: questions and answers change only on their
pages, through `questions.services`, so the admin cannot skip the committee, owner or approval rules."""

from django.contrib import admin

from indicators.admin import ReadOnlyHistoryAdmin
from questions.models import Answer, Meeting, Question, ResponseSheet


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyHistoryAdmin):
    list_display = ["committee", "date", "period"]
    list_filter = ["committee"]


@admin.register(Question)
class QuestionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["meeting", "indicator", "asker", "created_at"]
    list_filter = ["meeting__committee"]


@admin.register(Answer)
class AnswerAdmin(ReadOnlyHistoryAdmin):
    list_display = ["question", "status", "answered_by", "approver"]
    list_filter = ["status"]


@admin.register(ResponseSheet)
class ResponseSheetAdmin(ReadOnlyHistoryAdmin):
    list_display = ["meeting", "version", "published_by", "published_at"]
