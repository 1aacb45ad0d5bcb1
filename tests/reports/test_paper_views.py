"""Paper pages: who may generate, who may read and download, and bad input."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from indicators.models import Result
from reports.models import Paper, PaperStatus
from tests.conftest import make_user
from tests.reports.conftest import MEETING, NOVEMBER_2019

GENERATORS = ["clerk_user", "performance_user"]
READERS_ONLY = ["owner_user", "other_owner_user", "viewer_user"]
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _paper(committee, status=PaperStatus.READY, version=1) -> Paper:
    paper = Paper.objects.create(
        committee=committee, period=NOVEMBER_2019, meeting_date=MEETING, version=version, status=status
    )
    if status == PaperStatus.READY:
        paper.pdf.save("paper.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
        paper.docx.save("paper.docx", ContentFile(b"PK docx test"), save=False)
        paper.save()
    return paper


def _form(committee_row, **extra):
    return {"committee": committee_row.slug, "period": "2019-11", "meeting_date": "2020-01-21", **extra}


@pytest.mark.parametrize("persona", GENERATORS)
def test_clerks_and_the_performance_team_generate_a_paper(client, request, policy, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    assert client.get(reverse("paper_new")).status_code == 200
    response = client.post(reverse("paper_new"), _form(policy))
    paper = Paper.objects.get()
    assert response.status_code == 302 and response["Location"] == paper.get_absolute_url()
    assert (paper.status, paper.version, paper.requested_by) == (PaperStatus.QUEUED, 1, user)


@pytest.mark.parametrize("persona", READERS_ONLY)
def test_owners_and_viewers_cannot_generate(client, request, policy, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("paper_new")).status_code == 403
    assert client.post(reverse("paper_new"), _form(policy)).status_code == 403
    assert not Paper.objects.exists()


def test_anonymous_is_sent_to_sign_in_everywhere(client, policy):
    paper = _paper(policy)
    urls = [
        reverse("papers"),
        reverse("paper_new"),
        paper.get_absolute_url(),
        reverse("paper_download", args=[paper.pk, "pdf"]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("persona", GENERATORS + READERS_ONLY)
def test_everyone_with_a_role_reads_and_downloads(client, request, policy, persona):
    paper = _paper(policy)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("papers")).status_code == 200
    assert client.get(paper.get_absolute_url()).status_code == 200
    pdf = client.get(reverse("paper_download", args=[paper.pk, "pdf"]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("attachment;")
    assert b"".join(pdf.streaming_content) == b"%PDF-1.7 test"
    docx = client.get(reverse("paper_download", args=[paper.pk, "docx"]))
    assert docx["Content-Type"] == DOCX_TYPE
    assert 'filename="policy-and-resources-performance-dashboard-2019-11-v1.docx"' in docx["Content-Disposition"]


def test_a_signed_in_user_without_a_role_cannot_guess_a_paper_url(client, policy, no_role_user):
    paper = _paper(policy)
    client.force_login(no_role_user)
    assert client.get(paper.get_absolute_url()).status_code == 404
    assert client.get(reverse("paper_download", args=[paper.pk, "pdf"])).status_code == 404
    assert client.get(reverse("papers")).status_code == 404


def test_unknown_papers_formats_and_unfinished_files_are_not_found(client, policy, viewer_user):
    ready, queued = _paper(policy), _paper(policy, PaperStatus.QUEUED, version=2)
    client.force_login(viewer_user)
    assert client.get(reverse("paper_detail", args=[ready.pk + 100])).status_code == 404
    assert client.get(reverse("paper_download", args=[ready.pk, "exe"])).status_code == 404
    assert client.get(reverse("paper_download", args=[ready.pk, "snapshot"])).status_code == 404
    assert client.get(reverse("paper_download", args=[queued.pk, "pdf"])).status_code == 404


def test_status_page_never_refreshes_itself_and_offers_to_check_progress(client, policy, viewer_user):
    queued, ready = _paper(policy, PaperStatus.QUEUED, version=2), _paper(policy)
    client.force_login(viewer_user)
    page = client.get(queued.get_absolute_url()).content.decode()
    assert 'http-equiv="refresh"' not in page
    assert f'<a class="govuk-link" href="{queued.get_absolute_url()}">Check progress</a>' in page
    assert f'data-paper-status-url="{reverse("paper_status", args=[queued.pk])}"' in page
    assert 'role="status"' in page and "Waiting for a worker to start it" in page
    assert "build/paper-status.js" in page
    page = client.get(ready.get_absolute_url()).content.decode()
    assert 'http-equiv="refresh"' not in page
    assert "Check progress" not in page and "build/paper-status.js" not in page
    assert reverse("paper_download", args=[ready.pk, "docx"]) in page
    assert "Generate a new version" not in page  # viewers do not generate


@pytest.mark.parametrize(
    ("status", "progress", "expected"),
    [
        (PaperStatus.QUEUED, 0, {"label": "Queued", "detail": "Waiting for a worker to start it", "in_flight": True}),
        (PaperStatus.RUNNING, 40, {"label": "Running", "detail": "40% done", "in_flight": True}),
        (PaperStatus.READY, 100, {"label": "Ready", "detail": "", "in_flight": False}),
        (PaperStatus.FAILED, 40, {"label": "Failed", "detail": "", "in_flight": False}),
    ],
)
def test_status_json_reports_each_status_uncached(client, policy, viewer_user, status, progress, expected):
    paper = _paper(policy, status)
    Paper.objects.filter(pk=paper.pk).update(progress=progress)
    client.force_login(viewer_user)
    response = client.get(reverse("paper_status", args=[paper.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response.json() == {"status": status.value, "progress": progress, **expected}
    assert "no-store" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]


@pytest.mark.parametrize("persona", GENERATORS + READERS_ONLY)
def test_everyone_who_reads_the_paper_reads_its_status(client, request, policy, persona):
    paper = _paper(policy, PaperStatus.RUNNING)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("paper_status", args=[paper.pk])).json()["status"] == "running"


def test_status_json_is_not_found_for_who_cannot_see_the_paper(client, policy, no_role_user):
    paper = _paper(policy, PaperStatus.RUNNING)
    url = reverse("paper_status", args=[paper.pk])
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(no_role_user)
    assert client.get(url).status_code == 404
    client.force_login(make_user("test-reader", "Viewer"))
    assert client.get(reverse("paper_status", args=[paper.pk + 100])).status_code == 404
    assert client.post(url).status_code == 405


def test_a_failed_paper_shows_its_reason_and_a_clerk_retries_it(client, policy, clerk_user, viewer_user):
    paper = _paper(policy, PaperStatus.FAILED)
    Paper.objects.filter(pk=paper.pk).update(failure_reason="The paper could not be generated: disk full")
    client.force_login(viewer_user)
    assert "disk full" in client.get(paper.get_absolute_url()).content.decode()
    assert client.post(reverse("paper_retry", args=[paper.pk])).status_code == 403
    client.force_login(clerk_user)
    assert "Try again" in client.get(paper.get_absolute_url()).content.decode()
    assert client.post(reverse("paper_retry", args=[paper.pk])).status_code == 302
    paper.refresh_from_db()
    assert paper.status == PaperStatus.QUEUED and paper.failure_reason == ""


def test_regenerating_a_ready_paper_queues_version_two(client, policy, clerk_user):
    paper = _paper(policy)
    client.force_login(clerk_user)
    response = client.post(reverse("paper_regenerate", args=[paper.pk]))
    second = Paper.objects.get(version=2)
    assert response["Location"] == second.get_absolute_url()
    assert Paper.objects.get(version=1).is_ready


@pytest.mark.parametrize("persona", READERS_ONLY)
def test_owners_and_viewers_cannot_regenerate_a_paper(client, request, policy, persona):
    paper = _paper(policy)
    client.force_login(request.getfixturevalue(persona))

    assert client.post(reverse("paper_regenerate", args=[paper.pk])).status_code == 403
    assert client.get(reverse("paper_regenerate", args=[paper.pk])).status_code == 405
    assert list(Paper.objects.values_list("version", flat=True)) == [1]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"period": "2019-13"}, "month must be 01–12"),
        ({"period": "Nov 2019"}, "expected YYYY-MM"),
        ({"period": "2999-01"}, "is in the future"),
        ({"period": "2010-01"}, "has no results in the year up to January 2010"),
        ({"meeting_date": "2019-11-15"}, "must be after the end of November 2019"),
        ({"meeting_date": "2020-02-30"}, "Enter the meeting date as a real date"),
        ({"committee": "no-such-committee"}, "Choose a committee from the list"),
        ({"committee": ""}, "Choose the committee the paper is for."),
        ({"period": ""}, "Enter the month the paper reports up to, for example 2019-11."),
        ({"meeting_date": ""}, "Enter the meeting date, for example 2020-01-21."),
    ],
)
def test_bad_input_gets_a_specific_error_and_writes_nothing(client, policy, clerk_user, changes, message):
    client.force_login(clerk_user)
    response = client.post(reverse("paper_new"), _form(policy, **changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "This field is required." not in response.content.decode()
    assert not Paper.objects.exists()


def test_missing_figures_are_shown_before_generating_and_the_clerk_may_go_ahead(client, policy, clerk_user):
    Result.objects.filter(indicator__code="FN03", period=NOVEMBER_2019).delete()
    client.force_login(clerk_user)
    response = client.post(reverse("paper_new"), _form(policy))
    page = response.content.decode()
    assert response.status_code == 200 and "FN03" in page and "Generate anyway" in page
    assert not Paper.objects.exists()
    response = client.post(reverse("paper_new"), _form(policy, confirm="on"))
    assert response.status_code == 302 and Paper.objects.count() == 1


def test_paper_list_queries_do_not_grow_with_the_number_of_papers(
    client, policy, viewer_user, django_assert_max_num_queries
):
    client.force_login(viewer_user)
    for version in range(1, 3):
        _paper(policy, PaperStatus.QUEUED, version=version)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("papers"))
    for version in range(3, 30):
        _paper(policy, PaperStatus.QUEUED, version=version)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("papers"))
