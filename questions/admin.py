"""Read-only in the admin, with each record's history: questions and answers change only on their
pages, through `questions.services`, so the admin cannot skip the committee, owner or approval rules."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from questions.models import Answer, Meeting, Question, ResponseSheet


class _ReadOnly(SimpleHistoryAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Meeting)
class MeetingAdmin(_ReadOnly):
    list_display = ["committee", "date", "period"]
    list_filter = ["committee"]


@admin.register(Question)
class QuestionAdmin(_ReadOnly):
    list_display = ["meeting", "indicator", "asker", "created_at"]
    list_filter = ["meeting__committee"]


@admin.register(Answer)
class AnswerAdmin(_ReadOnly):
    list_display = ["question", "status", "answered_by", "approver"]
    list_filter = ["status"]


@admin.register(ResponseSheet)
class ResponseSheetAdmin(_ReadOnly):
    list_display = ["meeting", "version", "published_by", "published_at"]
