"""Who reads what: the API lets in exactly whom the pages let in, by session or by the user's own token."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from api.tokens import token_create, token_revoke
from indicators.models import Indicator
from reports.models import Paper, PaperStatus
from tests.api.conftest import token_client
from tests.personas import SIGNED_IN

PERSONAS = [*SIGNED_IN, "no_role_user"]


@pytest.fixture
def paper(demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    paper = Paper.objects.create(
        committee_id=_committee_id(),
        period=date(2019, 11, 1),
        meeting_date=date(2020, 1, 21),
        version=1,
        status=PaperStatus.READY,
    )
    paper.pdf.save("paper.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
    paper.docx.save("paper.docx", ContentFile(b"PK docx test"), save=False)
    paper.save()
    return paper


def _committee_id() -> int:
    from indicators.models import Committee

    return Committee.objects.get(slug="policy-and-resources").pk


def _pairs(paper: Paper) -> list[tuple[str, str]]:
    """(API address, the page that shows the same thing)."""
    code = Indicator.objects.first().code
    committee = reverse("committee_dashboard", args=["policy-and-resources"])
    directorate = reverse("directorate_dashboard", args=["strategic-and-corporate-services"])
    return [
        ("/api/v1/committees/", reverse("home")),
        ("/api/v1/committees/policy-and-resources/", committee),
        ("/api/v1/committees/policy-and-resources/dashboard/?period=2019-11", committee),
        ("/api/v1/directorates/", reverse("home")),
        ("/api/v1/directorates/strategic-and-corporate-services/", directorate),
        ("/api/v1/directorates/strategic-and-corporate-services/dashboard/?period=2019-11", directorate),
        ("/api/v1/indicators/", reverse("home")),
        (f"/api/v1/indicators/{code}/", reverse("indicator_detail", args=[code])),
        (f"/api/v1/results/?indicator={code}", reverse("indicator_detail", args=[code])),
        ("/api/v1/papers/", reverse("papers")),
        (f"/api/v1/papers/{paper.pk}/", reverse("paper_detail", args=[paper.pk])),
        (f"/api/v1/papers/{paper.pk}/download/pdf/", reverse("paper_download", args=[paper.pk, "pdf"])),
        (f"/api/v1/papers/{paper.pk}/download/docx/", reverse("paper_download", args=[paper.pk, "docx"])),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_reads_through_the_api_exactly_what_the_pages_show_them(request, client, paper, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    by_token = token_client(user)

    for api_url, page_url in _pairs(paper):
        page = client.get(page_url).status_code
        assert page in (200, 404), page_url
        assert client.get(api_url).status_code == page, (persona, api_url, "session")
        assert by_token.get(api_url).status_code == page, (persona, api_url, "token")


def test_without_a_role_a_user_reads_dashboards_but_no_paper(client, paper, no_role_user):
    api = token_client(no_role_user)
    assert api.get("/api/v1/committees/policy-and-resources/dashboard/").status_code == 200
    for url in ("/api/v1/papers/", f"/api/v1/papers/{paper.pk}/", f"/api/v1/papers/{paper.pk}/download/pdf/"):
        response = api.get(url)
        assert response.status_code == 404 and response.json() == {"detail": "No paper here."}


def test_anonymous_gets_a_401_with_a_bearer_challenge_everywhere(paper):
    anonymous = Client()
    for api_url, _ in [*_pairs(paper), ("/api/v1/schema/?format=json", "")]:
        response = anonymous.get(api_url)
        assert response.status_code == 401, api_url
        assert response["WWW-Authenticate"] == 'Bearer realm="kpidash"'
        assert response.json() == {"detail": "Authentication credentials were not provided."}


def _spoiled(user, how: str) -> Client:
    token, secret = token_create(user=user, name="spoiled")
    if how == "revoked":
        token_revoke(token=token)
    elif how == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    elif how == "inactive":
        type(user).objects.filter(pk=user.pk).update(is_active=False)
    elif how == "mangled":
        secret = secret[:-2]
    return Client(headers={"Authorization": f"Bearer {secret}"})


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("revoked", "This API token was revoked on "),
        ("expired", "This API token expired on "),
        ("inactive", "This API token's user account is not active."),
        ("mangled", "This API token is not valid"),
    ],
)
def test_a_revoked_expired_or_mangled_token_or_an_inactive_users_is_a_401(paper, performance_user, how, message):
    api = _spoiled(performance_user, how)
    for api_url, _ in _pairs(paper):
        response = api.get(api_url)
        assert response.status_code == 401, api_url
        assert response.json()["detail"].startswith(message)


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Bearer a b", "Bearer  "])
def test_a_malformed_authorization_header_is_a_401_saying_how_to_send_it(demo, header):
    response = Client(headers={"Authorization": header}).get("/api/v1/committees/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Send the token as: Authorization: Bearer <token>, with nothing after it."


def test_a_token_has_its_users_rights_and_no_more_even_with_a_session(client, paper, no_role_user, performance_user):
    # A session of the performance team does not lend its rights to a no-role user's token.
    client.force_login(performance_user)
    _, secret = token_create(user=no_role_user, name="mine")

    response = client.get("/api/v1/papers/", headers={"Authorization": f"Bearer {secret}"})

    assert response.status_code == 404


def test_api_responses_are_never_kept_by_a_browser_or_proxy(demo, viewer_user):
    response = token_client(viewer_user).get("/api/v1/committees/")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_the_api_is_read_only(paper, performance_user):
    api = token_client(performance_user)
    for method in ("post", "put", "patch", "delete"):
        for url in ("/api/v1/committees/", "/api/v1/committees/policy-and-resources/", f"/api/v1/papers/{paper.pk}/"):
            assert getattr(api, method)(url, content_type="application/json").status_code == 405, (method, url)


def test_a_token_request_gets_no_session_so_nothing_outlives_the_token(demo, viewer_user):
    from django.contrib.sessions.models import Session

    api = token_client(viewer_user)
    response = api.get("/api/v1/committees/")

    assert response.status_code == 200 and "sessionid" not in response.cookies
    assert not Session.objects.exists()
