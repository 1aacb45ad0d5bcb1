"""The paper page's late-data section and the addendum URLs: who may do what, and what it costs."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from indicators.models import Result
from reports.models import Addendum, Paper, PaperStatus
from tests.conftest import make_user
from tests.reports.conftest import NOVEMBER_2019, correct
from tests.reports.test_paper_views import DOCX_TYPE, GENERATORS, READERS_ONLY

SENTENCE = "1 figure changed since this paper was generated."


def _addendum(paper: Paper, number: int = 1, status: str = PaperStatus.READY) -> Addendum:
    addendum = Addendum.objects.create(paper=paper, number=number, status=status, changes={"figures": []})
    if status == PaperStatus.READY:
        addendum.pdf.save("addendum.pdf", ContentFile(b"%PDF-1.7 addendum"), save=False)
        addendum.docx.save("addendum.docx", ContentFile(b"PK addendum"), save=False)
        addendum.save()
    return addendum


@pytest.fixture
def changed_paper(ready_paper, performance_user, closed_november):
    correct(performance_user, "ICT02", "96.0")
    return ready_paper


@pytest.mark.parametrize("persona", GENERATORS)
def test_clerks_and_the_performance_team_see_the_changes_and_generate_an_addendum(
    client, request, changed_paper, persona
):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    page = client.get(changed_paper.get_absolute_url()).content.decode()
    assert SENTENCE in page and "Generate addendum 1" in page
    response = client.post(reverse("addendum_new", args=[changed_paper.pk]))
    addendum = Addendum.objects.get()
    assert response.status_code == 302 and response["Location"] == addendum.get_absolute_url()
    assert addendum.requested_by == user and addendum.status == PaperStatus.QUEUED


@pytest.mark.parametrize("persona", READERS_ONLY)
def test_owners_and_viewers_see_the_changes_but_cannot_generate_an_addendum(client, request, changed_paper, persona):
    client.force_login(request.getfixturevalue(persona))
    page = client.get(changed_paper.get_absolute_url()).content.decode()
    assert SENTENCE in page and "Red → Green" in page
    assert "Generate addendum" not in page
    assert client.post(reverse("addendum_new", args=[changed_paper.pk])).status_code == 403
    assert not Addendum.objects.exists()


@pytest.mark.parametrize("persona", GENERATORS + READERS_ONLY)
def test_everyone_with_a_role_downloads_a_ready_addendum(client, request, ready_paper, persona):
    _addendum(ready_paper)
    client.force_login(request.getfixturevalue(persona))
    page = client.get(ready_paper.get_absolute_url()).content.decode()
    assert 'id="addendum-1"' in page and reverse("addendum_download", args=[ready_paper.pk, 1, "pdf"]) in page
    pdf = client.get(reverse("addendum_download", args=[ready_paper.pk, 1, "pdf"]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content) == b"%PDF-1.7 addendum"
    docx = client.get(reverse("addendum_download", args=[ready_paper.pk, 1, "docx"]))
    assert docx["Content-Type"] == DOCX_TYPE
    stem = "policy-and-resources-performance-dashboard-2019-11-v1-addendum-1"
    assert f'filename="{stem}.docx"' in docx["Content-Disposition"]


def test_anonymous_is_sent_to_sign_in_and_a_user_without_a_role_finds_nothing(client, ready_paper):
    _addendum(ready_paper)
    urls = [
        reverse("addendum_new", args=[ready_paper.pk]),
        reverse("addendum_download", args=[ready_paper.pk, 1, "pdf"]),
    ]
    for url in urls:
        response = client.post(url) if url.endswith("/new/") else client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(make_user("test-no-role"))
    assert client.post(urls[0]).status_code == 404
    assert client.get(urls[1]).status_code == 404
    assert Addendum.objects.count() == 1


def test_unknown_addenda_formats_and_unfinished_files_are_not_found(client, policy, ready_paper, viewer_user):
    _addendum(ready_paper)
    _addendum(ready_paper, 2, PaperStatus.QUEUED)
    other = Paper.objects.create(
        committee=policy, period=NOVEMBER_2019, meeting_date=ready_paper.meeting_date, version=2
    )
    client.force_login(viewer_user)
    assert client.get(reverse("addendum_download", args=[ready_paper.pk, 1, "exe"])).status_code == 404
    assert client.get(reverse("addendum_download", args=[ready_paper.pk, 2, "pdf"])).status_code == 404
    assert client.get(reverse("addendum_download", args=[ready_paper.pk, 3, "pdf"])).status_code == 404
    assert client.get(reverse("addendum_download", args=[other.pk, 1, "pdf"])).status_code == 404
    assert client.get(reverse("addendum_new", args=[ready_paper.pk])).status_code == 405


def test_an_addendum_in_flight_offers_a_link_to_check_progress_and_needs_no_script(client, changed_paper, clerk_user):
    _addendum(changed_paper, 1, PaperStatus.RUNNING)
    client.force_login(clerk_user)
    page = client.get(changed_paper.get_absolute_url()).content.decode()
    assert 'http-equiv="refresh"' not in page and "build/paper-status.js" not in page
    assert f'href="{changed_paper.get_absolute_url()}#addendum-1">Check progress</a>' in page
    assert "Addendum 1 is being made" in page and "Generate addendum" not in page
    response = client.post(reverse("addendum_new", args=[changed_paper.pk]))  # a double click
    assert response["Location"].endswith("#addendum-1") and Addendum.objects.count() == 1


def test_a_paper_not_ready_shows_no_comparison(client, policy, viewer_user):
    paper = Paper.objects.create(committee=policy, period=NOVEMBER_2019, meeting_date=NOVEMBER_2019, version=1)
    client.force_login(viewer_user)
    page = client.get(paper.get_absolute_url()).content.decode()
    assert "Changes since this paper was generated" not in page


def test_paper_page_queries_do_not_grow_with_changed_figures_or_addenda(
    client, changed_paper, clerk_user, django_assert_max_num_queries
):
    client.force_login(clerk_user)
    _addendum(changed_paper)
    with django_assert_max_num_queries(40) as few:
        assert SENTENCE in client.get(changed_paper.get_absolute_url()).content.decode()
    for result in Result.objects.filter(indicator__code__in=["FN01", "FN02", "HR01", "ICT01"], period=NOVEMBER_2019):
        result.value += 1
        result.save()
    for number in range(2, 6):
        _addendum(changed_paper, number)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(changed_paper.get_absolute_url()).content.decode()
    assert "5 figures changed since this paper was generated." in page and 'id="addendum-5"' in page


def test_the_admin_shows_an_addendum_and_its_history_but_never_changes_reverts_or_deletes_it(
    client, ready_paper, performance_user
):
    addendum = _addendum(ready_paper)
    record = addendum.history.earliest()
    client.force_login(performance_user)
    assert client.get(reverse("admin:reports_addendum_changelist")).status_code == 200
    assert client.get(reverse("admin:reports_addendum_change", args=[addendum.pk])).status_code == 200
    history = client.get(reverse("admin:reports_addendum_history", args=[addendum.pk]))
    assert history.status_code == 200
    changed = client.post(reverse("admin:reports_addendum_change", args=[addendum.pk]), {"number": "7"})
    revert = client.post(reverse("admin:reports_addendum_simple_history", args=[addendum.pk, record.history_id]), {})
    deleted = client.post(reverse("admin:reports_addendum_delete", args=[addendum.pk]), {"post": "yes"})
    assert (changed.status_code, revert.status_code, deleted.status_code) == (403, 403, 403)
    assert client.get(reverse("admin:reports_addendum_add")).status_code == 403
    addendum.refresh_from_db()
    assert (addendum.number, addendum.status) == (1, PaperStatus.READY)
