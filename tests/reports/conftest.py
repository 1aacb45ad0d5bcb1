"""Fixtures for committee papers: files in a temporary folder, text read back."""

from __future__ import annotations

import io
from datetime import date

import pytest

from demo.papers import load_demo_paper_settings
from indicators.models import Committee

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
