"""A hung Redis (stopped with SIGSTOP: connections accepted, nothing answered) does not hang the site.

gunicorn with production settings and its own redis-server as cache, session
store and broker. While Redis is stopped, signed-in pages are drawn without the
cache within a bounded time, /readyz says the broker failed, /healthz and the
sign-in page answer; once it is continued, everything is as before.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
import redis
import requests
from celery import Celery
from kombu.exceptions import OperationalError

from tests.kpidash.test_production_server import HTTPS, _free_port, production_server, sign_in
from tests.kpidash.test_redis_cache import shipped_cache
from tests.kpidash.test_settings_env import load_settings

PAGES = ("/", "/committees/policy-and-resources/", "/indicators/ICT02/")
# Each Redis call gives up after REDIS_TIMEOUT (0.5 s by default); a page makes a
# few, and the machine is shared, so a page answered in this long was not hung.
BOUND = 3.0


@pytest.fixture(scope="module")
def redis_server():
    """A redis-server of this module's own, on a free port: (its URL, its process) to stop and continue."""
    if shutil.which("redis-server") is None:
        if os.environ.get("CI") or os.environ.get("KPIDASH_REQUIRE_BROWSER"):
            pytest.fail("redis-server is not installed")  # CI must not pass by skipping (tests/services.py)
        pytest.skip("redis-server is not installed")
    port = _free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(port=port, socket_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    pytest.fail("redis-server did not start")
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}", process
    finally:
        process.send_signal(signal.SIGCONT)
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def hung(process: subprocess.Popen) -> Iterator[None]:
    process.send_signal(signal.SIGSTOP)
    try:
        yield
    finally:
        process.send_signal(signal.SIGCONT)


@pytest.fixture(scope="module")
def hung_redis_site(redis_server, tmp_path_factory):
    url, process = redis_server
    with production_server(tmp_path_factory.mktemp("hung-redis"), REDIS_URL=f"{url}/0") as site:
        yield site, process


def test_a_hung_redis_costs_the_cache_one_timeout_then_is_skipped_until_asked_again(redis_server):
    url, process = redis_server
    cache = shipped_cache(f"{url}/1", RETRY_AFTER=1)
    cache.set("part", "<p>Dashboard</p>")
    with hung(process):
        start = time.monotonic()
        assert cache.get("part") is None  # a miss, after one timeout (REDIS_TIMEOUT)
        assert 0.4 < time.monotonic() - start < 2
        start = time.monotonic()
        for _ in range(20):  # a page's worth of calls, and more
            assert cache.get_many(["part", "lock"]) == {}
            assert not cache.add("lock", 1, timeout=30)
        assert time.monotonic() - start < 0.1, "calls while skipped do not wait for Redis"
        time.sleep(1.1)
        start = time.monotonic()
        cache.set("part", "<p>New</p>")  # asked again after RETRY_AFTER: still hung
        assert 0.4 < time.monotonic() - start < 2
    time.sleep(1.1)
    assert cache.get("part") == "<p>Dashboard</p>"


def test_calls_skipped_while_redis_hangs_log_no_traceback_each(redis_server, caplog, log_ignored):
    url, process = redis_server
    cache = shipped_cache(f"{url}/3")
    cache.get("part")
    with caplog.at_level(logging.WARNING, logger="kpidash.redis_cache"), hung(process):
        for _ in range(12):  # as a page's callers do: a miss, drawn without the cache
            assert cache.get("part") is None
    records = [record for record in caplog.records if record.name == "kpidash.redis_cache"]
    # The call that timed out is logged, with its traceback, and the skip; the 11 skipped after it are not.
    assert [record.getMessage() for record in records] == [
        "Redis did not answer (TimeoutError); cache skipped for 5 s",
        "Exception ignored",
    ]
    assert isinstance(records[1].exc_info[1].__cause__, redis.TimeoutError)


def test_a_hung_broker_fails_a_publish_within_seconds(redis_server, tmp_path):
    url, process = redis_server
    shipped = load_settings(REDIS_URL=f"{url}/2", KPIDASH_VAR_DIR=str(tmp_path))
    app = Celery("hung-broker-probe")
    app.conf.update(
        broker_url=shipped["CELERY_BROKER_URL"],
        broker_transport_options=shipped["CELERY_BROKER_TRANSPORT_OPTIONS"],
        broker_connection_timeout=shipped["CELERY_BROKER_CONNECTION_TIMEOUT"],
    )
    try:
        app.send_task("reports.tasks.nothing", args=(1,))  # connected while Redis answers
        with hung(process):
            start = time.monotonic()
            with pytest.raises(OperationalError):  # reports.services marks the paper failed, with a reason
                app.send_task("reports.tasks.nothing", args=(1,))
            assert time.monotonic() - start < 6  # kombu's publish retries, each waiting REDIS_TIMEOUT
    finally:
        app.close()


def _timed_get(url: str, cookie: str = "") -> tuple[int, float, requests.Response]:
    start = time.monotonic()
    response = requests.get(url, headers={**HTTPS, "Cookie": cookie}, allow_redirects=False, timeout=30)
    return response.status_code, time.monotonic() - start, response


def test_a_hung_redis_slows_pages_but_never_hangs_them(hung_redis_site):
    url, redis_process = hung_redis_site
    cookie, _ = sign_in(url)
    for path in PAGES:  # warm: the session, user and pages are in Redis
        assert _timed_get(f"{url}{path}", cookie)[0] == 200, path

    with hung(redis_process):
        for path in PAGES:
            status, seconds, response = _timed_get(f"{url}{path}", cookie)
            assert status == 200, (path, status)
            assert "Sign out" in response.text, "the session signed in before Redis hung still reads its pages"
            assert seconds < BOUND, (path, seconds)

        # More requests at once than gunicorn has threads: none is left hanging.
        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(lambda path: _timed_get(f"{url}{path}", cookie)[:2], PAGES * 2))
        assert {status for status, _ in answers} == {200}, answers
        assert max(seconds for _, seconds in answers) < 3 * BOUND, answers

        status, seconds, ready = _timed_get(f"{url}/readyz")
        assert status == 503 and ready.json()["failed"] == ["broker"], ready.text
        assert seconds < BOUND
        status, seconds, _ = _timed_get(f"{url}/healthz")
        assert status == 200 and seconds < 1
        status, seconds, _ = _timed_get(f"{url}/accounts/login/")
        assert status == 200 and seconds < BOUND

    deadline = time.monotonic() + 15
    while _timed_get(f"{url}/readyz")[0] != 200:
        assert time.monotonic() < deadline, "/readyz did not recover once Redis was continued"
        time.sleep(0.2)
    for path in PAGES:
        status, seconds, response = _timed_get(f"{url}{path}", cookie)
        assert status == 200 and "Sign out" in response.text, path
