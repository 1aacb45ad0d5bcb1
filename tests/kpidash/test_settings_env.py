"""Production settings from environment variables, each read by a fresh process as a host would."""

from __future__ import annotations

import json
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from indicators.roles import ROLES

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-test-only-secret-key-that-is-long-and-random-enough-0123456789",
    "ALLOWED_HOSTS": "kpidash.example.gov.uk",
}
# Variables of the machine running the tests that would change what is being checked.
_OURS = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "SECURE_",
    "OIDC_",
    "AUTH_LDAP_",
    "KPIDASH_SSO",
    "KPIDASH_STORAGE",
    "LOG_FORMAT",
    "SESSION_",
    "AXES_",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)  # the last: set by the browser tests


def _env(**overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(_OURS)}
    return {**env, "DJANGO_SETTINGS_MODULE": "kpidash.settings", **overrides}


def run(args: list[str], **overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=_env(**overrides), capture_output=True, text=True, timeout=120
    )


def setting(names: list[str], **overrides: str) -> dict:
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {names!r}}}, default=str))"
    )
    result = run(["-c", code], **overrides)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def load_settings(**overrides: str) -> dict:
    """kpidash/settings.py run afresh in this process with only these variables of ours set: its names.

    Faster than a subprocess, for the many cases of bad values; the running
    Django's own settings are untouched.
    """
    env = {**_env(KPIDASH_CACHE_VERSION="test"), **overrides}
    env.pop("DJANGO_SETTINGS_MODULE")
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        return runpy.run_path(str(ROOT / "kpidash" / "settings.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_check_deploy_is_clean_with_production_settings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_fails_when_https_is_switched_off_without_a_proxy():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        **PRODUCTION,
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
    )
    assert result.returncode != 0
    assert "security.W008" in result.stderr and "security.W012" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = run(["manage.py", "check"], DEBUG="0", ALLOWED_HOSTS="kpidash.example.gov.uk")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_production_defaults_are_secure():
    values = setting(
        [
            "SECURE_SSL_REDIRECT",
            "SECURE_HSTS_SECONDS",
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            "X_FRAME_OPTIONS",
            "DATABASES",
            "STORAGES",
        ],
        **PRODUCTION,
    )
    assert values["SECURE_SSL_REDIRECT"] and values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_HSTS_SECONDS"] == 31_536_000
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["DATABASES"]["default"]["CONN_MAX_AGE"] == 60  # persistent connections
    assert values["STORAGES"]["staticfiles"]["BACKEND"] == "kpidash.static_storage.StaticFilesStorage"


def test_development_is_not_forced_to_https():
    values = setting(["SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "SECURE_HSTS_SECONDS"], DEBUG="1")
    assert values == {"SECURE_SSL_REDIRECT": False, "SESSION_COOKIE_SECURE": False, "SECURE_HSTS_SECONDS": 0}


def test_tls_at_a_proxy_trusts_its_forwarded_proto_header():
    values = setting(["SECURE_PROXY_SSL_HEADER"], **PRODUCTION, SECURE_PROXY_SSL_HEADER="1")
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_session_timeouts_come_from_the_environment():
    values = setting(
        ["SESSION_COOKIE_AGE", "KPIDASH_SESSION_MAX_AGE"], SESSION_IDLE_TIMEOUT="900", SESSION_ABSOLUTE_TIMEOUT="3600"
    )
    assert values == {"SESSION_COOKIE_AGE": 900, "KPIDASH_SESSION_MAX_AGE": 3600}


def test_an_idle_timeout_longer_than_the_lifetime_is_refused():
    result = run(["manage.py", "check"], SESSION_IDLE_TIMEOUT="7200", SESSION_ABSOLUTE_TIMEOUT="3600")
    assert "SESSION_IDLE_TIMEOUT must be positive and at most SESSION_ABSOLUTE_TIMEOUT." in result.stderr


def test_the_settings_role_names_are_the_roles():
    assert setting(["KPIDASH_ROLE_NAMES"])["KPIDASH_ROLE_NAMES"] == list(ROLES)


@pytest.mark.parametrize(
    "raw",
    [
        '{"KPI Performance Team": "Performance team", "KPI Owners": "Service owner"}',
        "KPI Performance Team=Performance team; KPI Owners=Service owner",
    ],
)
def test_the_group_map_reads_json_or_pairs(raw):
    values = setting(["KPIDASH_SSO_GROUP_MAP"], KPIDASH_SSO_GROUP_MAP=raw)
    assert values["KPIDASH_SSO_GROUP_MAP"] == {
        "KPI Performance Team": "Performance team",
        "KPI Owners": "Service owner",
    }


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("KPI Team=Performance Team", "KPIDASH_SSO_GROUP_MAP names unknown roles ['Performance Team']"),
        ("KPI Team", "KPIDASH_SSO_GROUP_MAP: 'KPI Team' is not in the form directory-group=Role."),
        ('{"KPI Team": ', "KPIDASH_SSO_GROUP_MAP is not valid JSON"),
    ],
)
def test_a_malformed_group_map_stops_start_up_naming_the_variable(raw, message):
    result = run(["manage.py", "check"], KPIDASH_SSO_GROUP_MAP=raw)
    assert result.returncode != 0
    assert message in result.stderr


def test_an_entra_tenant_fills_in_the_openid_endpoints():
    values = setting(
        ["AUTHENTICATION_BACKENDS", "OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_JWKS_ENDPOINT", "OIDC_OP_ISSUER", "LOGIN_URL"],
        OIDC_RP_CLIENT_ID="app-id",
        OIDC_RP_CLIENT_SECRET="app-secret",
        OIDC_ENTRA_TENANT_ID="tenant-1",
    )
    assert values["AUTHENTICATION_BACKENDS"] == [
        "axes.backends.AxesStandaloneBackend",
        "kpidash.auth.OIDCBackend",
        "kpidash.auth.ModelBackend",
    ]
    assert values["OIDC_OP_TOKEN_ENDPOINT"] == "https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token"
    assert values["OIDC_OP_JWKS_ENDPOINT"] == "https://login.microsoftonline.com/tenant-1/discovery/v2.0/keys"
    assert values["OIDC_OP_ISSUER"] == "https://login.microsoftonline.com/tenant-1/v2.0"
    assert values["LOGIN_URL"] == "oidc_authentication_init"


def test_oidc_without_its_secret_stops_start_up():
    result = run(["manage.py", "check"], OIDC_RP_CLIENT_ID="app-id", OIDC_ENTRA_TENANT_ID="tenant-1")
    assert "OIDC_RP_CLIENT_SECRET must be set when OIDC_RP_CLIENT_ID is set." in result.stderr


def test_without_single_sign_on_only_local_accounts_sign_in():
    values = setting(["AUTHENTICATION_BACKENDS", "LOGIN_URL"])
    assert values == {
        "AUTHENTICATION_BACKENDS": ["axes.backends.AxesStandaloneBackend", "kpidash.auth.ModelBackend"],
        "LOGIN_URL": "login",
    }


def test_papers_can_live_in_s3_compatible_storage():
    values = setting(
        ["STORAGES"],
        KPIDASH_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="papers",
        AWS_S3_ENDPOINT_URL="https://s3.example.internal",
    )
    default = values["STORAGES"]["default"]
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    assert default["OPTIONS"]["bucket_name"] == "papers"
    assert default["OPTIONS"]["endpoint_url"] == "https://s3.example.internal"


def test_an_unknown_storage_stops_start_up():
    result = run(["manage.py", "check"], KPIDASH_STORAGE="ftp")
    assert "KPIDASH_STORAGE must be filesystem or s3, not 'ftp'." in result.stderr


def test_json_logs_are_one_object_per_line_on_stdout():
    code = "import django, logging; django.setup(); logging.getLogger('kpidash.test').warning('paper %s failed', 7)"
    result = run(["-c", code], LOG_FORMAT="json")
    record = json.loads(result.stdout.strip().splitlines()[-1])
    assert record["message"] == "paper 7 failed"
    assert (record["level"], record["logger"]) == ("WARNING", "kpidash.test")


def test_the_static_storage_works_out_each_url_once(tmp_path, monkeypatch):
    """The hashed name comes from the manifest the first time, then from memory."""
    import json

    from kpidash.static_storage import StaticFilesStorage

    (tmp_path / "staticfiles.json").write_text(
        json.dumps({"version": "1.1", "paths": {"build/kpidash.css": "build/kpidash.0123456789ab.css"}, "hash": "x"})
    )
    storage = StaticFilesStorage(location=str(tmp_path), base_url="/static/")
    assert storage.url("build/kpidash.css") == "/static/build/kpidash.0123456789ab.css"
    storage.hashed_files.clear()  # were the manifest asked again, the name would now be missing
    monkeypatch.setattr(storage, "manifest_strict", True)
    assert storage.url("build/kpidash.css") == "/static/build/kpidash.0123456789ab.css"
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
        storage.url("build/missing.css")


def test_each_release_of_the_code_has_its_own_cache_entries(tmp_path, monkeypatch):
    from kpidash import settings as project_settings

    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "page.html"
    page.write_text("<p>one</p>")
    monkeypatch.setattr(project_settings, "BASE_DIR", tmp_path)
    first = project_settings._code_digest()
    assert first == project_settings._code_digest()
    page.write_text("<p>two</p>")  # a deploy that changes a template
    assert project_settings._code_digest() != first


def test_the_cache_version_is_the_code_digest_unless_set():
    values = setting(["KPIDASH_CACHE_VERSION", "CACHES"])
    assert re.fullmatch(r"[0-9a-f]{12}", values["KPIDASH_CACHE_VERSION"])
    assert values["CACHES"]["default"]["VERSION"] == values["KPIDASH_CACHE_VERSION"]
    pinned = setting(["KPIDASH_CACHE_VERSION"], KPIDASH_CACHE_VERSION="release-42")
    assert pinned == {"KPIDASH_CACHE_VERSION": "release-42"}
