"""A NUL byte (%00) anywhere in a request is refused with 400, never a 500 (PostgreSQL cannot hold one)."""

from __future__ import annotations

import pytest
from django.urls import get_resolver

from tests.kpidash.test_access import _addresses

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, demo, performance_user):
    client.force_login(performance_user)
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/indicators/ICT02%00/",
        "/committees/policy-and-resources%00/",
        "/directorates/a%00/2019-11/",
        "/returns/2019-11/ICT02%00/",
        "/spreadsheets/export/results%00.csv",
        "/papers/1/download/pdf%00/",
        "/admin/indicators/indicator/?q=ICT%00",
        "/?directorate=a%00",
        "/committees/policy-and-resources/?directorate=a%00",
        "/returns/missing/?a%00=1",
    ],
)
def test_a_nul_byte_in_the_address_or_query_is_a_bad_request(signed_in, path):
    response = signed_in.get(path)
    assert response.status_code == 400


def test_every_address_with_a_nul_byte_is_refused_not_an_error(signed_in):
    for name, path in _addresses(get_resolver().url_patterns):
        for probe in (path.rstrip("/") + "%00/", f"{path}?directorate=a%00&period=2019-11%00"):
            for response in (signed_in.get(probe), signed_in.post(probe, {"code": "x"})):
                assert response.status_code in {400, 404}, (name, probe, response.status_code)


def test_a_nul_byte_in_a_form_field_or_its_name_is_a_bad_request(signed_in):
    assert signed_in.post("/returns/2019-11/ICT02/", {"value": "12\x00"}).status_code == 400
    assert signed_in.post("/review/approve/", {"return\x00": "1"}).status_code == 400


def test_a_nul_byte_in_the_session_cookie_is_a_bad_request(client, db):
    # A quoted cookie value may spell a byte in octal; Django reads \000 as NUL.
    assert client.get("/", HTTP_COOKIE='sessionid="abcdefgh\\000ijklmnop"').status_code == 400


def test_visitors_get_the_same_refusal_before_sign_in(client, db):
    assert client.get("/accounts/login/?next=/%00").status_code == 400
    assert client.get("/static/build/kpidash%00.css").status_code == 400


def test_ordinary_addresses_are_untouched(signed_in):
    assert signed_in.get("/indicators/ICT02/").status_code == 200
    assert signed_in.get("/?directorate=a").status_code == 200


def test_the_refusal_is_the_services_own_page(signed_in):
    response = signed_in.get("/indicators/ICT02%00/")
    assert response.status_code == 400
    assert "The address or form could not be read" in response.content.decode()
