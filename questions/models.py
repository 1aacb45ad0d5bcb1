"""Members' questions on a committee paper's indicators, officers' answers and the response sheet.

A meeting is a committee's meeting on a date, about the paper reporting up to a
month; councillors' questions are on that committee's indicators; each question has
at most one answer, approved like commentary (draft → submitted → approved or
returned); a published response sheet is a numbered version with its PDF and Word
files and the words it printed.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from indicators.models import CommentaryStatus, Committee, Indicator
from indicators.periods import period_label
from indicators.validators import validate_no_control_characters
from indicators.wording import person_name


def day_label(day) -> str:
    """ "21 January 2020" (no leading zero, as the papers write dates)."""
    return f"{day.day} {day:%B %Y}"


class Meeting(models.Model):
    """A committee's meeting, and the month the paper before it reports up to."""

    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="meetings")
    date = models.DateField("meeting date")
    period = models.DateField("paper's month", help_text="The month the paper reports up to (the first of the month).")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "committee__name"]
        constraints = [models.UniqueConstraint(fields=["committee", "date"], name="one_meeting_per_committee_date")]

    def __str__(self) -> str:
        return f"{self.committee}, meeting {self.date_label}"

    def get_absolute_url(self) -> str:
        return reverse("meeting_detail", args=[self.committee.slug, self.date.isoformat()])

    @property
    def date_label(self) -> str:
        return day_label(self.date)

    @property
    def period_label(self) -> str:
        return period_label(self.period)


class Question(models.Model):
    """A councillor's question on one of the committee's indicators."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="questions")
    # As its commentary is: an indicator deleted takes its questions with it (their history stays).
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="members_questions")
    member_name = models.CharField(
        "member",
        max_length=200,
        blank=True,
        validators=[validate_no_control_characters],
        help_text="The councillor who asked, as the clerk records it (blank when they submitted it themselves).",
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The member who submitted it with their own account.",
    )
    text = models.TextField("question", validators=[validate_no_control_characters])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "pk"]

    def __str__(self) -> str:
        return f"{self.asker}'s question on {self.indicator.code}"

    @property
    def asker(self) -> str:
        if self.member_name:
            return self.member_name
        return person_name(self.asked_by) or "A member"


class Answer(models.Model):
    """An officer's answer to a question, approved by the performance team as commentary is."""

    question = models.OneToOneField(Question, on_delete=models.CASCADE, related_name="answer")
    text = models.TextField("answer", validators=[validate_no_control_characters])
    status = models.CharField(max_length=10, choices=CommentaryStatus.choices, default=CommentaryStatus.DRAFT)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    # PROTECT: an approved answer always names its approver (clean()), so who approved one is
    # deactivated, not deleted (deleting them is refused, naming the answers).
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField("reason for returning", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Answer to {self.question}"

    @property
    def is_approved(self) -> bool:
        return self.status == CommentaryStatus.APPROVED

    def clean(self) -> None:
        # As `questions.services` leaves every answer: approved with its approver and time, or neither.
        if self.is_approved and self.approver_id is None:
            raise ValidationError({"approver": "An approved answer names the performance team member who approved it."})
        if self.is_approved and self.approved_at is None:
            raise ValidationError({"approved_at": "An approved answer has the time it was approved."})
        if not self.is_approved and (self.approver_id is not None or self.approved_at is not None):
            raise ValidationError(
                {
                    "approver" if self.approver_id is not None else "approved_at": (
                        "Only an approved answer has an approver and an approval time; "
                        f"this one is {self.get_status_display().lower()}."
                    )
                }
            )


def sheet_upload_to(sheet: ResponseSheet, filename: str) -> str:
    meeting = sheet.meeting
    return (
        f"{settings.KPIDASH_PAPER_DIR}/questions/{meeting.committee.slug}/{meeting.date.isoformat()}/"
        f"v{sheet.version}/{filename}"
    )


class ResponseSheet(models.Model):
    """One published version of a meeting's response sheet: what it printed, and its files."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="sheets")
    version = models.PositiveIntegerField()
    content = models.JSONField(help_text="The questions and answers as the sheet printed them.")
    pdf = models.FileField(upload_to=sheet_upload_to, max_length=300)
    pdf_sha256 = models.CharField("PDF SHA-256", max_length=64)
    docx = models.FileField(upload_to=sheet_upload_to, max_length=300)
    docx_sha256 = models.CharField("Word SHA-256", max_length=64)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "-version"]
        constraints = [models.UniqueConstraint(fields=["meeting", "version"], name="one_sheet_version_per_meeting")]

    def __str__(self) -> str:
        return f"Response sheet for {self.meeting} (version {self.version})"

    def file_stem(self) -> str:
        meeting = self.meeting
        return f"{meeting.committee.slug}-members-questions-{meeting.date.isoformat()}-v{self.version}"
