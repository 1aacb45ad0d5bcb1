"""The API's dashboard is the CSV download: the same rows, columns and values, for every committee and directorate."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.exports import KEYS, NUMERIC_KEYS
from indicators.models import Committee, Directorate

MONTHS = ["2019-11", "2019-06"]


def _csv_rows(client, kind: str, slug: str, period: str, query: str = "") -> list[dict]:
    response = client.get(reverse(f"{kind}_dashboard_download", args=[slug, period, "csv"]) + query)
    assert response.status_code == 200
    reader = csv.DictReader(io.StringIO(response.content.decode()))
    assert reader.fieldnames == KEYS
    return list(reader)


def _as_csv_text(key: str, value) -> str:
    """How the CSV writes a value: numbers compared as numbers, missing as empty."""
    if value is None:
        return ""
    if key in NUMERIC_KEYS:
        return Decimal(str(value))
    return str(value)


def _compare(api_rows: list[dict], csv_rows: list[dict]) -> None:
    assert len(api_rows) == len(csv_rows) > 0
    for api_row, csv_row in zip(api_rows, csv_rows, strict=True):
        assert list(api_row) == KEYS
        for key in KEYS:
            expected = csv_row[key]
            if key in NUMERIC_KEYS and expected != "":
                expected = Decimal(expected)
            assert _as_csv_text(key, api_row[key]) == expected, (api_row["ref"], key)
            if key in NUMERIC_KEYS and api_row[key] is not None:
                assert isinstance(api_row[key], int | float), key  # numbers stay numbers


@pytest.mark.parametrize("period", MONTHS)
def test_every_committee_and_directorate_dashboard_equals_its_csv_download(client, demo, viewer_user, period):
    client.force_login(viewer_user)
    scopes = [("committee", c.slug) for c in Committee.objects.all()]
    scopes += [("directorate", d.slug) for d in Directorate.objects.all()]
    assert len(scopes) == 4

    for kind, slug in scopes:
        response = client.get(f"/api/v1/{kind}s/{slug}/dashboard/", {"period": period})
        assert response.status_code == 200, response.content
        document = response.json()
        assert document["period"] == period and document["slug"] == slug and document["columns"] == KEYS
        _compare(document["rows"], _csv_rows(client, kind, slug, period))


def test_the_policy_committees_november_dashboard_has_its_known_position(client, demo, viewer_user):
    client.force_login(viewer_user)

    rows = client.get("/api/v1/committees/policy-and-resources/dashboard/", {"period": "2019-11"}).json()["rows"]

    kpis = [row for row in rows if row["kind"] == "kpi"]
    assert len(kpis) == 25 and len(rows) - len(kpis) == 10
    rags = [row["rag"] for row in kpis]
    assert (rags.count("green"), rags.count("amber"), rags.count("red")) == (21, 3, 1)


def test_without_a_period_the_dashboard_is_the_latest_with_data(client, demo, viewer_user):
    client.force_login(viewer_user)
    assert client.get("/api/v1/committees/policy-and-resources/dashboard/").json()["period"] == "2019-11"


@pytest.mark.parametrize("query", ["?rag=red", "?kind=activity", "?variation=common_cause"])
def test_the_pages_filters_give_the_same_rows_as_the_filtered_csv(client, demo, viewer_user, query):
    client.force_login(viewer_user)

    document = client.get(f"/api/v1/committees/policy-and-resources/dashboard/{query}&period=2019-11").json()

    _compare(document["rows"], _csv_rows(client, "committee", "policy-and-resources", "2019-11", query))


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/api/v1/committees/policy-and-resources/dashboard/?period=2019-13", 400, "month must be 01–12"),
        ("/api/v1/committees/policy-and-resources/dashboard/?period=Nov", 400, "expected YYYY-MM, e.g. 2019-11"),
        ("/api/v1/committees/policy-and-resources/dashboard/?rag=purple", 400, "rag: Select a valid choice."),
        (
            "/api/v1/committees/no-such-committee/dashboard/",
            404,
            "There is no committee with the slug 'no-such-committee'.",
        ),
        (
            "/api/v1/directorates/no-such/dashboard/?period=2019-11",
            404,
            "There is no directorate with the slug 'no-such'.",
        ),
        (
            "/api/v1/committees/policy-and-resources/dashboard/?period=2030-01",
            404,
            "There is no data for Policy and Resources Cabinet Committee for January 2030: the latest results are for "
            "November 2019.",
        ),
        (
            "/api/v1/committees/policy-and-resources/dashboard/?period=2001-01",
            404,
            "There is no data for Policy and Resources Cabinet Committee for January 2001.",
        ),
    ],
)
def test_a_bad_dashboard_request_is_a_json_error_saying_why(client, demo, viewer_user, url, status, message):
    client.force_login(viewer_user)

    response = client.get(url)

    assert response.status_code == status and response["Content-Type"] == "application/json"
    assert message in response.json()["detail"]
