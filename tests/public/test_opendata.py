"""Open data: the CSV and JSON hold the same rows, the dictionary every column, bad filters a clear 400."""

from __future__ import annotations

import csv
import io
import json

import jsonschema
import pytest
from django.test import override_settings
from django.urls import reverse
from drf_spectacular.validation import validate_schema

from public.opendata import COLUMNS, KEYS, Filters

SCS = "strategic-and-corporate-services"


def _csv(client, query=None) -> list[dict]:
    response = client.get(reverse("public:figures_csv"), query or {})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def _json(client, query=None) -> dict:
    response = client.get(reverse("public:figures_json"), query or {})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def test_csv_and_json_hold_the_same_rows(client, published):
    rows, document = _csv(client, {"year": "2019/20"}), _json(client, {"year": "2019/20"})

    assert len(rows) == len(document["rows"]) > 100
    assert list(rows[0]) == KEYS == list(document["rows"][0])
    for text_row, json_row in zip(rows, document["rows"], strict=True):
        for key in KEYS:
            value, text = json_row[key], text_row[key]
            if isinstance(value, int | float):
                assert float(text) == value, key
            else:
                assert text == ("" if value is None else str(value)), key


def test_the_data_dictionary_describes_every_column_everywhere(client, published):
    page = client.get(reverse("public:dictionary")).content.decode()
    dictionary = list(csv.DictReader(io.StringIO(client.get(reverse("public:dictionary_csv")).content.decode())))

    assert [row["column"] for row in dictionary] == KEYS
    assert [c["key"] for c in _json(client)["columns"]] == KEYS
    for column in COLUMNS:
        assert f"<code>{column.key}</code>" in page
        assert column.description.replace("'", "&#x27;") in page


def test_filters_narrow_the_rows(client, published):
    assert {r["ref"] for r in _csv(client, {"indicator": "ICT02"})} == {"ICT02"}
    assert {r["period"] for r in _csv(client, {"period": "2019-11"})} == {"2019-11"}
    assert {r["financial_year"] for r in _csv(client, {"year": "2018/19"})} == {"2018/19"}
    assert {r["directorate"] for r in _csv(client, {"directorate": SCS})} == {"Strategic and Corporate Services"}
    assert len(_csv(client, {"committee": "policy-and-resources"})) == len(_csv(client, {"directorate": SCS})) > 0


def test_an_unknown_committee_or_directorate_keeps_no_rows(client, published):
    assert _csv(client, {"committee": "no-such-committee"}) == []
    assert _csv(client, {"directorate": "no-such-directorate"}) == []


def test_a_year_and_a_month_narrow_together(client, published):
    assert {r["period"] for r in _csv(client, {"year": "2019/20", "period": "2019-11"})} == {"2019-11"}
    assert _csv(client, {"year": "2018/19", "period": "2019-11"}) == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"colour": "red"}, "Unknown parameter 'colour'"),
        ({"year": "2019"}, "is not a valid financial year"),
        ({"year": "2019/21"}, "the second year must follow the first"),
        ({"period": "2019-13"}, "month must be 01"),
        ({"period": "November"}, "not a valid period"),
    ],
)
def test_a_bad_filter_is_a_400_saying_which(client, published, query, message):
    response = client.get(reverse("public:figures_json"), query)

    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_repeated_filter_is_refused(client, published):
    response = client.get(reverse("public:figures_csv") + "?indicator=ICT01&indicator=ICT02")

    assert response.status_code == 400 and "Give 'indicator' once" in response.content.decode()


def test_numbers_are_rounded_as_the_page_shows_them_and_stay_numbers(client, published):
    rows = _json(client, {"indicator": "ICT02", "period": "2019-11"})["rows"]

    (row,) = rows
    assert row["value"] == 88.6 and row["month_rag"] == "red" and row["target"] == 95.0
    assert row["commentary"]


def test_text_a_spreadsheet_would_run_is_defused_in_the_csv(client, published):
    from indicators.models import Indicator

    Indicator.objects.filter(code="ICT02").update(name='=HYPERLINK("http://x")')

    (row,) = _csv(client, {"indicator": "ICT02", "period": "2019-11"})

    assert row["indicator"].startswith("'=")


def test_open_data_answers_any_site_without_a_token(client, published):
    response = client.get(reverse("public:figures_json"))

    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Set-Cookie" not in response.headers or "sessionid" not in response.headers["Set-Cookie"]


@override_settings(KPIDASH_PUBLIC_REQUESTS_PER_MINUTE=3)
def test_open_data_is_throttled_per_address(client, published):
    url = reverse("public:figures_json")
    for _ in range(3):
        assert client.get(url, {"indicator": "ICT02"}, REMOTE_ADDR="192.0.2.7").status_code == 200

    refused = client.get(url, REMOTE_ADDR="192.0.2.7")

    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many requests" in refused.content.decode()
    assert client.get(url, {"indicator": "ICT02"}, REMOTE_ADDR="192.0.2.8").status_code == 200


@override_settings(KPIDASH_PUBLIC_REQUESTS_PER_MINUTE=3, KPIDASH_PROXY_COUNT=0)
def test_a_made_up_forwarded_for_header_does_not_escape_the_throttle(client, published):
    url = reverse("public:figures_json")
    answers = [
        client.get(url, REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(5)
    ]

    assert answers == [200, 200, 200, 429, 429]


@override_settings(KPIDASH_PUBLIC_REQUESTS_PER_MINUTE=3, KPIDASH_PROXY_COUNT=1)
def test_behind_one_proxy_the_address_it_saw_is_counted_not_what_the_client_wrote_before_it(client, published):
    url = reverse("public:figures_json")

    def get(forwarded: str) -> int:
        return client.get(url, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded).status_code

    answers = [get(f"198.51.100.{n}, 192.0.2.7") for n in range(4)]

    assert answers == [200, 200, 200, 429]
    assert get("192.0.2.8") == 200  # another client behind the same proxy


def _openapi(client) -> dict:
    response = client.get(reverse("public:openapi"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    return response.json()


def test_the_open_data_has_a_valid_openapi_schema_that_asks_for_no_token(client, published):
    schema = _openapi(client)  # anonymous: no sign-in, no token

    validate_schema(schema)  # drf-spectacular's validator, as tests/api checks /api/v1/schema/
    assert set(schema["paths"]) == {reverse("public:figures_json"), reverse("public:figures_csv")}
    for path in schema["paths"].values():
        operation = path["get"]
        assert operation["tags"] == ["public"] and operation["security"] == []
        assert [p["name"] for p in operation["parameters"]] == list(Filters.ALLOWED)
        assert {"200", "400", "429"} <= set(operation["responses"])
    assert "securitySchemes" not in schema.get("components", {})
    figure = schema["components"]["schemas"]["Figure"]
    assert list(figure["properties"]) == KEYS
    assert [figure["properties"][c.key]["description"] for c in COLUMNS] == [c.description for c in COLUMNS]


def test_real_open_data_matches_its_openapi_schema(client, published):
    schema = _openapi(client)
    document = _json(client, {"year": "2019/20"})
    validator = jsonschema.Draft202012Validator(
        {"$ref": "#/components/schemas/Figures", "components": schema["components"]}
    )

    assert list(validator.iter_errors(document)) == []
    assert {row["kind"] for row in document["rows"]} == {"kpi", "activity"}
    broken = {**document, "rows": [{**document["rows"][0], "value": "88.6"}]}  # a number as text
    assert list(validator.iter_errors(broken)), "the schema tells a number from text"


@override_settings(KPIDASH_PUBLIC_SITE=False)
def test_the_open_data_schema_is_not_found_while_the_public_site_is_off(client, published):
    assert client.get(reverse("public:openapi")).status_code == 404
