"""Single sign-on through OpenID Connect, against a real provider on loopback (fake_idp)."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.roles import PERFORMANCE_TEAM, SERVICE_OWNER, VIEWER
from tests.accounts.fake_idp import FakeIdP
from tests.hanging import hanging_listener
from tests.kpidash.test_settings_env import OIDC as OIDC_ENV
from tests.kpidash.test_settings_env import load_settings

pytestmark = pytest.mark.django_db

CLIENT_ID = "kpidash-test"
ANN = {
    "sub": "0001",
    "preferred_username": "Ann.Smith@council.example",
    "email": "ann.smith@council.example",
    "given_name": "Ann",
    "family_name": "Smith",
    "groups": ["grp-performance"],
}


@pytest.fixture
def idp(settings, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    provider = FakeIdP(CLIENT_ID, "client-secret-for-tests").start()
    # What kpidash/settings.py sets from OIDC_* variables (test_settings_env checks that mapping).
    settings.KPIDASH_OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = provider.client_secret
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{provider.url}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{provider.url}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{provider.url}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{provider.url}/jwks"
    settings.OIDC_OP_ISSUER = provider.url
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    settings.OIDC_RP_SCOPES = "openid email profile"
    settings.OIDC_USE_PKCE = True
    settings.OIDC_TIMEOUT = 5
    settings.KPIDASH_OIDC_USERNAME_CLAIM = "preferred_username"
    settings.KPIDASH_OIDC_GROUPS_CLAIM = "groups"
    settings.LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/?sso=failed"
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "accounts.auth.OIDCBackend",
        "accounts.auth.ModelBackend",
    ]
    settings.KPIDASH_SSO_GROUP_MAP = {"grp-performance": PERFORMANCE_TEAM, "grp-owners": SERVICE_OWNER}
    settings.KPIDASH_SSO_DEFAULT_ROLE = VIEWER
    yield provider
    provider.stop()


def sign_in_at(idp: FakeIdP, client, claims: dict, next_url: str = "/"):
    """The browser's journey: kpidash -> provider -> kpidash's callback."""
    idp.next_user = claims
    start = client.get("/oidc/authenticate/", {"next": next_url})
    assert start.status_code == 302
    assert start["Location"].startswith(f"{idp.url}/authorize?")
    at_provider = requests.get(start["Location"], allow_redirects=False, timeout=5)
    assert at_provider.status_code == 302
    callback = urlsplit(at_provider.headers["Location"])
    assert callback.path == "/oidc/callback/"
    return client.get(f"{callback.path}?{callback.query}")


def _roles(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def test_a_member_of_a_mapped_group_signs_in_with_that_role(idp, client):
    response = sign_in_at(idp, client, ANN, next_url="/committees/")
    assert response.status_code == 302
    assert response["Location"] == "/committees/"
    user = get_user_model().objects.get(username="ann.smith@council.example")
    assert (user.email, user.first_name, user.last_name) == ("ann.smith@council.example", "Ann", "Smith")
    assert _roles(user) == {PERFORMANCE_TEAM}
    assert user.is_staff and not user.is_superuser
    assert client.get("/").status_code == 200


def test_someone_in_no_mapped_group_gets_the_default_role(idp, client):
    sign_in_at(idp, client, {**ANN, "groups": ["grp-unrelated"]})
    assert _roles(get_user_model().objects.get(username="ann.smith@council.example")) == {VIEWER}
    assert client.get("/").status_code == 200


def test_leaving_a_directory_group_removes_the_role_at_the_next_sign_in(idp, client):
    user = get_user_model().objects.create_user("ann.smith@council.example", is_staff=True)
    newsletter = Group.objects.create(name="Newsletter editors")
    user.groups.add(Group.objects.get(name=PERFORMANCE_TEAM), newsletter)
    sign_in_at(idp, client, {**ANN, "groups": ["grp-owners"]})
    user.refresh_from_db()
    assert _roles(user) == {SERVICE_OWNER, "Newsletter editors"}  # groups that are not roles are left alone
    assert not user.is_staff


def test_with_no_default_role_someone_in_no_mapped_group_is_refused(idp, client, settings):
    settings.KPIDASH_SSO_DEFAULT_ROLE = ""
    response = sign_in_at(idp, client, {**ANN, "groups": ["grp-unrelated"]})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?sso=failed"
    assert not get_user_model().objects.filter(username="ann.smith@council.example").exists()
    assert client.get("/").status_code == 302  # still signed out


def test_a_token_issued_to_another_application_is_refused(idp, client):
    idp.audience = "another-application"
    response = sign_in_at(idp, client, ANN)
    assert response["Location"] == "/accounts/login/?sso=failed"
    assert "_auth_user_id" not in client.session


def test_a_token_signed_with_a_key_the_provider_does_not_publish_is_refused(idp, client):
    idp.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    response = sign_in_at(idp, client, ANN)
    assert response.status_code in (302, 400)
    assert "_auth_user_id" not in client.session


def test_a_callback_with_a_forged_state_does_not_sign_in(idp, client):
    idp.next_user = ANN
    client.get("/oidc/authenticate/")
    response = client.get("/oidc/callback/", {"code": "made-up", "state": "forged"})
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_sign_on_pages_are_not_found_when_oidc_is_not_configured(client, settings):
    settings.KPIDASH_OIDC_ENABLED = False
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/", {"code": "x", "state": "y"}).status_code == 404


@pytest.mark.parametrize("endpoint", ["OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_JWKS_ENDPOINT", "OIDC_OP_USER_ENDPOINT"])
def test_a_provider_that_never_answers_sends_the_person_back_within_the_timeout_saying_so(
    idp, client, settings, endpoint
):
    from axes.models import AccessAttempt

    assert load_settings(**OIDC_ENV)["OIDC_TIMEOUT"] == 10  # requests' own default is to wait for ever
    with hanging_listener() as hung:
        setattr(settings, endpoint, f"http://{hung.url}/never")
        settings.OIDC_TIMEOUT = 1
        start = time.monotonic()
        response = sign_in_at(idp, client, ANN)
        assert time.monotonic() - start < 5
        assert hung.accepted
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?sso=unavailable"
    page = client.get(response["Location"]).content.decode()
    assert "The council's sign-in service did not answer, so you could not be signed in." in page
    assert "_auth_user_id" not in client.session
    assert not AccessAttempt.objects.exists()
