"""Committee papers: each committee's cover-report settings, and the papers
generated for it (one row per version, with its frozen snapshot and files)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from indicators.models import Committee
from indicators.periods import format_period, period_label


class PaperSettings(models.Model):
    """The words of a committee's cover report that come from people, not data.

    Text fields may use the placeholders {committee}, {directorate},
    {financial_year}, {period} and {report_number}; anything else in braces is
    printed as written.
    """

    committee = models.OneToOneField(Committee, on_delete=models.CASCADE, related_name="paper_settings")
    from_lines = models.TextField(
        "from",
        blank=True,
        help_text="Who the report is from: one person per paragraph (name, then title), separated by blank lines.",
    )
    subject = models.CharField(max_length=300, default="{directorate} Performance Dashboard")
    classification = models.CharField(max_length=100, default="Unrestricted")
    summary_intro = models.TextField(
        "summary introduction",
        default=(
            "The {directorate} Performance Dashboard shows progress made against targets set for "
            "Key Performance Indicators (KPIs)."
        ),
    )
    recommendation = models.TextField(
        default="The {committee} is asked to NOTE the performance position for {directorate}."
    )
    introduction = models.TextField(
        default=(
            "Part of the role of Cabinet Committees is to review the performance of the functions of the "
            "Council that fall within the remit of the Committee. To support this role Performance Dashboards "
            "are regularly reported to each Cabinet Committee throughout the year, and this is the "
            "{report_number} report for the {financial_year} financial year."
        ),
        help_text="Paragraph 1.1. {report_number} is counted from this committee's papers for the year.",
    )
    targets_note = models.CharField(
        max_length=300,
        blank=True,
        help_text="Optional sentence for paragraph 2.2, e.g. when the KPIs and targets came to the committee.",
    )
    author_name = models.CharField("report author", max_length=200, blank=True)
    author_title = models.CharField("author's job title", max_length=200, blank=True)
    author_team = models.CharField("author's team", max_length=200, blank=True)
    author_phone = models.CharField("author's phone", max_length=50, blank=True)
    author_email = models.EmailField("author's email", blank=True)
    director_name = models.CharField("relevant director", max_length=200, blank=True)
    director_title = models.CharField("director's job title", max_length=200, blank=True)
    director_phone = models.CharField("director's phone", max_length=50, blank=True)
    director_email = models.EmailField("director's email", blank=True)
    group_by_priority = models.BooleanField(
        "group the appendix's KPIs by council plan priority",
        default=False,
        help_text=(
            "The KPI table in Appendix 1 becomes one table per council plan priority (a KPI supporting several "
            "priorities is listed under each), then 'Other indicators' for KPIs under none."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])  # who changed the cover report's words, and when

    class Meta:
        verbose_name = "paper settings"
        verbose_name_plural = "paper settings"

    def __str__(self) -> str:
        return f"Paper settings for {self.committee}"


class PaperStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


def paper_upload_to(paper: Paper, filename: str) -> str:
    return (
        f"{settings.KPIDASH_PAPER_DIR}/{paper.committee.slug}/{format_period(paper.period)}/v{paper.version}/{filename}"
    )


class PaperQuerySet(models.QuerySet):
    def for_committee(self, committee: Committee) -> PaperQuerySet:
        return self.filter(committee=committee)

    def in_flight(self) -> PaperQuerySet:
        return self.filter(status__in=[PaperStatus.QUEUED, PaperStatus.RUNNING])


class DocumentJob(models.Model):
    """What every generated document's row holds for its lifecycle (reports.jobs).

    A concrete kind adds its own files (`pdf`, `docx`, each with `<field>_sha256`)
    and `file_stem()`, the name its files are saved under.
    """

    status = models.CharField(max_length=10, choices=PaperStatus.choices, default=PaperStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    failure_reason = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    data_as_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def in_flight(self) -> bool:
        return self.status in (PaperStatus.QUEUED, PaperStatus.RUNNING)

    @property
    def is_ready(self) -> bool:
        return self.status == PaperStatus.READY

    def file_stem(self) -> str:
        raise NotImplementedError


class Paper(DocumentJob):
    """One version of a committee's Performance Dashboard paper for a period."""

    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="papers")
    period = models.DateField(help_text="The month the paper reports up to (the first of the month).")
    meeting_date = models.DateField()
    version = models.PositiveIntegerField()
    snapshot = models.JSONField(null=True, blank=True, help_text="The data the paper was built from.")
    pdf = models.FileField(upload_to=paper_upload_to, max_length=300, blank=True)
    pdf_sha256 = models.CharField("PDF SHA-256", max_length=64, blank=True)
    docx = models.FileField(upload_to=paper_upload_to, max_length=300, blank=True)
    docx_sha256 = models.CharField("Word SHA-256", max_length=64, blank=True)

    objects = PaperQuerySet.as_manager()

    class Meta:
        ordering = ["committee__name", "-period", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "period", "version"], name="one_paper_version_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.committee} – {self.period_label} (version {self.version})"

    def get_absolute_url(self) -> str:
        return reverse("paper_detail", args=[self.pk])

    @property
    def period_label(self) -> str:
        return period_label(self.period)

    def file_stem(self) -> str:
        return f"{self.committee.slug}-performance-dashboard-{format_period(self.period)}-v{self.version}"


def addendum_upload_to(addendum: Addendum, filename: str) -> str:
    paper = addendum.paper
    folder = f"{settings.KPIDASH_PAPER_DIR}/{paper.committee.slug}/{format_period(paper.period)}/v{paper.version}"
    return f"{folder}/addendum-{addendum.number}/{filename}"


class Addendum(DocumentJob):
    """Late data for a ready paper: only what changed since the paper, old → new, for the meeting.

    Each addendum compares the paper's own snapshot with the data on the day it is
    generated, so the latest addendum lists every change and replaces earlier ones.
    """

    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="addenda")
    number = models.PositiveIntegerField()
    changes = models.JSONField(
        null=True, blank=True, help_text="What the addendum lists: the paper's figures, old → new."
    )
    pdf = models.FileField(upload_to=addendum_upload_to, max_length=300, blank=True)
    pdf_sha256 = models.CharField("PDF SHA-256", max_length=64, blank=True)
    docx = models.FileField(upload_to=addendum_upload_to, max_length=300, blank=True)
    docx_sha256 = models.CharField("Word SHA-256", max_length=64, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "addenda"
        ordering = ["paper", "-number"]
        constraints = [models.UniqueConstraint(fields=["paper", "number"], name="one_addendum_number_per_paper")]

    def __str__(self) -> str:
        return f"Addendum {self.number} to {self.paper}"

    def get_absolute_url(self) -> str:
        return reverse("paper_detail", args=[self.paper_id]) + f"#addendum-{self.number}"

    def file_stem(self) -> str:
        return f"{self.paper.file_stem()}-addendum-{self.number}"
