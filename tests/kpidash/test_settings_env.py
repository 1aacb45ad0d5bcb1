"""Production settings from environment variables, each read by a fresh process as a host would."""

from __future__ import annotations

import json
import os
import re
import runpy
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from accounts.roles import ROLES

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
    "EMAIL_",
    "DB_CONNECT_TIMEOUT",
    "DB_LOCK_TIMEOUT",
    "KPIDASH_SSO",
    "KPIDASH_STORAGE",
    "LOG_FORMAT",
    "SESSION_",
    "AXES_",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)  # the last: set by the browser tests


SOURCE = (ROOT / "kpidash" / "settings.py").read_text()
# Every variable kpidash/settings.py reads: each goes through a reader of kpidash/env.py.
READ = set(re.findall(r'(?:env\.\w+|env_group_map)\(\s*"([A-Z][A-Z0-9_]+)"', SOURCE))


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
    env = {key: value for key, value in _env().items() if key not in READ}
    env = {**env, "KPIDASH_CACHE_VERSION": "test", **overrides}
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


def test_the_single_sign_on_roles_are_checked_against_the_one_list_of_roles(settings):
    from accounts.apps import check_role_settings

    check_role_settings()  # the shipped defaults name real roles
    assert not any(f'"{role}"' in SOURCE for role in ROLES if role != "Viewer"), "settings.py copies the roles"
    settings.KPIDASH_SSO_DEFAULT_ROLE = "viewer"
    with pytest.raises(ImproperlyConfigured) as refused:
        check_role_settings()
    assert "KPIDASH_SSO_DEFAULT_ROLE='viewer' is not allowed: use one of " + ", ".join(map(repr, ROLES)) in str(
        refused.value
    )


def test_an_unknown_default_role_stops_start_up():
    result = run(["manage.py", "check"], KPIDASH_SSO_DEFAULT_ROLE="Admin")
    assert result.returncode != 0
    assert "KPIDASH_SSO_DEFAULT_ROLE='Admin' is not allowed" in result.stderr


def test_an_empty_default_role_refuses_users_in_no_mapped_group():
    assert load_settings(KPIDASH_SSO_DEFAULT_ROLE="")["KPIDASH_SSO_DEFAULT_ROLE"] == ""
    assert load_settings()["KPIDASH_SSO_DEFAULT_ROLE"] == "Viewer"


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
        "accounts.auth.OIDCBackend",
        "accounts.auth.ModelBackend",
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
        "AUTHENTICATION_BACKENDS": ["axes.backends.AxesStandaloneBackend", "accounts.auth.ModelBackend"],
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
    assert result.returncode != 0
    assert "KPIDASH_STORAGE='ftp' is not allowed: use one of 'filesystem', 's3'." in result.stderr


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


# --- every variable, validated at start-up --------------------------------------

OIDC = {"OIDC_RP_CLIENT_ID": "app-id", "OIDC_RP_CLIENT_SECRET": "app-secret", "OIDC_ENTRA_TENANT_ID": "tenant-1"}
LDAP = {
    "AUTH_LDAP_SERVER_URI": "ldaps://dc1.council.internal",
    "AUTH_LDAP_USER_SEARCH_BASE": "ou=staff,dc=council,dc=internal",
    "AUTH_LDAP_GROUP_SEARCH_BASE": "ou=groups,dc=council,dc=internal",
}
S3 = {"KPIDASH_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": "papers"}
A_NUMBER = "use a whole number of at least"
SECONDS = "use a number of seconds above 0 and at most"
BOOLEAN = "use 1 or 0 (true/false, yes/no, on/off)"

# (variable, a mistyped value, what else must be set for it to be read, what the message says is allowed)
BAD_VALUES = [
    ("DEBUG", "maybe", {}, BOOLEAN),
    ("ALLOWED_HOSTS", "https://kpidash.example.gov.uk", {}, "list host names such as kpidash.example.gov.uk"),
    ("CSRF_TRUSTED_ORIGINS", "kpidash.example.gov.uk", {}, "list origins such as https://kpidash.example.gov.uk"),
    ("DATABASE_URL", "mysql://kpidash@db/kpidash", {}, "use a URL starting postgres:// or postgresql:// or sqlite://"),
    ("DB_CONN_MAX_AGE", "forever", {}, f"{A_NUMBER} 0"),
    ("DB_CONNECT_TIMEOUT", "1", {"DATABASE_URL": "postgres://kpidash@db/kpidash"}, "use a whole number from 2 to 60"),
    ("DB_LOCK_TIMEOUT", "10s", {"DATABASE_URL": "postgres://kpidash@db/kpidash"}, f"{SECONDS} 60"),
    ("REDIS_URL", "127.0.0.1:6379", {}, "use a URL starting redis:// or rediss:// or unix://"),
    ("REDIS_CONNECT_TIMEOUT", "500ms", {}, f"{SECONDS} 60"),
    ("REDIS_TIMEOUT", "0", {}, f"{SECONDS} 60"),
    ("CACHE_RETRY_SECONDS", "-1", {"REDIS_URL": "redis://127.0.0.1:6379/0"}, f"{SECONDS} 3600"),
    ("CELERY_VISIBILITY_TIMEOUT", "1h", {"REDIS_URL": "redis://127.0.0.1:6379/0"}, f"{A_NUMBER} 1"),
    ("CACHE_SECONDS", "0", {}, f"{A_NUMBER} 1"),
    ("CELERY_TASK_ALWAYS_EAGER", "sometimes", {}, BOOLEAN),
    ("KPIDASH_PAGE_CACHE", "off-ish", {}, BOOLEAN),
    ("KPIDASH_PUBLIC_SITE", "public", {}, BOOLEAN),
    ("KPIDASH_PUBLIC_REQUESTS_PER_MINUTE", "0", {}, f"{A_NUMBER} 1"),
    ("KPIDASH_ACTION_REMINDER_DAYS", "61", {}, "use a whole number from 0 to 60"),
    ("EMAIL_BACKEND", "django.core.mail.backends.smpt.EmailBackend", {}, "use an importable dotted path"),
    ("DEFAULT_FROM_EMAIL", "kpidash", {}, "use an email address"),
    ("EMAIL_PORT", "smtp", {}, "use a whole number from 1 to 65535"),
    ("EMAIL_USE_TLS", "starttls", {}, BOOLEAN),
    ("EMAIL_TIMEOUT", "never", {}, f"{SECONDS} 60"),
    (
        "KPIDASH_DEFAULT_SCHEME",
        "flor",
        {},
        "use one of 'floor', 'tolerance', 'target_only', 'tolerance_trend', 'data_only'",
    ),
    ("KPIDASH_DEFAULT_GREEN_TOLERANCE", "five", {}, "use a number of at least 0, e.g. 2.5"),
    ("KPIDASH_DEFAULT_AMBER_TOLERANCE", "-3", {}, "use a number of at least 0, e.g. 2.5"),
    ("KPIDASH_DEFAULT_TOLERANCE_UNIT", "percnt", {}, "use one of 'percent', 'absolute'"),
    ("KPIDASH_IMPORT_MAX_BYTES", "10MB", {}, f"{A_NUMBER} 1"),
    ("KPIDASH_IMPORT_MAX_ROWS", "0", {}, f"{A_NUMBER} 1"),
    ("KPIDASH_IMPORT_MAX_AGE", "1d", {}, f"{A_NUMBER} 1"),
    ("KPIDASH_PAPER_DIR", "../etc", {}, "use a folder name inside MEDIA_ROOT"),
    ("KPIDASH_PAPER_SOFT_TIME_LIMIT", "2m", {}, f"{A_NUMBER} 1"),
    ("KPIDASH_PAPER_TIME_LIMIT", "3m", {}, f"{A_NUMBER} 1"),
    ("KPIDASH_COMMENTARY_REQUIRED_FOR", "amber,redd", {}, "list some of 'green', 'amber', 'red', 'concern'"),
    ("KPIDASH_REMINDER_WORKING_DAYS_BEFORE", "three", {}, "use a whole number from 0 to 20"),
    ("KPIDASH_ACTION_REQUIRED_TO_SUBMIT", "only for red", {}, BOOLEAN),
    ("KPIDASH_ESCALATE_WORKING_DAYS_AFTER", "-1", {}, "use a whole number from 0 to 20"),
    ("KPIDASH_BANK_HOLIDAYS", "wales", {}, "use one of 'england-and-wales', 'scotland', 'northern-ireland'"),
    ("KPIDASH_API_TOKEN_DAYS", "90d", {}, "use a whole number from 1 to 3650"),
    ("KPIDASH_API_TOKEN_DAYS", "0", {}, "use a whole number from 1 to 3650"),
    ("KPIDASH_API_REQUESTS_PER_MINUTE", "120/min", {}, f"{A_NUMBER} 1"),
    ("LOG_LEVEL", "verbose", {}, "use one of 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'"),
    ("LOG_FORMAT", "xml", {}, "use one of 'plain', 'json'"),
    ("SECURE_PROXY_SSL_HEADER", "https", {}, BOOLEAN),
    ("SECURE_SSL_REDIRECT", "y", {}, BOOLEAN),
    ("SECURE_HSTS_SECONDS", "1y", {}, f"{A_NUMBER} 0"),
    ("SECURE_HSTS_INCLUDE_SUBDOMAINS", "sure", {}, BOOLEAN),
    ("SECURE_HSTS_PRELOAD", "2", {}, BOOLEAN),
    ("SESSION_COOKIE_SECURE", "secure", {}, BOOLEAN),
    ("CSRF_COOKIE_SECURE", "t", {}, BOOLEAN),
    ("SESSION_IDLE_TIMEOUT", "30m", {}, f"{A_NUMBER} 1"),
    ("SESSION_REFRESH_SECONDS", "-5", {}, f"{A_NUMBER} 0"),
    ("SESSION_ABSOLUTE_TIMEOUT", "0", {}, f"{A_NUMBER} 1"),
    ("AXES_FAILURE_LIMIT", "0", {}, f"{A_NUMBER} 1"),
    ("AXES_COOLOFF_MINUTES", "15m", {}, f"{A_NUMBER} 1"),
    ("KPIDASH_PROXY_COUNT", "one", {}, "use a whole number from 0 to 10"),
    ("KPIDASH_STORAGE", "ftp", {}, "use one of 'filesystem', 's3'"),
    ("AWS_S3_ENDPOINT_URL", "s3.example.internal", S3, "use a URL starting https:// or http://"),
    ("AWS_S3_TIMEOUT", "5s", S3, f"{SECONDS} 60"),
    ("OIDC_OP_AUTHORIZATION_ENDPOINT", "login.example/authorize", OIDC, "use a URL starting https://"),
    ("OIDC_OP_TOKEN_ENDPOINT", "login.example/token", OIDC, "use a URL starting https://"),
    ("OIDC_OP_JWKS_ENDPOINT", "ftp://login.example/keys", OIDC, "use a URL starting https://"),
    ("OIDC_OP_USER_ENDPOINT", "userinfo", OIDC, "use a URL starting https://"),
    ("OIDC_OP_ISSUER", "tenant-1", OIDC, "use a URL starting https://"),
    ("OIDC_RP_SIGN_ALGO", "RSA256", OIDC, "use one of 'RS256', 'RS384', 'RS512', 'PS256'"),
    ("OIDC_RP_SCOPES", "email profile", OIDC, "include openid"),
    ("OIDC_TIMEOUT", "10s", OIDC, "use a whole number from 1 to 120"),
    ("OIDC_LOGIN_REDIRECT", "off please", OIDC, BOOLEAN),
    ("AUTH_LDAP_SERVER_URI", "dc1.council.internal", {}, "use ldap:// or ldaps:// URLs"),
    ("AUTH_LDAP_START_TLS", "tls", LDAP, BOOLEAN),
    ("AUTH_LDAP_TIMEOUT", "10s", LDAP, f"{SECONDS} 60"),
    ("AUTH_LDAP_USER_FILTER", "(sAMAccountName=user)", LDAP, "include %(user)s"),
    ("AUTH_LDAP_GROUP_TYPE", "ad", LDAP, "use one of 'active-directory', 'group-of-names', 'posix'"),
]
# Any text is a valid value of these (names, paths, secrets, filters): nothing to refuse but absence.
FREE_TEXT = {
    "SECRET_KEY",  # required when DEBUG is off: test_production_refuses_to_start_without_a_secret_key
    "KPIDASH_VAR_DIR",
    "MEDIA_ROOT",
    "STATIC_ROOT",
    "KPIDASH_IMPORT_DIR",
    "EMAIL_FILE_PATH",
    "EMAIL_HOST",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "KPIDASH_CACHE_VERSION",
    "AWS_S3_REGION_NAME",
    "KPIDASH_SSO_DEFAULT_ROLE",  # checked against the roles as the apps load (test above)
    "KPIDASH_SSO_GROUP_MAP",  # test_a_malformed_group_map_stops_start_up_naming_the_variable
    "OIDC_RP_CLIENT_ID",
    "OIDC_ENTRA_TENANT_ID",
    "OIDC_USERNAME_CLAIM",
    "OIDC_GROUPS_CLAIM",
    "AUTH_LDAP_BIND_DN",
    "AUTH_LDAP_BIND_PASSWORD",
    "AUTH_LDAP_GROUP_FILTER",
}
# Required when a feature is on (test_a_required_variable_missing_stops_start_up).
REQUIRED = {
    "AWS_STORAGE_BUCKET_NAME": S3,
    "OIDC_RP_CLIENT_SECRET": OIDC,
    "AUTH_LDAP_USER_SEARCH_BASE": LDAP,
    "AUTH_LDAP_GROUP_SEARCH_BASE": LDAP,
}


def refusal(**env: str) -> str:
    with pytest.raises(ImproperlyConfigured) as refused:
        load_settings(**env)
    return str(refused.value)


@pytest.mark.parametrize(("name", "bad", "context", "allowed"), BAD_VALUES, ids=[row[0] for row in BAD_VALUES])
def test_a_mistyped_setting_stops_start_up_naming_the_variable_value_and_what_is_allowed(name, bad, context, allowed):
    message = refusal(**context, **{name: bad})
    assert message.startswith(f"{name}={bad!r} is not allowed: "), message
    assert allowed in message


def test_every_variable_the_settings_read_is_checked_here():
    named = {row[0] for row in BAD_VALUES} | FREE_TEXT | set(REQUIRED)
    assert READ - named == set(), "add a row for each new variable to BAD_VALUES (or FREE_TEXT)"
    assert len(READ) > 70 and "os.environ" not in SOURCE, "read variables through kpidash/env.py"


@pytest.mark.parametrize(("name", "context"), REQUIRED.items(), ids=list(REQUIRED))
def test_a_required_variable_missing_stops_start_up(name, context):
    env = {key: value for key, value in context.items() if key != name}
    assert " must be set when " in refusal(**env) and refusal(**env).startswith(name)


def test_a_database_url_refused_does_not_show_its_password():
    message = refusal(DATABASE_URL="mysql://kpidash:hunter2-secret@db.example/kpidash")
    assert message.startswith("DATABASE_URL='mysql://kpidash:***@db.example/kpidash' is not allowed")
    assert "hunter2" not in message


def test_a_green_tolerance_wider_than_the_amber_is_refused():
    message = refusal(KPIDASH_DEFAULT_GREEN_TOLERANCE="12", KPIDASH_DEFAULT_AMBER_TOLERANCE="10")
    assert (
        message == "KPIDASH_DEFAULT_GREEN_TOLERANCE (12) must not be wider than KPIDASH_DEFAULT_AMBER_TOLERANCE (10)."
    )


def test_a_visibility_timeout_shorter_than_a_paper_is_refused():
    message = refusal(REDIS_URL="redis://127.0.0.1:6379/0", CELERY_VISIBILITY_TIMEOUT="60")
    assert message == "CELERY_VISIBILITY_TIMEOUT must be greater than KPIDASH_PAPER_TIME_LIMIT."


def test_well_formed_values_are_read_as_their_types():
    values = load_settings(
        KPIDASH_DEFAULT_SCHEME="tolerance",
        KPIDASH_DEFAULT_GREEN_TOLERANCE="2.5",
        KPIDASH_DEFAULT_AMBER_TOLERANCE="7.25",
        KPIDASH_DEFAULT_TOLERANCE_UNIT="absolute",
        KPIDASH_COMMENTARY_REQUIRED_FOR="red, concern",
        KPIDASH_BANK_HOLIDAYS="scotland",
        KPIDASH_API_TOKEN_DAYS="30",
        KPIDASH_API_REQUESTS_PER_MINUTE="600",
        LOG_LEVEL="WARNING",
        STATIC_ROOT="/srv/kpidash/static",
        DEBUG="off",
        SECRET_KEY="x" * 50,
    )
    assert values["KPIDASH_DEFAULT_SCHEME"] == "tolerance"
    assert values["KPIDASH_DEFAULT_GREEN_TOLERANCE"] == Decimal("2.5")
    assert values["KPIDASH_DEFAULT_AMBER_TOLERANCE"] == Decimal("7.25")
    assert values["KPIDASH_DEFAULT_TOLERANCE_UNIT"] == "absolute"
    assert values["KPIDASH_COMMENTARY_REQUIRED_FOR"] == ["red", "concern"]
    assert values["KPIDASH_BANK_HOLIDAYS"] == "scotland"
    assert values["KPIDASH_API_TOKEN_DAYS"] == 30
    assert values["KPIDASH_API_REQUESTS_PER_MINUTE"] == 600
    assert values["LOGGING"]["root"]["level"] == "WARNING"
    assert values["STATIC_ROOT"] == Path("/srv/kpidash/static")
    assert values["DEBUG"] is False
    assert SOURCE.count("\nSTATIC_ROOT =") == 1, "STATIC_ROOT is set in one place"


def test_redis_timeouts_reach_the_cache_the_broker_and_the_health_check():
    values = load_settings(REDIS_URL="redis://127.0.0.1:6379/0", REDIS_CONNECT_TIMEOUT="0.25", REDIS_TIMEOUT="0.4")
    options = values["CACHES"]["default"]["OPTIONS"]
    assert (options["SOCKET_CONNECT_TIMEOUT"], options["SOCKET_TIMEOUT"], options["RETRY_AFTER"]) == (0.25, 0.4, 5)
    broker = values["CELERY_BROKER_TRANSPORT_OPTIONS"]
    assert (broker["socket_connect_timeout"], broker["socket_timeout"]) == (0.25, 0.4)
    assert values["CELERY_BROKER_CONNECTION_TIMEOUT"] == 0.25
    assert (values["REDIS_CONNECT_TIMEOUT"], values["REDIS_TIMEOUT"]) == (0.25, 0.4)  # kpidash/health.py
    defaults = load_settings(REDIS_URL="redis://127.0.0.1:6379/0")
    assert defaults["REDIS_CONNECT_TIMEOUT"] <= 0.5 and defaults["REDIS_TIMEOUT"] <= 0.5


def test_commentary_is_required_by_default_for_amber_red_and_a_special_cause_of_concern():
    assert load_settings()["KPIDASH_COMMENTARY_REQUIRED_FOR"] == ["amber", "red", "concern"]
    assert load_settings(KPIDASH_COMMENTARY_REQUIRED_FOR="")["KPIDASH_COMMENTARY_REQUIRED_FOR"] == []


def test_submitting_a_red_return_needs_no_improvement_action_unless_the_setting_says_so():
    assert load_settings()["KPIDASH_ACTION_REQUIRED_TO_SUBMIT"] is False
    assert load_settings(KPIDASH_ACTION_REQUIRED_TO_SUBMIT="yes")["KPIDASH_ACTION_REQUIRED_TO_SUBMIT"] is True


def test_database_url_query_options_are_kept_and_the_lock_timeout_added_to_them():
    url = "postgres://kpidash@db/kpidash?connect_timeout=3&options=-c%20search_path%3Dkpidash"
    options = load_settings(DATABASE_URL=url)["DATABASES"]["default"]["OPTIONS"]
    assert int(options["connect_timeout"]) == 3
    assert options["options"] == "-c search_path=kpidash -c lock_timeout=10000"


def test_a_lock_timeout_of_0_sets_none_for_pgbouncer_which_refuses_startup_options():
    options = load_settings(DATABASE_URL="postgres://kpidash@db/kpidash", DB_LOCK_TIMEOUT="0")["DATABASES"]["default"]
    assert "options" not in options["OPTIONS"]
