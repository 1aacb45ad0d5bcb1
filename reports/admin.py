from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from indicators.admin import ReadOnlyHistoryAdmin
from reports.models import Addendum, Paper, PaperSettings


@admin.register(PaperSettings)
class PaperSettingsAdmin(SimpleHistoryAdmin):
    list_display = ["committee", "subject", "author_name", "director_name", "updated_at"]
    fieldsets = [
        (None, {"fields": ["committee", "from_lines", "subject", "classification"]}),
        (
            "Wording",
            {
                "fields": ["summary_intro", "recommendation", "introduction", "targets_note"],
                "description": "Placeholders: {committee}, {directorate}, {financial_year}, {period}, {report_number}.",
            },
        ),
        ("Report author", {"fields": ["author_name", "author_title", "author_team", "author_phone", "author_email"]}),
        ("Relevant director", {"fields": ["director_name", "director_title", "director_phone", "director_email"]}),
        ("Appendix", {"fields": ["group_by_priority"]}),
    ]


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ["committee", "period", "version", "status", "meeting_date", "requested_by", "created_at"]
    list_filter = ["status", "committee"]
    readonly_fields = [
        "committee",
        "period",
        "meeting_date",
        "version",
        "status",
        "progress",
        "failure_reason",
        "requested_by",
        "created_at",
        "started_at",
        "finished_at",
        "data_as_at",
        "pdf",
        "pdf_sha256",
        "docx",
        "docx_sha256",
        "snapshot",
    ]

    def has_add_permission(self, request):
        return False  # papers are generated, never typed in


@admin.register(Addendum)
class AddendumAdmin(ReadOnlyHistoryAdmin):
    """Addenda are generated from the paper's page, never typed in; what was sent to the meeting
    stays on record, and a revert would put back a queued row with no task behind it."""

    list_display = ["paper", "number", "status", "requested_by", "created_at"]
    list_filter = ["status", "paper__committee"]
    # Its own fields first, then the lifecycle's (DocumentJob), as the page always read.
    readonly_fields = ["id", "paper", "number"] + [
        field.name for field in Addendum._meta.fields if field.name not in ("id", "paper", "number")
    ]
