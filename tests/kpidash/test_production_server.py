"""kpidash as deployed: gunicorn with deploy/gunicorn.conf.py and production settings, on loopback.

The same commands as the README's production section (migrate, collectstatic,
gunicorn -c deploy/gunicorn.conf.py kpidash.wsgi), with TLS ending at a proxy
(SECURE_PROXY_SSL_HEADER=1): requests that came through it carry
X-Forwarded-Proto: https. Every assertion reads a real HTTP response.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.kpidash.test_settings_env import PRODUCTION, _env

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HTTPS = {"X-Forwarded-Proto": "https"}
PASSWORD = "ops-password-for-tests-only"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def production_server(folder: Path, **overrides: str) -> Iterator[str]:
    """gunicorn with production settings, its own SQLite database and the demo loaded; yields its URL.

    `overrides` add to or replace its environment (REDIS_URL=... for Redis as cache,
    sessions and broker; without it, the filesystem broker under `folder`).
    """
    port = _free_port()
    env = _env(
        **{**PRODUCTION, "ALLOWED_HOSTS": "127.0.0.1"},
        DATABASE_URL=f"sqlite:///{folder / 'kpidash.sqlite3'}",
        KPIDASH_VAR_DIR=str(folder),
        MEDIA_ROOT=str(folder / "media"),
        STATIC_ROOT=str(folder / "static"),
        SECURE_PROXY_SSL_HEADER="1",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        GUNICORN_THREADS="2",
        DJANGO_SUPERUSER_PASSWORD=PASSWORD,
        NO_PROXY="127.0.0.1,localhost",
    )
    env.pop("REDIS_URL", None)  # nothing shared with other tests unless asked for
    env.update(overrides)
    for command in (
        ["migrate", "--noinput"],
        ["collectstatic", "--noinput"],
        ["load_demo", "--not-a-live-site"],
        ["createsuperuser", "--noinput", "--username", "ops", "--email", "ops@example.gov.uk"],
    ):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True, timeout=300
        )
    # The log goes to a file: a pipe nobody reads fills up, and then every thread that logs blocks.
    log = folder / "gunicorn.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "kpidash.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"gunicorn did not start: {log.read_text()[-2000:]}")
        time.sleep(0.3)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with production_server(tmp_path_factory.mktemp("production")) as url:
        yield url


def _set_cookie(response: requests.Response, name: str) -> str:
    headers = [value for value in response.raw.headers.getlist("Set-Cookie") if value.startswith(f"{name}=")]
    assert headers, f"no {name} cookie set"
    return headers[0]


def sign_in(server: str) -> tuple[str, requests.Response]:
    """Sign in as ops through the real form; return (the session cookie header, the response)."""
    page = requests.get(f"{server}/accounts/login/", headers=HTTPS, timeout=10)
    token = page.cookies["csrftoken"]
    form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = requests.post(
        f"{server}/accounts/login/",
        data={"username": "ops", "password": PASSWORD, "csrfmiddlewaretoken": form_token},
        headers={
            **HTTPS,
            "Origin": server.replace("http:", "https:"),
            "Referer": f"{server}/accounts/login/".replace("http:", "https:"),
            "Cookie": f"csrftoken={token}",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:500]
    return f"sessionid={response.cookies['sessionid']}", response


@pytest.fixture(scope="module")
def signed_in(server):
    return sign_in(server)


def test_plain_http_is_redirected_to_https(server):
    response = requests.get(f"{server}/accounts/login/", allow_redirects=False, timeout=10)
    assert response.status_code == 301
    assert response.headers["Location"] == f"{server.replace('http:', 'https:')}/accounts/login/"


def test_load_balancer_probes_work_over_plain_http(server):
    assert requests.get(f"{server}/healthz", allow_redirects=False, timeout=10).json() == {"status": "ok"}
    ready = requests.get(f"{server}/readyz", allow_redirects=False, timeout=10)
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "broker": "ok", "storage": "ok"}


def test_pages_carry_the_security_headers(server):
    response = requests.get(f"{server}/accounts/login/", headers=HTTPS, timeout=10)
    assert response.status_code == 200
    headers = response.headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert "unsafe-inline" not in headers["Content-Security-Policy"]


def test_pages_have_no_inline_scripts_or_styles(server, signed_in):
    cookie, _ = signed_in
    for path in ("/accounts/login/", "/", "/committees/policy-and-resources/", "/indicators/ICT02/"):
        response = requests.get(f"{server}{path}", headers={**HTTPS, "Cookie": cookie}, timeout=10)
        assert response.status_code == 200, path
        html = response.text
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert scripts and all("src=" in tag for tag in scripts), scripts
        assert not re.search(r"<style\b|\sstyle=", html)


def test_the_csrf_cookie_is_secure(server):
    response = requests.get(f"{server}/accounts/login/", headers=HTTPS, timeout=10)
    cookie = _set_cookie(response, "csrftoken")
    assert "Secure" in cookie and "SameSite=Lax" in cookie


def test_the_session_cookie_is_secure_http_only_and_expires_when_idle(signed_in):
    _, response = signed_in
    cookie = _set_cookie(response, "sessionid")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Max-Age=1800" in cookie


def test_a_signed_in_page_is_served(server, signed_in):
    cookie, _ = signed_in
    response = requests.get(f"{server}/", headers={**HTTPS, "Cookie": cookie}, allow_redirects=False, timeout=10)
    assert response.status_code == 200
    assert "Sign out" in response.text
    assert response.headers["Cache-Control"] == "private, no-store"


def test_static_files_have_hashed_names_and_are_compressed_and_cached(server):
    html = requests.get(f"{server}/accounts/login/", headers=HTTPS, timeout=10).text
    stylesheet = re.search(r'href="(/static/build/kpidash\.[0-9a-f]{12}\.css)"', html)
    assert stylesheet, "the stylesheet has a content-hashed name"
    response = requests.get(
        f"{server}{stylesheet.group(1)}", headers={**HTTPS, "Accept-Encoding": "gzip, br"}, timeout=10
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/css")
    assert response.headers["Content-Encoding"] in {"br", "gzip"}
    assert "immutable" in response.headers["Cache-Control"]
    assert "no-store" not in response.headers["Cache-Control"]


def test_uploaded_and_generated_files_are_not_served_as_urls(server, signed_in, tmp_path):
    cookie, _ = signed_in
    for path in ("/media/papers/x.pdf", "/var/media/papers/x.pdf"):
        response = requests.get(
            f"{server}{path}", headers={**HTTPS, "Cookie": cookie}, allow_redirects=False, timeout=10
        )
        assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(server):
    for path in ("/", "/admin/", "/papers/"):
        response = requests.get(f"{server}{path}", headers=HTTPS, allow_redirects=False, timeout=10)
        assert response.status_code == 302
        assert "/login/" in response.headers["Location"]


def test_errors_show_the_service_page_not_a_debug_page(server, signed_in):
    cookie, _ = signed_in
    response = requests.get(f"{server}/no-such-page/", headers={**HTTPS, "Cookie": cookie}, timeout=10)
    assert response.status_code == 404
    assert "Traceback" not in response.text and "DEBUG = True" not in response.text
    assert os.environ.get("DJANGO_SETTINGS_MODULE", "kpidash.settings") == "kpidash.settings"
