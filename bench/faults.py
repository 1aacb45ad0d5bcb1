"""Fault checks: really stop and start Redis, PostgreSQL and a Celery worker on loopback.

    .venv/bin/python bench/faults.py            # every scenario
    .venv/bin/python bench/faults.py 1b 3 3b 4  # only those that stop no shared service

Needs root (or the postgres owner) on a host whose PostgreSQL cluster and Redis
on 127.0.0.1 nobody else is using: it shuts Redis down and restarts PostgreSQL.
It uses its own database `kpidash_faults` (dropped and created), Redis db 14,
and a temporary MEDIA_ROOT and STATIC_ROOT, and loads the demo data.

1. Redis away while a paper is requested: the paper is not lost. The enqueue
   fails after kombu's publish retries, so the paper is marked failed with a
   reason; once Redis is back, Retry builds it: one row, READY. Meanwhile a
   running gunicorn (Redis as cache and session store too) keeps serving: a
   session signed in before Redis stopped still reads its pages, someone can
   sign in, and /readyz answers 503 naming the broker; with Redis back, the same
   session carries on.
1b. Redis refused (its own redis-server on port 6393, shut down) under gunicorn:
   the pages of a session signed in before, sign-in and /readyz as in 1, without
   stopping the machine's Redis; with the server started again, the same
   session carries on.
2. PostgreSQL restarted under a running gunicorn (DEBUG off, persistent
   health-checked connections): /readyz, /healthz and a signed-in page answer
   200 again within seconds, without restarting gunicorn, and never 500.
3. A worker's process killed with SIGKILL mid-paper: the message is redelivered
   (acks_late, reject_on_worker_lost), the stale RUNNING row is claimed again
   once the hard time limit (20 s here) has passed, and the paper ends READY
   once, with one PDF and one Word file.
3b. The whole worker killed (main process too): the message is held in Redis
   for redelivery after the broker's visibility_timeout (3600 s); checked
   held, not waited for.
4. Redis hung (SIGSTOP, its own redis-server on port 6392): pages answer within
   a bounded time drawn without the cache, a burst of requests all answer,
   /readyz is 503 naming the broker, /healthz 200, sign-in works; after SIGCONT
   everything is 200 again.

Whatever happens, Redis and PostgreSQL are started again and checked before it
exits. Prints PASS/FAIL per scenario with timings; exits 1 on any failure.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DB_NAME = "kpidash_faults"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
REDIS_URL = "redis://127.0.0.1:6379/14"
PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
PERIOD, MEETING = date(2019, 11, 1), date(2020, 1, 21)
TIME_LIMIT = 20  # KPIDASH_PAPER_TIME_LIMIT: a killed worker's row is claimable after this
REDIS_START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
]

TMP = Path(tempfile.mkdtemp(prefix="kpidash-faults-"))
ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "kpidash.settings",
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "MEDIA_ROOT": str(TMP / "media"),
    "STATIC_ROOT": str(TMP / "static"),
    "KPIDASH_VAR_DIR": str(TMP / "var"),
    "DEBUG": "0",
    "SECRET_KEY": "faults-check-not-a-real-secret-" + "x" * 40,
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "CELERY_TASK_ALWAYS_EAGER": "0",
    "KPIDASH_PAPER_SOFT_TIME_LIMIT": str(TIME_LIMIT - 5),
    "KPIDASH_PAPER_TIME_LIMIT": str(TIME_LIMIT),
    "LOG_LEVEL": "WARNING",
    "GUNICORN_BIND": f"127.0.0.1:{PORT}",
    "GUNICORN_WORKERS": "2",
    "GUNICORN_THREADS": "2",
}
os.environ.update(ENV)


# --- services -------------------------------------------------------------


def sh(*args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, check=check, timeout=timeout)


def pg_version() -> str:
    return sorted(os.listdir("/etc/postgresql"))[-1]


def redis_up() -> bool:
    return sh("redis-cli", "-h", "127.0.0.1", "ping", check=False, timeout=10).stdout.strip() == "PONG"


def pg_up() -> bool:
    return sh("pg_isready", "-h", "127.0.0.1", "-t", "2", check=False, timeout=10).returncode == 0


def wait_for(predicate, timeout: float, step: float = 0.1) -> float | None:
    """Seconds until predicate() is true, or None after timeout."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(step)
    return None


def redis_stop() -> None:
    sh("redis-cli", "-h", "127.0.0.1", "shutdown", "nosave", check=False)
    if wait_for(lambda: not redis_up(), 10) is None:
        raise RuntimeError("Redis did not stop")


def redis_start() -> None:
    if not redis_up():
        sh(*REDIS_START)
    if wait_for(redis_up, 15) is None:
        raise RuntimeError("Redis did not start")


def pg_start() -> None:
    if not pg_up():
        sh("pg_ctlcluster", "--skip-systemctl-redirect", pg_version(), "main", "start", check=False)
    if wait_for(pg_up, 30) is None:
        raise RuntimeError("PostgreSQL did not start")


def restore_services() -> list[str]:
    problems = []
    for name, start, up in (("Redis", redis_start, redis_up), ("PostgreSQL", pg_start, pg_up)):
        try:
            start()
        except Exception as exc:  # noqa: BLE001 - report every service, then fail
            problems.append(f"{name}: {exc}")
        if not up():
            problems.append(f"{name} does not answer")
    return problems


# --- the project's own processes -------------------------------------------


def manage(*args: str) -> None:
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=ENV, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def start_worker(name: str) -> subprocess.Popen:
    log = open(TMP / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "kpidash",
            "worker",
            "--pool",
            "prefork",
            "-c",
            "1",
            "-n",
            f"{name}@faults",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=ENV,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def start_gunicorn(**overrides: str) -> subprocess.Popen:
    log = open(TMP / "gunicorn.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "kpidash.wsgi"],
        cwd=ROOT,
        env={**ENV, **overrides},
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def children(pid: int) -> list[int]:
    out = sh("pgrep", "-P", str(pid), check=False).stdout
    return [int(line) for line in out.split()]


# --- the database, from this process ---------------------------------------


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def fresh_connection() -> None:
    from django.db import connection

    connection.close()


def committee():
    from indicators.models import Committee

    return Committee.objects.get(slug="policy-and-resources")


def clerk():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="clerk")


def watch(paper_id: int, until: set[str], timeout: float) -> tuple[list[str], float]:
    """The statuses seen until one of `until` (or the timeout), and the seconds taken."""
    from reports.models import Paper

    seen: list[str] = []
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        status = Paper.objects.values_list("status", flat=True).get(pk=paper_id)
        if not seen or seen[-1] != status:
            seen.append(status)
        if status in until:
            break
        time.sleep(0.05)
    return seen, time.monotonic() - start


def paper_files(paper) -> list[str]:
    folder = Path(ENV["MEDIA_ROOT"]) / Path(paper.pdf.name).parent
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def delete_papers() -> None:
    from reports.models import Paper

    Paper.objects.all().delete()
    shutil.rmtree(ENV["MEDIA_ROOT"], ignore_errors=True)


# --- scenarios -------------------------------------------------------------


class Check:
    def __init__(self, name: str):
        self.name, self.ok, self.notes, self.figures = name, True, [], {}

    def expect(self, condition: bool, note: str) -> bool:
        if not condition:
            self.ok = False
            self.notes.append(f"FAILED: {note}")
        return condition

    def note(self, text: str) -> None:
        self.notes.append(text)


def scenario_redis_away(check: Check) -> None:
    from reports import jobs, services
    from reports.models import Paper, PaperStatus

    delete_papers()
    worker = None
    gunicorn = start_gunicorn()
    signed_in = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    try:
        if not check.expect(wait_for(lambda: _get(signed_in, "/healthz") == 200, 60) is not None, "gunicorn never up"):
            return
        check.expect(_sign_in(signed_in) == 200, "signing in as viewer failed")
        check.expect(_get(signed_in, "/") == 200, "the home page before Redis stopped")
        redis_stop()
        start = time.monotonic()
        try:
            paper = services.paper_request(committee=committee(), period=PERIOD, meeting_date=MEETING, user=clerk())
        except Exception as exc:  # noqa: BLE001 - what the view would do is the finding
            check.expect(False, f"the request raised {type(exc).__name__}: {exc} (the view would answer 500)")
            paper = Paper.objects.order_by("-pk").first()
        check.figures["request with Redis down (s)"] = round(time.monotonic() - start, 2)
        if not check.expect(paper is not None, "no paper row was written"):
            return
        paper.refresh_from_db()
        check.note(f"with Redis down: {paper.status}, {paper.failure_reason!r}")
        check.expect(
            paper.status == PaperStatus.FAILED and paper.failure_reason == jobs.QUEUE_UNREACHABLE,
            f"the paper is {paper.status} with no message behind it (lost)",
        )

        _pages_without_redis(check, signed_in)

        redis_start()
        after = {path: _get(signed_in, path) for path in ("/readyz", *PAGES)}
        check.note(f"with Redis back, the same session: {after}")
        check.expect(set(after.values()) == {200}, f"with Redis back: {after}")
        sh("redis-cli", "-n", "14", "flushdb")
        worker = start_worker("redis-away")
        start = time.monotonic()
        if paper.status == PaperStatus.FAILED:
            services.paper_retry(paper=paper, user=clerk())
        seen, _ = watch(paper.pk, {PaperStatus.READY, PaperStatus.FAILED}, timeout=180)
        check.figures["retry to READY, Redis back (s)"] = round(time.monotonic() - start, 2)
        check.note(f"after Retry: {' -> '.join(seen)}")
        check.expect(seen[-1] == PaperStatus.READY, f"the retried paper ended {seen[-1]}")
        rows = Paper.objects.filter(committee=paper.committee, period=PERIOD)
        check.expect(rows.count() == 1 and rows.get().version == 1, f"{rows.count()} paper rows for the period")
    finally:
        stop(worker)
        stop(gunicorn)
        redis_start()


PAGES = ("/", "/committees/policy-and-resources/", "/indicators/ICT01/")


def _pages_without_redis(check: Check, signed_in) -> None:
    """gunicorn, with Redis (cache, sessions, broker) down: people still read, and can still sign in.

    The session signed in before Redis stopped is read from PostgreSQL
    (Django's cached_db), the user and roles from the database, pages are drawn
    without the cache; /readyz says Redis is what failed.
    """
    pages = {path: _get(signed_in, path) for path in PAGES}
    check.note(f"Redis down, a session signed in before: {pages}")
    check.expect(set(pages.values()) == {200}, f"signed-in pages with Redis down: {pages}")
    try:
        with urllib.request.urlopen(BASE + "/readyz", timeout=10) as response:
            ready = (response.status, response.read().decode())
    except urllib.error.HTTPError as exc:
        ready = (exc.code, exc.read().decode())
    check.note(f"/readyz with Redis down: {ready[0]} {ready[1].strip()[:160]}")
    check.expect(ready[0] == 503 and '"broker"' in ready[1], "/readyz does not name the broker (Redis) as failed")
    newcomer = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    start = time.monotonic()
    signed = _sign_in(newcomer)
    home = _get(newcomer, "/")
    check.figures["sign-in with Redis down (s)"] = round(time.monotonic() - start, 2)
    check.expect((signed, home) == (200, 200), f"signing in with Redis down: {signed}, then home {home}")


def _get(opener, path: str) -> int:
    try:
        with opener.open(BASE + path, timeout=10) as response:
            # A signed-out visitor is sent to the sign-in page: not the page asked for.
            return 302 if "/accounts/login/" in response.geturl() and "/accounts/" not in path else response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return 0  # no answer at all


def _sign_in(opener) -> int:
    with opener.open(BASE + "/accounts/login/", timeout=10) as response:
        html = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": "viewer", "password": "kpidash-demo"}
    ).encode()
    request = urllib.request.Request(BASE + "/accounts/login/", data=form, headers={"Referer": BASE + "/"})
    with opener.open(request, timeout=10) as response:
        return response.status


def scenario_postgres_restart(check: Check) -> None:
    gunicorn = start_gunicorn()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    try:
        if not check.expect(wait_for(lambda: _get(opener, "/healthz") == 200, 60) is not None, "gunicorn never up"):
            return
        check.expect(_sign_in(opener) == 200, "signing in as viewer failed")
        # Warm every worker thread's persistent connection.
        before = [(_get(opener, "/readyz"), _get(opener, "/")) for _ in range(12)]
        check.expect(all(pair == (200, 200) for pair in before), f"before the restart: {before}")
        pids = {gunicorn.pid, *children(gunicorn.pid)}

        start = time.monotonic()
        sh("pg_ctlcluster", "--skip-systemctl-redirect", pg_version(), "main", "restart", timeout=120)
        restart = time.monotonic() - start
        check.figures["pg_ctlcluster restart (s)"] = round(restart, 2)
        pg_ready = wait_for(pg_up, 30)
        check.expect(pg_ready is not None, "PostgreSQL did not come back")

        codes: dict[str, list[int]] = {"/readyz": [], "/healthz": [], "/": []}
        first_all_ok = None
        start = time.monotonic()
        while time.monotonic() - start < 30:
            round_codes = {path: _get(opener, path) for path in codes}
            for path, code in round_codes.items():
                codes[path].append(code)
            if all(code == 200 for code in round_codes.values()):
                first_all_ok = first_all_ok if first_all_ok is not None else time.monotonic() - start
                if sum(1 for c in codes["/readyz"][-8:] if c == 200) == 8:
                    break
            time.sleep(0.1)
        check.figures["first all-200 after restart (s)"] = round(first_all_ok, 2) if first_all_ok is not None else None
        for path, seen in codes.items():
            check.note(f"{path} after restart: {seen[:12]}{' ...' if len(seen) > 12 else ''}")
            check.expect(500 not in seen, f"{path} answered 500 after the restart")
        check.expect(first_all_ok is not None and first_all_ok < 10, "not all 200 within 10 s of the restart")
        check.expect(gunicorn.poll() is None, "gunicorn exited")
        check.note(f"gunicorn workers before {sorted(pids - {gunicorn.pid})}, after {children(gunicorn.pid)}")
    finally:
        stop(gunicorn)
        pg_start()


def scenario_worker_killed(check: Check) -> None:
    from reports import services
    from reports.models import Paper, PaperStatus

    delete_papers()
    sh("redis-cli", "-n", "14", "flushdb")
    worker = start_worker("killed")
    second = None
    try:
        time.sleep(3)  # the worker connects before the paper is queued
        paper = services.paper_request(committee=committee(), period=PERIOD, meeting_date=MEETING, user=clerk())
        seen, waited = watch(paper.pk, {PaperStatus.RUNNING, PaperStatus.READY, PaperStatus.FAILED}, 60)
        if not check.expect(seen[-1] == PaperStatus.RUNNING, f"never RUNNING: {seen}"):
            return
        time.sleep(0.5)  # well into the build
        victims = children(worker.pid)
        check.expect(len(victims) == 1, f"expected one pool process, found {victims}")
        for pid in victims:
            os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        check.note(f"killed pool process {victims} {waited + 0.5:.1f} s after the request")
        final, _ = watch(paper.pk, {PaperStatus.READY, PaperStatus.FAILED}, timeout=TIME_LIMIT * 6 + 60)
        check.figures["kill to READY (s)"] = round(time.monotonic() - killed_at, 2)
        check.note(f"after the kill: {' -> '.join(final)}")
        log = (TMP / "killed.log").read_text(errors="replace")
        check.expect("WorkerLostError" in log, "the worker did not report the lost process")
        check.expect(final[-1] == PaperStatus.READY, f"the paper ended {final[-1]}")
        paper.refresh_from_db()
        rows = Paper.objects.filter(committee=paper.committee, period=PERIOD).count()
        check.expect(rows == 1, f"{rows} paper rows for the period")
        files = paper_files(paper) if paper.pdf else []
        check.expect(len(files) == 2, f"files for version 1: {files}")
        check.expect(paper.progress == 100 and bool(paper.pdf_sha256), "the READY row lacks its files")

        # Nothing else is left to deliver: a second worker finds no work and the row stays as it was.
        stop(worker)
        second = start_worker("after")
        time.sleep(5)
        paper_after = Paper.objects.get(pk=paper.pk)
        check.expect(
            paper_after.finished_at == paper.finished_at and paper_after.pdf_sha256 == paper.pdf_sha256,
            "the paper was built again after it was READY",
        )
    finally:
        stop(worker)
        stop(second)


def scenario_whole_worker_killed(check: Check) -> None:
    """The whole worker (main process too) SIGKILLed: the message is kept in Redis, not lost.

    Nobody is left to reject it, so it waits in kombu's `unacked` hash and is
    restored by a live worker once the broker's visibility_timeout (3600 s in
    settings) has passed: too long to wait for here, so this checks it is held.
    """
    from reports import services
    from reports.models import Paper, PaperStatus

    delete_papers()
    sh("redis-cli", "-n", "14", "flushdb")
    worker = start_worker("whole")
    second = None
    try:
        time.sleep(3)
        paper = services.paper_request(committee=committee(), period=PERIOD, meeting_date=MEETING, user=clerk())
        seen, _ = watch(paper.pk, {PaperStatus.RUNNING, PaperStatus.READY, PaperStatus.FAILED}, 60)
        if not check.expect(seen[-1] == PaperStatus.RUNNING, f"never RUNNING: {seen}"):
            return
        time.sleep(0.5)
        for pid in [*children(worker.pid), worker.pid]:
            os.kill(pid, signal.SIGKILL)
        worker.wait(timeout=10)
        second = start_worker("whole-after")
        time.sleep(5)
        held = int(sh("redis-cli", "-n", "14", "hlen", "unacked").stdout.strip() or 0)
        check.note(f"messages held in Redis 'unacked' after the kill: {held}")
        check.expect(held == 1, "the message is not held for redelivery (lost)")
        status = Paper.objects.values_list("status", flat=True).get(pk=paper.pk)
        check.expect(status == PaperStatus.RUNNING, f"the paper is {status}, expected RUNNING until redelivery")
        check.note("redelivered after visibility_timeout (3600 s), then claimable (hard limit passed): not waited for")
    finally:
        stop(worker)
        stop(second)


HUNG_PORT = 6392  # scenario 4's own redis-server: the one on 6379 is never stopped by it
REFUSED_PORT = 6393  # scenario 1b's


def own_redis(port: int) -> subprocess.Popen:
    """A redis-server of a scenario's own on `port`, answering PING (or the scenario fails on it)."""
    server = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    ping = ("redis-cli", "-p", str(port), "ping")
    if wait_for(lambda: sh(*ping, check=False, timeout=5).stdout.strip() == "PONG", 10) is None:
        stop(server)
        raise RuntimeError(f"a redis-server on port {port} did not start")
    return server


def scenario_redis_refused(check: Check) -> None:
    """Redis shut down (connections refused) under gunicorn, as in 1, on a redis-server of its own."""
    server = own_redis(REFUSED_PORT)
    gunicorn = None
    try:
        gunicorn = start_gunicorn(REDIS_URL=f"redis://127.0.0.1:{REFUSED_PORT}/0")
        signed_in = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        if not check.expect(wait_for(lambda: _get(signed_in, "/healthz") == 200, 60) is not None, "gunicorn never up"):
            return
        check.expect(_sign_in(signed_in) == 200, "signing in as viewer failed")
        warm = {path: _get(signed_in, path) for path in PAGES}
        check.expect(set(warm.values()) == {200}, f"before Redis stopped: {warm}")
        stop(server)
        first = {path: _timed(signed_in, path) for path in PAGES}
        check.figures["pages with Redis refused, slowest (s)"] = round(max(s for _, s in first.values()), 2)
        _pages_without_redis(check, signed_in)
        server = own_redis(REFUSED_PORT)
        back = wait_for(lambda: _get(signed_in, "/readyz") == 200 and _get(signed_in, "/") == 200, 30)
        after = {path: _get(signed_in, path) for path in ("/readyz", *PAGES)}
        check.note(f"Redis started again, the same session: {after}")
        check.expect(back is not None and set(after.values()) == {200}, f"with Redis back: {after}")
    finally:
        stop(gunicorn)
        stop(server)
        check.figures["gunicorn log (KB)"] = round((TMP / "gunicorn.log").stat().st_size / 1024)


def scenario_redis_hung(check: Check) -> None:
    """Redis stopped with SIGSTOP: connections are accepted and nothing is answered.

    gunicorn uses a redis-server of this scenario's own (cache, sessions and
    broker), so no other user of the machine's Redis is affected. While it is
    hung, a session signed in before reads its pages within a bounded time,
    a burst of more requests than gunicorn has threads all answer, /readyz is
    503 naming the broker, /healthz 200, and someone can sign in; once Redis is
    continued, /readyz and the pages are back to 200.
    """
    server = own_redis(HUNG_PORT)
    gunicorn = None
    try:
        gunicorn = start_gunicorn(REDIS_URL=f"redis://127.0.0.1:{HUNG_PORT}/0")
        signed_in = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        if not check.expect(wait_for(lambda: _get(signed_in, "/healthz") == 200, 60) is not None, "gunicorn never up"):
            return
        check.expect(_sign_in(signed_in) == 200, "signing in as viewer failed")
        warm = {path: _get(signed_in, path) for path in PAGES}
        check.expect(set(warm.values()) == {200}, f"before Redis hung: {warm}")

        server.send_signal(signal.SIGSTOP)
        try:
            _while_hung(check, signed_in)
        finally:
            server.send_signal(signal.SIGCONT)
        continued = time.monotonic()
        back = wait_for(lambda: _get(signed_in, "/readyz") == 200 and _get(signed_in, "/") == 200, 30)
        check.figures["recovery after SIGCONT (s)"] = round(back, 2) if back is not None else None
        after = {path: _get(signed_in, path) for path in ("/readyz", *PAGES)}
        check.note(f"continued, the same session after {time.monotonic() - continued:.1f} s: {after}")
        check.expect(back is not None and set(after.values()) == {200}, f"after SIGCONT: {after}")
    finally:
        stop(gunicorn)
        server.send_signal(signal.SIGCONT)
        stop(server)
        check.figures["gunicorn log (KB)"] = round((TMP / "gunicorn.log").stat().st_size / 1024)


def _while_hung(check: Check, signed_in) -> None:
    first = {path: _timed(signed_in, path) for path in PAGES}
    shown = ", ".join(f"{path} {code} in {seconds:.2f} s" for path, (code, seconds) in first.items())
    check.note(f"hung, the signed-in session's first pages: {shown}")
    check.figures["first page while hung (s)"] = round(first[PAGES[0]][1], 2)
    check.expect({code for code, _ in first.values()} == {200}, f"signed-in pages while hung: {first}")

    # A burst: 8 clients, 48 requests, against 2 workers x 2 threads.
    start = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        burst = list(pool.map(lambda path: _timed(signed_in, path), [*PAGES, "/healthz"] * 12))
    errors = [code for code, _ in burst if code != 200]
    check.figures["burst of 48 while hung: errors"] = len(errors)
    check.figures["burst slowest (s)"] = round(max(seconds for _, seconds in burst), 2)
    check.figures["burst total (s)"] = round(time.monotonic() - start, 2)
    check.expect(not errors, f"answers other than 200 in the burst: {errors}")

    ready_code, ready_seconds, ready_body = _timed_body(BASE + "/readyz")
    check.figures["/readyz while hung (s)"] = round(ready_seconds, 2)
    check.note(f"/readyz while hung: {ready_code} {ready_body.strip()[:160]}")
    check.expect(ready_code == 503 and '"failed": ["broker"]' in ready_body, "/readyz does not name only the broker")
    health = _timed(signed_in, "/healthz")
    check.figures["/healthz while hung (s)"] = round(health[1], 2)
    check.expect(health[0] == 200, f"/healthz while hung: {health[0]}")
    newcomer = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    start = time.monotonic()
    signed, home = _sign_in(newcomer), _get(newcomer, "/")
    check.figures["sign-in and home while hung (s)"] = round(time.monotonic() - start, 2)
    check.expect((signed, home) == (200, 200), f"signing in while hung: {signed}, then home {home}")


def _timed(opener, path: str) -> tuple[int, float]:
    start = time.monotonic()
    code = _get(opener, path)
    return code, time.monotonic() - start


def _timed_body(url: str) -> tuple[int, float, str]:
    start = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            code, body = response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        code, body = exc.code, exc.read().decode()
    except (urllib.error.URLError, OSError):
        code, body = 0, ""
    return code, time.monotonic() - start, body


SCENARIOS = {
    "1": ("Redis away while a paper is queued", scenario_redis_away),
    "1b": ("Redis refused under gunicorn", scenario_redis_refused),
    "2": ("PostgreSQL restart under gunicorn", scenario_postgres_restart),
    "3": ("Worker killed mid-paper", scenario_worker_killed),
    "3b": ("Whole worker killed mid-paper", scenario_whole_worker_killed),
    "4": ("Redis hung (SIGSTOP) under gunicorn", scenario_redis_hung),
}


def main(argv: list[str]) -> int:
    chosen = argv or list(SCENARIOS)
    if not redis_up() or not pg_up():
        print("Redis and PostgreSQL must be running on 127.0.0.1 to start with.")
        return 2
    checks: list[Check] = []
    try:
        sh("dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB_NAME)
        sh("createdb", "-h", "127.0.0.1", "-U", "postgres", DB_NAME)
        sh("redis-cli", "-n", "14", "flushdb")
        start = time.monotonic()
        manage("migrate", "--noinput")
        manage("load_demo", "--not-a-live-site")
        manage("collectstatic", "--noinput")  # every scenario renders pages with DEBUG off
        print(f"set-up (migrate, load_demo, collectstatic): {time.monotonic() - start:.1f} s; logs in {TMP}")
        django_setup()
        for key in chosen:
            name, run = SCENARIOS[key]
            check = Check(f"{key}. {name}")
            start = time.monotonic()
            try:
                fresh_connection()
                run(check)
            except Exception as exc:  # noqa: BLE001 - a scenario that breaks is a failure, not a crash
                check.expect(False, f"{type(exc).__name__}: {exc}")
            check.figures["total (s)"] = round(time.monotonic() - start, 1)
            checks.append(check)
            print(f"{'PASS' if check.ok else 'FAIL'}  {check.name}")
            for text in check.notes:
                print(f"      {text}")
    finally:
        problems = restore_services()
        fresh_connection()
        if not problems:
            sh("dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB_NAME, check=False)
            sh("redis-cli", "-n", "14", "flushdb", check=False)
        print(f"services: Redis {'PONG' if redis_up() else 'DOWN'}, PostgreSQL {'ready' if pg_up() else 'DOWN'}")

    print()
    print(f"{'scenario':<44} {'result':<7} figures")
    for check in checks:
        figures = ", ".join(f"{k} {v}" for k, v in check.figures.items())
        print(f"{check.name:<44} {'PASS' if check.ok else 'FAIL':<7} {figures}")
    failed = problems or not checks or any(not check.ok for check in checks)
    for text in problems:
        print(f"FAIL  restoring services: {text}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
