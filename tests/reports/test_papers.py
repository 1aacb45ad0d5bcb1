"""Generating committee papers: the demo paper's words, versions, snapshots, failures."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import override_settings

from accounts.roles import COMMITTEE_CLERK
from demo.data import load_demo
from demo.papers import load_demo_paper_settings
from indicators.models import Commentary, CommentaryStatus, Committee, Indicator, Result
from reports.models import Paper, PaperStatus
from reports.services import PaperError, paper_generate, paper_readiness, paper_request, paper_retry, render_paper_files
from tests.conftest import make_user
from tests.demo_copy import load_demo_copy
from tests.hanging import hanging_listener
from tests.reports.conftest import MEETING, NOVEMBER_2019, docx_text, pdf_text

SEED_SENTENCE = (
    "21 of the 25 KPIs achieved target and were RAG rated Green, 3 were below target but did achieve the floor "
    "standard (Amber) and 1 did not achieve the floor standard (Red)."
)
RED_NAMED = "The Red indicator is the positive feedback rating with the ICT help desk."


def _generate(committee, user=None) -> Paper:
    paper = paper_request(committee=committee, period=NOVEMBER_2019, meeting_date=MEETING, user=user, enqueue=False)
    return paper_generate(paper_id=paper.pk)


def _read(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


@pytest.fixture
def demo_paper(policy, clerk_user) -> Paper:
    return _generate(policy, clerk_user)


@dataclass(frozen=True)
class PaperFiles:
    """What a generated paper left behind: its outcome, its two files and their recorded checksums."""

    status: str
    failure_reason: str
    pdf: bytes
    docx: bytes
    pdf_sha256: str
    docx_sha256: str


@pytest.fixture(scope="module")
def demo_paper_files(django_db_setup, django_db_blocker, tmp_path_factory) -> PaperFiles:
    """The demo paper generated once for the tests that only read its files.

    Generating takes seconds (charts, WeasyPrint, Word). The rows it needed are
    rolled back and its files live in a folder of their own, so no test sees them.
    """
    fast_hashing = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    media = tmp_path_factory.mktemp("demo-paper-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=fast_hashing):
        with transaction.atomic():
            load_demo_copy(lambda: load_demo(open_december=False))
            load_demo_paper_settings()
            policy = Committee.objects.get(slug="policy-and-resources")
            paper = _generate(policy, make_user("test-clerk", COMMITTEE_CLERK))
            files = PaperFiles(
                status=paper.status,
                failure_reason=paper.failure_reason,
                pdf=_read(paper.pdf) if paper.pdf else b"",
                docx=_read(paper.docx) if paper.docx else b"",
                pdf_sha256=paper.pdf_sha256,
                docx_sha256=paper.docx_sha256,
            )
            transaction.set_rollback(True)
    return files


def test_demo_pdf_says_the_seed_counts_and_names_the_ict_help_desk_as_red(demo_paper_files):
    assert demo_paper_files.status == PaperStatus.READY, demo_paper_files.failure_reason
    text = pdf_text(demo_paper_files.pdf)
    assert SEED_SENTENCE in text
    assert RED_NAMED in text
    assert "The positive feedback rating with the ICT help desk was the KPI RAG rated Red." in text
    assert "To: Policy and Resources Cabinet Committee – 21 January 2020" in text
    assert "Appendix 1 – Performance Dashboard" in text
    assert "Report Author: Rachel Kennard" in text
    assert "Page 1 of" in text


def test_demo_pdf_has_a_chart_for_every_indicator_and_an_xmr_chart_for_every_kpi(demo_paper_files):
    from pypdf import PdfReader

    charts = set()
    for page in PdfReader(io.BytesIO(demo_paper_files.pdf)).pages:
        for reference in (page["/Resources"].get("/XObject") or {}).values():
            if reference.get_object().get("/Subtype") == "/Image":
                charts.add(reference.idnum)
    assert len(charts) == 35 + 25


def test_demo_docx_says_the_same_with_real_headings_tables_and_charts(demo_paper_files):
    from docx import Document

    data = demo_paper_files.docx
    text = docx_text(data)
    assert SEED_SENTENCE in text
    assert RED_NAMED in text
    document = Document(io.BytesIO(data))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "2. Performance Dashboard" in headings and "Guidance Notes" in headings
    assert "ICT02 – Positive feedback rating with the ICT help desk" in headings
    kpi_table = next(t for t in document.tables if t.rows[0].cells[0].text == "Ref" and len(t.columns) == 14)
    assert len(kpi_table.rows) == 26
    assert len(document.inline_shapes) == 35 + 25  # a chart per indicator, an XmR chart per KPI


SPC_SENTENCE = (  # the dashboard's line for November 2019 (tests/indicators/test_dashboard_spc.py), naming the concerns
    "Of the 25 KPIs, 2 show special cause concern (the positive feedback rating with the ICT help desk and the "
    "staff sickness absence: average days lost per full-time equivalent), 2 show special cause improvement and "
    "1 shows a special cause neither better nor worse; 1 will consistently fail its target unless something "
    "changes. 3 have too few values for SPC."
)


def _kpi_cells(document, code: str) -> list[str]:
    kpi_table = next(t for t in document.tables if t.rows[0].cells[0].text == "Ref" and len(t.columns) == 14)
    row = next(row for row in kpi_table.rows if row.cells[0].text == code)
    return [cell.text for cell in row.cells]


def test_demo_paper_says_in_both_formats_which_kpis_show_special_cause(demo_paper_files):
    assert SPC_SENTENCE in pdf_text(demo_paper_files.pdf)
    assert SPC_SENTENCE in docx_text(demo_paper_files.docx)


def test_demo_kpi_table_gives_each_icon_as_a_letter_and_words_in_both_formats(demo_paper_files):
    from docx import Document

    document = Document(io.BytesIO(demo_paper_files.docx))
    assert _kpi_cells(document, "ICT02")[-2:] == ["L Concern (low)", "? Hit and miss"]
    assert _kpi_cells(document, "HR02")[-2:] == ["H Concern (high)", "? Hit and miss"]
    assert _kpi_cells(document, "FN04")[-2:] == ["L Improvement (low)", "? Hit and miss"]
    assert _kpi_cells(document, "FN02")[-2:] == ["~ Common cause", "F Consistently fails"]
    assert _kpi_cells(document, "HR04")[-2:] == ["L Special cause (low)", "–"]
    assert _kpi_cells(document, "HR03")[-2:] == ["Not enough data", "–"]  # quarterly: 6 values
    # The icon's ring takes the NHS colour, but the letter and words say it without colour.
    assert 'w:color="ED8B00"' in document.tables[0]._element.getparent().xml
    text = pdf_text(demo_paper_files.pdf)
    assert "DoT Variation Assurance" in text
    assert "93.1% Worsened L Concern (low) ? Hit and miss" in text  # ICT02's row
    assert "~ Common cause F Consistently fails" in text  # FN02's
    assert "Improved Not enough data –" in text  # HR03's, quarterly
    assert "Special cause concern (lower)" in text  # the full label, in ICT02's figures


def test_demo_kpi_sections_describe_their_xmr_chart_in_the_alt_text(demo_paper_files):
    from docx import Document
    from docx.oxml.ns import qn

    document = Document(io.BytesIO(demo_paper_files.docx))
    descriptions = [e.get("descr") for e in document.element.body.iter(qn("wp:docPr"))]
    xmr = [d for d in descriptions if "Variation:" in d or "Not enough data" in d]
    assert len(xmr) == 25
    assert any("Variation: Special cause concern (lower)." in d and "Target 95.0%." in d for d in xmr)
    assert "Statistical process control (XmR) chart" in pdf_text(demo_paper_files.pdf)


def test_files_match_their_recorded_checksums(demo_paper_files):
    assert hashlib.sha256(demo_paper_files.pdf).hexdigest() == demo_paper_files.pdf_sha256
    assert hashlib.sha256(demo_paper_files.docx).hexdigest() == demo_paper_files.docx_sha256


@pytest.mark.skipif(
    not shutil.which("libreoffice") and not os.environ.get("CI") and not os.environ.get("KPIDASH_REQUIRE_BROWSER"),
    reason="LibreOffice is not installed",
)
def test_libreoffice_opens_the_word_version(demo_paper_files, tmp_path):
    source = tmp_path / "paper.docx"
    source.write_bytes(demo_paper_files.docx)
    completed = subprocess.run(
        [
            "libreoffice",
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path / "out"),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert completed.returncode == 0, completed.stderr
    converted = tmp_path / "out" / "paper.pdf"
    assert SEED_SENTENCE in pdf_text(converted.read_bytes())


def test_a_paper_shows_what_it_showed_the_day_it_was_made(demo_paper):
    ict02 = Indicator.objects.get(code="ICT02")
    Result.objects.filter(indicator=ict02, period=NOVEMBER_2019).update(value=Decimal("99"))
    Indicator.objects.filter(code="ICT02").update(name="Renamed indicator")
    demo_paper.refresh_from_db()
    pdf, docx = render_paper_files(demo_paper.snapshot)
    assert RED_NAMED in pdf_text(pdf)
    assert RED_NAMED in docx_text(docx)
    assert "Renamed indicator" not in pdf_text(pdf)
    assert SPC_SENTENCE in pdf_text(pdf) and SPC_SENTENCE in docx_text(docx)  # 99 would be no outlier


def test_a_paper_made_before_spc_still_renders_without_icons(demo_paper):
    snapshot = {**demo_paper.snapshot, "schema": 1}
    snapshot["kpis"] = [{k: v for k, v in item.items() if k != "spc"} for item in snapshot["kpis"]]
    snapshot["guidance"] = {k: v for k, v in snapshot["guidance"].items() if k != "spc"}
    pdf, docx = render_paper_files(snapshot)
    assert RED_NAMED in docx_text(docx)
    assert "special cause" not in docx_text(docx) and "Concern (low)" not in docx_text(docx)


def test_regenerating_makes_version_two_and_keeps_version_one(demo_paper, policy, clerk_user):
    result = Result.objects.get(indicator__code="ICT02", period=NOVEMBER_2019)
    result.value = Decimal("99")
    result.save()
    second = _generate(policy, clerk_user)
    assert (demo_paper.version, second.version) == (1, 2)
    assert "All 25 KPIs" not in pdf_text(_read(second.pdf))  # 3 Amber remain
    assert "22 of the 25 KPIs achieved target" in pdf_text(_read(second.pdf))
    assert SEED_SENTENCE in pdf_text(_read(demo_paper.pdf))
    assert demo_paper.pdf.name != second.pdf.name


def test_request_enqueues_only_after_commit(policy, clerk_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        paper = paper_request(committee=policy, period=NOVEMBER_2019, meeting_date=MEETING, user=clerk_user)
    assert paper.status == PaperStatus.QUEUED and paper.version == 1
    assert len(callbacks) == 1


def test_a_double_click_returns_the_paper_already_queued(policy, clerk_user):
    first = paper_request(committee=policy, period=NOVEMBER_2019, meeting_date=MEETING, user=clerk_user)
    second = paper_request(committee=policy, period=NOVEMBER_2019, meeting_date=MEETING, user=clerk_user)
    assert first.pk == second.pk
    assert Paper.objects.count() == 1


def test_generating_twice_builds_one_paper(demo_paper):
    assert paper_generate(paper_id=demo_paper.pk) is None
    demo_paper.refresh_from_db()
    assert demo_paper.status == PaperStatus.READY and demo_paper.version == 1
    assert Paper.objects.count() == 1


def test_a_rendering_failure_leaves_a_reason_and_retry_builds_it(policy, clerk_user, paper_media):
    paper_media.mkdir(parents=True)
    (paper_media / "papers").write_text("a file where the papers folder should be")
    failed = _generate(policy, clerk_user)
    assert failed.status == PaperStatus.FAILED
    assert "could not be generated" in failed.failure_reason and "papers" in failed.failure_reason
    (paper_media / "papers").unlink()
    retried = paper_retry(paper=failed, user=clerk_user)
    assert retried.status == PaperStatus.QUEUED and retried.version == 1
    ready = paper_generate(paper_id=failed.pk)
    assert ready.status == PaperStatus.READY and SEED_SENTENCE in pdf_text(_read(ready.pdf))


def test_only_a_failed_paper_can_be_retried(demo_paper, clerk_user):
    with pytest.raises(PaperError, match="Only a paper that failed"):
        paper_retry(paper=demo_paper, user=clerk_user)


def test_readiness_lists_missing_figures_and_unapproved_commentary(policy):
    Result.objects.filter(indicator__code="FN03", period=NOVEMBER_2019).delete()
    Commentary.objects.filter(indicator__code="ICT02").update(status=CommentaryStatus.SUBMITTED)
    gaps = paper_readiness(committee=policy, period=NOVEMBER_2019)
    assert any(gap.startswith("FN03") and "no figure for November 2019" in gap for gap in gaps)
    assert any(gap.startswith("ICT02") and "submitted, not approved" in gap for gap in gaps)
    assert any(gap.startswith("ICT02") and "is Red and has no approved commentary" in gap for gap in gaps)


def test_paper_with_gaps_shows_them_honestly(policy, clerk_user):
    Commentary.objects.filter(indicator__code="ICT02").update(status=CommentaryStatus.SUBMITTED)
    Result.objects.filter(indicator__code="CS03").delete()
    paper = _generate(policy, clerk_user)
    text = pdf_text(_read(paper.pdf))
    assert "commentary is to be supplied" in text
    assert "Cantium" not in text  # unapproved commentary never appears
    assert "Data to be supplied" in text
    assert "Data to be supplied" in docx_text(_read(paper.docx))


def test_html_long_and_non_ascii_commentary_render_safely_in_both_formats(policy, clerk_user):
    text = (
        "<script>alert('x')</script> <b>Diolch</b> – ŵŷ Llanfairpwllgwyngyll 🎉 & co. "
        + "Ychydig o eiriau hir iawn " * 800
        + "Supercalifragilistic" * 40
        + " \x0b end."
    )
    Commentary.objects.filter(indicator__code="ICT02").update(text=text)
    paper = _generate(policy, clerk_user)
    assert paper.status == PaperStatus.READY, paper.failure_reason
    pdf, docx = pdf_text(_read(paper.pdf)), docx_text(_read(paper.docx))
    for rendered in (pdf, docx):
        assert "<script>alert('x')</script> <b>Diolch</b> – ŵŷ Llanfairpwllgwyngyll" in rendered
        assert "🎉" in rendered


def test_the_pdf_renderer_fetches_nothing_but_data_and_static_files(settings):
    from reports.pdf import StaticOnlyFetcher

    fetcher = StaticOnlyFetcher()
    for url in ("file:///etc/passwd", "http://127.0.0.1/", "https://example.org/x.png", "ftp://example.org/x"):
        with pytest.raises(ValueError, match="Refused|disallowed"):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"


def test_a_document_naming_a_server_that_never_answers_renders_at_once_without_connecting_to_it(settings):
    """Commentary or a template that named an external image, style sheet or font cannot hold the worker."""
    from reports.pdf import html_to_pdf

    with hanging_listener() as hung:
        url = f"http://{hung.url}"
        html = (
            f'<html><head><link rel="stylesheet" href="{url}/print.css">'
            f"<style>@import url({url}/more.css); @font-face {{ font-family: x; src: url({url}/x.woff) }}</style>"
            f'</head><body><p>Paper</p><img src="{url}/logo.png"><img src="https://{hung.url}/chart.png"></body></html>'
        )
        start = time.monotonic()
        pdf = html_to_pdf(html)
        assert time.monotonic() - start < 5
        time.sleep(0.2)  # a connection the renderer had made would have been accepted by now
        assert hung.accepted == []
    assert pdf.startswith(b"%PDF")


def test_the_pdf_renderer_reads_the_papers_own_charts_from_memory_and_no_other(settings):
    from reports.pdf import CHART_SCHEME, StaticOnlyFetcher

    fetcher = StaticOnlyFetcher({f"{CHART_SCHEME}0": b"\x89PNG chart"})
    response = fetcher.fetch(f"{CHART_SCHEME}0")
    assert response.read() == b"\x89PNG chart"
    assert response.headers.get_content_type() == "image/png"
    with pytest.raises(ValueError, match="no such chart"):
        fetcher.fetch(f"{CHART_SCHEME}1")


def _running(committee, started_seconds_ago: int) -> Paper:
    from datetime import timedelta

    from django.utils import timezone

    return Paper.objects.create(
        committee=committee,
        period=NOVEMBER_2019,
        meeting_date=MEETING,
        version=1,
        status=PaperStatus.RUNNING,
        started_at=timezone.now() - timedelta(seconds=started_seconds_ago),
    )


def test_a_redelivered_message_for_a_paper_being_built_looks_again_after_the_hard_limit(policy, monkeypatch, settings):
    from reports.tasks import paper_generate_task

    paper = _running(policy, started_seconds_ago=5)
    retries = []

    def fake_retry(**kwargs):
        retries.append(kwargs)
        return RuntimeError("retry")

    monkeypatch.setattr(paper_generate_task, "retry", fake_retry)
    with pytest.raises(RuntimeError, match="retry"):
        paper_generate_task.run(paper.pk)
    assert retries == [{"countdown": settings.KPIDASH_PAPER_TIME_LIMIT + 5}]
    assert Paper.objects.get(pk=paper.pk).status == PaperStatus.RUNNING


def test_a_paper_abandoned_by_a_killed_worker_can_be_claimed_again(policy, settings):
    from reports.jobs import claim
    from reports.services import PAPER_JOB

    fresh = _running(policy, started_seconds_ago=5)
    assert not claim(PAPER_JOB, fresh.pk)
    Paper.objects.filter(pk=fresh.pk).delete()
    abandoned = _running(policy, started_seconds_ago=settings.KPIDASH_PAPER_TIME_LIMIT + 1)
    assert claim(PAPER_JOB, abandoned.pk)


def test_a_data_only_kpi_is_counted_as_for_information_not_as_missing(demo):
    from indicators.models import Committee
    from reports.services import paper_settings_for
    from reports.snapshot import build_snapshot

    committee = Committee.objects.get(slug="environment-and-transport")
    snapshot = build_snapshot(
        committee=committee, settings=paper_settings_for(committee), period=NOVEMBER_2019, meeting_date=MEETING
    )
    assert snapshot["counts"]["information"] == 1  # GT07, bus passenger journeys, is data only
    assert snapshot["counts"]["unrated"] == 0


def test_the_snapshot_reads_every_kpis_spc_history_in_the_same_queries_however_many(policy):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from indicators.periods import add_months
    from reports.snapshot import spc_charts

    def queries() -> tuple[int, dict]:
        indicators = list(Indicator.objects.for_committee(policy))
        with CaptureQueriesContext(connection) as captured:
            charts = spc_charts(indicators, NOVEMBER_2019)
        return len(captured), charts

    small, charts = queries()
    assert charts[Indicator.objects.get(code="ICT02").pk].result.variation.value == "concern_low"
    directorate = Indicator.objects.get(code="ICT02").directorate
    extra = Indicator.objects.bulk_create(
        Indicator(code=f"ZZ{i:02d}", name=f"Extra {i}", directorate=directorate) for i in range(20)
    )
    Result.objects.bulk_create(
        Result(indicator=indicator, period=add_months(NOVEMBER_2019, -m), value=Decimal(90 + m % 5))
        for indicator in extra
        for m in range(60)
    )
    large, charts = queries()
    assert large == small == 3
    assert len(charts) == 35 + 20 and all(charts[i.pk].result.variation.value for i in extra)
