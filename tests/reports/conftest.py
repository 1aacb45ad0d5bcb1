"""Fixtures for committee papers: files in a temporary folder, text read back."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest

from demo.papers import load_demo_paper_settings
from indicators.models import Commentary, Committee, Indicator, Result
from reports.models import Paper, PaperStatus
from reports.snapshot import build_snapshot
from returns.models import PeriodStatus, ReportingPeriod
from returns.services import return_save

NOVEMBER_2019 = date(2019, 11, 1)
MEETING = date(2020, 1, 21)


@pytest.fixture(autouse=True)
def paper_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    return settings.MEDIA_ROOT


@pytest.fixture
def policy(demo) -> Committee:
    load_demo_paper_settings()
    return Committee.objects.get(slug="policy-and-resources")


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def docx_text(data: bytes) -> str:
    from docx import Document

    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return " ".join(" ".join(parts).split())


# Late data after a paper (tests/reports/test_addenda.py, test_addendum_views.py).

REASON = "Late correction from the supplier"


@pytest.fixture
def closed_november(demo):
    # The month has closed, as it has by the time a paper goes out: corrections need a reason.
    return ReportingPeriod.objects.create(period=NOVEMBER_2019, deadline=date(2019, 12, 10), status=PeriodStatus.CLOSED)


@pytest.fixture
def ready_paper(policy, clerk_user) -> Paper:
    """A ready paper with the snapshot a real one stores, and no files (nothing here reads them)."""
    snapshot = build_snapshot(
        committee=policy, settings=policy.paper_settings, period=NOVEMBER_2019, meeting_date=MEETING
    )
    return Paper.objects.create(
        committee=policy,
        period=NOVEMBER_2019,
        meeting_date=MEETING,
        version=1,
        status=PaperStatus.READY,
        requested_by=clerk_user,
        snapshot=snapshot,
        data_as_at=snapshot["data_as_at"],
    )


def correct(user, code: str, value: str, *, keep_approval: bool = True) -> None:
    """A figure corrected after the month closed, through the return's one write path.

    The performance team may edit and approve in one step; otherwise the edit sends the
    approved commentary back for approval, so it is no longer in the paper's words. A rate
    entered as a numerator and denominator stays one (its year to date sums them).
    """
    indicator = Indicator.objects.get(code=code)
    commentary = Commentary.objects.filter(indicator=indicator, period=NOVEMBER_2019).first()
    denominator = Result.objects.get(indicator=indicator, period=NOVEMBER_2019).denominator
    numerator = None if denominator is None else Decimal(value) * denominator / 100
    return_save(
        indicator=indicator,
        period=NOVEMBER_2019,
        user=user,
        value=None if denominator else Decimal(value),
        numerator=numerator,
        denominator=denominator,
        commentary=commentary.text if commentary else "",
        approve=keep_approval,
        reason=REASON,
    )
