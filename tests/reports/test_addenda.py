"""Late data after a paper: the changes its page lists, and the addendum (PDF and Word) that says them."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.models import Commentary, Result, Threshold
from reports.addenda import addendum_generate, addendum_request, fresh_snapshot, paper_changes
from reports.models import Addendum, Paper, PaperStatus
from reports.services import PaperError, paper_generate, paper_request
from tests.reports.conftest import MEETING, NOVEMBER_2019, correct, docx_text, pdf_text


def _read(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


def _generate_addendum(paper: Paper, user) -> Addendum:
    addendum = addendum_request(paper=paper, user=user, enqueue=False)
    return addendum_generate(addendum_id=addendum.pk)


def _kpi_cells(docx: bytes, code: str) -> list[str]:
    from docx import Document

    document = Document(io.BytesIO(docx))
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "Ref" and len(t.columns) == 14)
    return [cell.text for cell in next(row for row in table.rows if row.cells[0].text == code).cells]


def test_ict02_corrected_after_the_paper_shows_on_its_page_and_in_its_addendum_in_both_formats(
    client, policy, clerk_user, performance_user, closed_november
):
    request = paper_request(committee=policy, period=NOVEMBER_2019, meeting_date=MEETING, user=clerk_user)
    paper = paper_generate(paper_id=request.pk)
    assert _kpi_cells(_read(paper.docx), "ICT02")[4:8] == ["88.6%", "Red", "95.4%", "Green"]  # what the paper says
    page = paper.get_absolute_url()
    client.force_login(clerk_user)
    assert "No figure or approved commentary in this paper has changed" in client.get(page).content.decode()

    correct(performance_user, "ICT02", "96.0")

    html = client.get(page).content.decode()
    assert "1 figure changed since this paper was generated." in html
    assert "ICT02 Positive feedback rating with the ICT help desk" in html and "Red → Green" in html
    assert "Generate addendum 1" in html
    response = client.post(reverse("addendum_new", args=[paper.pk]))
    addendum = Addendum.objects.get()
    assert response.status_code == 302 and response["Location"] == addendum.get_absolute_url()
    assert (addendum.number, addendum.status, addendum.requested_by) == (1, PaperStatus.QUEUED, clerk_user)
    addendum = addendum_generate(addendum_id=addendum.pk)
    assert addendum.status == PaperStatus.READY, addendum.failure_reason

    # What the dashboard shows now for November 2019 (its CSV download: the page's rows).
    rows = csv.DictReader(io.StringIO(client.get(f"/committees/{policy.slug}/2019-11/dashboard.csv").content.decode()))
    ict02 = next(row for row in rows if row["ref"] == "ICT02")
    assert (ict02["latest_value"], ict02["month_rag"], ict02["ytd_value"]) == ("96.0", "green", "96.2")

    title = "Addendum 1 to the Strategic and Corporate Services Performance Dashboard, November 2019 (version 1)"
    for text in (pdf_text(_read(addendum.pdf)), docx_text(_read(addendum.docx))):
        assert title in text
        assert "To: Policy and Resources Cabinet Committee – 21 January 2020" in text
        assert "1 figure changed since version 1 of the paper was generated." in text
        assert "ICT02 Positive feedback rating with the ICT help desk November 2019 88.6% 96.0% Red Green" in text
        assert "Latest value 88.6% 96.0%" in text and "Month RAG Red Green" in text
        assert "YTD value 95.4% 96.2%" in text
        assert "Commentary" not in text.replace("commentary as version", "")  # only what changed
        for other in ("FN01", "HR02", "ICT01"):
            assert other not in text
    html = client.get(page).content.decode()
    assert "Addendum 1 lists every one of these changes." in html and "Generate addendum" not in html
    assert reverse("addendum_download", args=[paper.pk, 1, "pdf"]) in html


def test_withdrawn_commentary_and_a_moved_threshold_are_changes_but_a_target_alone_is_not(
    policy, ready_paper, clerk_user, performance_user, closed_november
):
    correct(performance_user, "ICT02", "96.0", keep_approval=False)  # the edit sends its commentary back
    amber = next(item for item in ready_paper.snapshot["kpis"] if item["rag"] == "amber" and item["polarity"] != "T")
    threshold = Threshold.objects.get(indicator__code=amber["code"], financial_year=2019)
    threshold.target = threshold.floor  # now achieved: Green
    threshold.save()
    green = next(item for item in ready_paper.snapshot["kpis"] if item["rag"] == "green" and item["polarity"] == "H")
    threshold = Threshold.objects.get(indicator__code=green["code"], financial_year=2019)
    threshold.target = Decimal(green["value"])  # moved up to the value itself: still achieved, still Green
    threshold.save()
    changes = paper_changes(ready_paper)
    assert [figure["code"] for figure in changes["figures"]] == sorted(
        ["ICT02", amber["code"]], key=[item["code"] for item in ready_paper.snapshot["kpis"]].index
    )
    moved = next(figure for figure in changes["figures"] if figure["code"] == amber["code"])
    assert (moved["old_rag"], moved["new_rag"]) == ("Amber", "Green")
    assert ["Target", amber["target_text"], amber["floor_text"]] in moved["fields"]
    [note] = changes["commentary"]
    assert (note["code"], note["kind"]) == ("ICT02", "withdrawn")
    fresh = next(item for item in fresh_snapshot(ready_paper)["kpis"] if item["code"] == green["code"])
    assert fresh["target_text"] != green["target_text"] and fresh["rag"] == "green"  # it did move

    addendum = _generate_addendum(ready_paper, clerk_user)
    text = docx_text(_read(addendum.docx))
    assert "2 figures and the approved commentary of 1 indicator changed since version 1 of the paper" in text
    assert "Withdrawn (no longer approved)" in text
    assert "In the paper: The positive feedback rating has been affected" in text
    assert "Now: Commentary to be supplied." in text
    assert green["code"] not in text


def test_approved_commentary_edited_in_the_admin_is_a_change(ready_paper):
    Commentary.objects.filter(indicator__code="ICT02", period=NOVEMBER_2019).update(text="Spares are now held.")
    [note] = paper_changes(ready_paper)["commentary"]
    assert (note["kind"], note["new"]) == ("edited", "Spares are now held.")


def test_an_addendum_with_nothing_changed_is_refused_and_writes_nothing(client, ready_paper, clerk_user):
    with pytest.raises(PaperError, match="Nothing has changed since version 1 of the paper was generated"):
        addendum_request(paper=ready_paper, user=clerk_user)
    client.force_login(clerk_user)
    response = client.post(reverse("addendum_new", args=[ready_paper.pk]), follow=True)
    assert "Nothing has changed since version 1 of the paper was generated" in response.content.decode()
    assert not Addendum.objects.exists()


def test_each_addendum_is_against_the_paper_and_a_repeat_is_refused_until_something_else_changes(
    ready_paper, clerk_user, performance_user, closed_november
):
    correct(performance_user, "ICT02", "96.0")
    first = _generate_addendum(ready_paper, clerk_user)
    with pytest.raises(PaperError, match="Nothing has changed since addendum 1 was generated"):
        addendum_request(paper=ready_paper, user=clerk_user)
    correct(performance_user, "ICT02", "97.0")
    Result.objects.filter(indicator__code="FN01", period=NOVEMBER_2019).update(value=None)  # withdrawn figure
    second = _generate_addendum(ready_paper, clerk_user)
    assert (first.number, second.number) == (1, 2)
    ict02 = next(f for f in second.changes["figures"] if f["code"] == "ICT02")
    assert (ict02["old_value"], ict02["new_value"]) == ("88.6%", "97.0%")  # against the paper, not addendum 1
    assert "96.0%" in docx_text(_read(first.docx)) and "96.0%" not in docx_text(_read(second.docx))
    assert first.pdf.name != second.pdf.name and Addendum.objects.get(number=1).is_ready


def test_request_enqueues_only_after_commit_and_a_double_click_returns_the_one_queued(
    ready_paper, clerk_user, performance_user, closed_november, django_capture_on_commit_callbacks
):
    correct(performance_user, "ICT02", "96.0")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = addendum_request(paper=ready_paper, user=clerk_user)
    assert first.status == PaperStatus.QUEUED and len(callbacks) == 1
    assert addendum_request(paper=ready_paper, user=clerk_user, enqueue=False).pk == first.pk
    assert addendum_generate(addendum_id=first.pk).is_ready
    assert addendum_generate(addendum_id=first.pk) is None  # a redelivered message builds nothing
    assert Addendum.objects.count() == 1


def test_an_addendum_to_a_paper_that_is_not_ready_is_refused(ready_paper, clerk_user):
    Paper.objects.filter(pk=ready_paper.pk).update(status=PaperStatus.FAILED)
    ready_paper.refresh_from_db()
    with pytest.raises(PaperError, match="Only a ready paper can have an addendum"):
        addendum_request(paper=ready_paper, user=clerk_user)


def test_a_failed_addendum_is_tried_again_under_its_own_number(
    ready_paper, clerk_user, performance_user, closed_november, paper_media
):
    correct(performance_user, "ICT02", "96.0")
    paper_media.mkdir(parents=True)
    (paper_media / "papers").write_text("a file where the papers folder should be")
    failed = _generate_addendum(ready_paper, clerk_user)
    assert failed.status == PaperStatus.FAILED and "could not be generated" in failed.failure_reason
    (paper_media / "papers").unlink()
    retried = _generate_addendum(ready_paper, performance_user)
    assert (retried.pk, retried.number, retried.status) == (failed.pk, 1, PaperStatus.READY)
    assert retried.requested_by == performance_user


def test_a_change_undone_before_the_worker_runs_fails_the_addendum_with_the_reason(
    ready_paper, clerk_user, performance_user, closed_november
):
    correct(performance_user, "ICT02", "96.0")
    addendum = addendum_request(paper=ready_paper, user=clerk_user, enqueue=False)
    correct(performance_user, "ICT02", "88.6")
    addendum = addendum_generate(addendum_id=addendum.pk)
    assert addendum.status == PaperStatus.FAILED
    assert addendum.failure_reason == "Nothing has changed since version 1 of the paper was generated."
    assert not addendum.pdf


def test_an_addendum_keeps_its_history(ready_paper, clerk_user, performance_user, closed_november):
    correct(performance_user, "ICT02", "96.0")
    addendum = _generate_addendum(ready_paper, clerk_user)
    record = addendum.history.earliest()
    assert (record.history_user, record.number, record.status) == (clerk_user, 1, PaperStatus.QUEUED)


def test_the_comparison_reads_a_fixed_number_of_queries_however_many_figures_changed(
    ready_paper, performance_user, closed_november, django_assert_max_num_queries
):
    correct(performance_user, "ICT02", "96.0")
    with django_assert_max_num_queries(20) as few:
        assert len(paper_changes(ready_paper)["figures"]) == 1
    for result in Result.objects.filter(indicator__code__in=["FN01", "FN02", "HR01", "ICT01"], period=NOVEMBER_2019):
        result.value += 1
        result.save()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(paper_changes(ready_paper)["figures"]) == 5
