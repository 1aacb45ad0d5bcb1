"""The resources: what each holds, the results' filters and pages, papers' files, the schema and throttling."""

from __future__ import annotations

from datetime import date, datetime

import lxml.html
import pytest
from django.core.files.base import ContentFile
from django.test import Client
from drf_spectacular.validation import validate_schema

from api.tokens import token_create
from indicators.models import Committee, Indicator, Result
from reports.models import Paper, PaperStatus
from tests.api.conftest import token_client


@pytest.fixture
def api(demo, viewer_user) -> Client:
    return token_client(viewer_user)


def test_committees_list_their_directorates_and_link_their_pages(api):
    document = api.get("/api/v1/committees/").json()

    assert document["count"] == 2 and document["next"] is None
    policy = next(row for row in document["results"] if row["slug"] == "policy-and-resources")
    assert policy["name"] == "Policy and Resources Cabinet Committee"
    assert policy["directorates"] == ["strategic-and-corporate-services"]
    assert policy["page"] == "http://testserver/committees/policy-and-resources/"


def test_an_indicator_carries_its_thresholds_for_each_year_as_numbers(api):
    indicator = Indicator.objects.filter(kind="kpi", thresholds__target__isnull=False).distinct().first()

    document = api.get(f"/api/v1/indicators/{indicator.code}/").json()

    assert document["ref"] == indicator.code and document["directorate"] == indicator.directorate.slug
    years = [row["financial_year"] for row in document["thresholds"]]
    assert years == sorted(years) and 2019 in years
    latest = document["thresholds"][-1]
    threshold = indicator.thresholds.get(financial_year=2019)
    assert latest["year"] == "2019/20"
    assert latest["target"] == float(threshold.target) and isinstance(latest["target"], float)
    assert latest["scheme"] == threshold.rule(indicator.polarity).scheme.value


def test_indicators_filter_by_directorate_committee_kind_and_active(api):
    scs = "strategic-and-corporate-services"
    assert api.get("/api/v1/indicators/", {"directorate": scs}).json()["count"] == 35
    assert api.get("/api/v1/indicators/", {"committee": "policy-and-resources"}).json()["count"] == 35
    assert api.get("/api/v1/indicators/", {"directorate": scs, "kind": "activity"}).json()["count"] == 10
    active = Indicator.objects.filter(active=True).count()
    assert api.get("/api/v1/indicators/", {"active": "true"}).json()["count"] == active


def test_results_filter_by_indicator_and_period_range(api):
    code = Indicator.objects.first().code

    document = api.get("/api/v1/results/", {"indicator": code, "period_from": "2019-04", "period_to": "2019-11"}).json()

    expected = Result.objects.filter(indicator__code=code, period__range=(date(2019, 4, 1), date(2019, 11, 1)))
    assert document["count"] == expected.count() > 0
    assert [row["period"] for row in document["results"]] == [f"{r.period:%Y-%m}" for r in expected.order_by("period")]
    first = document["results"][0]
    assert first["indicator"] == code and set(first) >= {"value", "numerator", "denominator", "directorate"}


def test_a_result_carries_its_own_figures_in_their_places(api):
    result = Result.objects.filter(numerator__isnull=False, denominator__gt=1).select_related("indicator").first()

    rows = api.get("/api/v1/results/", {"indicator": result.indicator.code, "period_from": f"{result.period:%Y-%m}"})
    row = rows.json()["results"][0]

    assert row["indicator"] == result.indicator.code and row["period"] == f"{result.period:%Y-%m}"
    assert row["directorate"] == result.indicator.directorate.slug
    assert (row["value"], row["numerator"], row["denominator"]) == (
        float(result.value),
        float(result.numerator),
        float(result.denominator),
    )
    assert row["numerator"] != row["denominator"]
    assert datetime.fromisoformat(row["updated_at"]) == result.updated_at


def test_results_filter_by_directorate_and_committee(api):
    get = "growth-environment-and-transport"
    by_directorate = api.get("/api/v1/results/", {"directorate": get}).json()["count"]
    by_committee = api.get("/api/v1/results/", {"committee": "environment-and-transport"}).json()["count"]

    assert by_directorate == by_committee == Result.objects.filter(indicator__directorate__slug=get).count()


def test_results_come_in_pages_that_link_to_the_next(api):
    total = Result.objects.count()

    first = api.get("/api/v1/results/", {"page_size": 200}).json()
    second = api.get(first["next"]).json()

    assert first["count"] == total > 400 and len(first["results"]) == 200
    assert first["next"] == "http://testserver/api/v1/results/?page=2&page_size=200"
    assert second["previous"] is not None and len(second["results"]) == 200
    assert first["results"][-1]["period"] != second["results"][0]["period"] or (
        first["results"][-1]["indicator"] != second["results"][0]["indicator"]
    )
    assert len(api.get("/api/v1/results/").json()["results"]) == 100
    assert len(api.get("/api/v1/results/", {"page_size": 5000}).json()["results"]) == min(total, 1000)


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ({"period_from": "2019/04"}, 400, "period_from: '2019/04' is not a valid period: expected YYYY-MM"),
        ({"period_to": "2019-00"}, 400, "period_to: '2019-00' is not a valid period: month must be 01–12"),
        (
            {"period_from": "2019-11", "period_to": "2019-04"},
            400,
            "period_from (2019-11) is after period_to (2019-04).",
        ),
        ({"committee": "nope"}, 400, "committee: there is no committee with the slug 'nope'."),
        ({"directorate": "nope"}, 400, "directorate: there is no directorate with the slug 'nope'."),
        ({"indicator": "NOPE1"}, 400, "indicator: there is no indicator with the reference 'NOPE1'."),
        ({"page": "999"}, 404, "Invalid page."),
        ({"page": "abc"}, 404, "Invalid page."),
    ],
)
def test_a_bad_results_filter_is_a_json_error_saying_what_is_wrong(api, query, status, message):
    response = api.get("/api/v1/results/", query)

    assert response.status_code == status and response["Content-Type"] == "application/json"
    assert response.json()["detail"] == message or response.json()["detail"].startswith(message)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/api/v1/indicators/?kind=kpis", "kind: 'kpis' is not a kind of indicator: use kpi or activity."),
        ("/api/v1/indicators/?active=maybe", "active: 'maybe' is not true or false."),
        ("/api/v1/papers/?period=last", "period: 'last' is not a valid period"),
        ("/api/v1/papers/?committee=nope", "committee: there is no committee with the slug 'nope'."),
    ],
)
def test_other_bad_filters_are_400s_too(api, url, message):
    response = api.get(url)
    assert response.status_code == 400 and response.json()["detail"].startswith(message)


def test_unknown_things_are_404s_naming_them(api):
    assert api.get("/api/v1/indicators/NOPE1/").json() == {
        "detail": "There is no indicator with the reference 'NOPE1'."
    }
    assert api.get("/api/v1/papers/99999/").json() == {"detail": "There is no paper 99999."}
    assert api.get("/api/v1/nothing/").status_code == 404


def test_a_papers_file_links_download_with_the_same_token(api, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    committee = Committee.objects.get(slug="policy-and-resources")
    ready = Paper.objects.create(
        committee=committee, period=date(2019, 11, 1), meeting_date=date(2020, 1, 21), version=1, status="ready"
    )
    ready.pdf.save("paper.pdf", ContentFile(b"%PDF-1.7 test"), save=True)
    queued = Paper.objects.create(
        committee=committee, period=date(2019, 11, 1), meeting_date=date(2020, 1, 21), version=2
    )

    rows = {
        row["id"]: row for row in api.get("/api/v1/papers/", {"committee": "policy-and-resources"}).json()["results"]
    }

    assert rows[ready.pk]["files"]["docx"] is None  # a ready paper without its Word file
    assert rows[queued.pk]["files"] == {"pdf": None, "docx": None} and rows[queued.pk]["status"] == PaperStatus.QUEUED
    download = api.get(rows[ready.pk]["files"]["pdf"])
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == b"%PDF-1.7 test"
    assert 'filename="policy-and-resources-performance-dashboard-2019-11-v1.pdf"' in download["Content-Disposition"]
    for fmt, paper in (("pdf", queued), ("docx", ready), ("snapshot", ready), ("exe", ready)):
        response = api.get(f"/api/v1/papers/{paper.pk}/download/{fmt}/")
        assert response.status_code == 404 and response.json() == {"detail": "This paper has no such file."}


def test_the_schema_is_valid_openapi_3(api):
    response = api.get("/api/v1/schema/?format=json")

    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)  # drf-spectacular's own validator, against the OpenAPI 3 JSON schema
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/results/", "/api/v1/committees/{slug}/dashboard/", "/api/v1/papers/{id}/"} <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal API token, made on the API tokens page or by `manage.py api_token`.",
    }


def test_the_docs_page_is_for_signed_in_users_and_loads_its_script_from_this_site(client, demo, viewer_user):
    assert client.get("/api/v1/docs/").status_code == 302
    client.force_login(viewer_user)

    page = client.get("/api/v1/docs/").content.decode()
    script = client.get("/api/v1/docs/?script=")

    assert "<style" not in page and "<script>" not in page and "https://" not in page
    assert '/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"' in page
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in script.content.decode()


def test_the_docs_page_says_what_it_is_and_leads_back_to_the_site(client, demo, viewer_user):
    client.force_login(viewer_user)

    page = lxml.html.fromstring(client.get("/api/v1/docs/").content)

    assert page.findtext(".//h1") == "kpidash API documentation"
    assert page.xpath("//a[@href='/api/tokens/']/text()") == ["Back to your API tokens"]
    assert page.find(".//header").xpath(".//h1")  # in a landmark, as Swagger UI's own content is


def test_each_token_is_throttled_on_its_own(settings, demo, viewer_user):
    settings.KPIDASH_API_REQUESTS_PER_MINUTE = 3
    first, second = token_client(viewer_user), token_client(viewer_user)

    statuses = [first.get("/api/v1/committees/").status_code for _ in range(4)]
    refused = first.get("/api/v1/committees/")

    assert statuses == [200, 200, 200, 429]
    assert refused["Retry-After"] and "Request was throttled" in refused.json()["detail"]
    assert second.get("/api/v1/committees/").status_code == 200  # another token has its own count


def test_a_session_is_throttled_too(settings, client, demo, viewer_user):
    settings.KPIDASH_API_REQUESTS_PER_MINUTE = 2
    client.force_login(viewer_user)
    assert [client.get("/api/v1/directorates/").status_code for _ in range(3)] == [200, 200, 429]
    _, secret = token_create(user=viewer_user, name="own count")
    assert client.get("/api/v1/directorates/", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_an_indicator_whose_reference_has_a_dot_is_found(api):
    indicator = Indicator.objects.first()
    indicator.code = "ICT.99"
    indicator.save()
    assert api.get("/api/v1/indicators/ICT.99/").json()["ref"] == "ICT.99"


def test_an_address_the_api_does_not_have_is_a_json_404(api):
    response = api.get("/api/v1/committee/")
    assert response.status_code == 404
    assert response.json() == {
        "detail": "There is no such address in the API: the endpoints are listed at /api/v1/docs/."
    }
