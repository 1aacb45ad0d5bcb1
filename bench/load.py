"""Load test: signed-in users browsing dashboards against gunicorn on loopback.

    .venv/bin/python bench/load.py [--users 50] [--seconds 30] [--keep]

Creates its own PostgreSQL database (`kpidash_load` on BENCH_PG, default
postgres://postgres@127.0.0.1:5432), migrates it, loads the demo, runs
collectstatic into a temporary folder and starts gunicorn exactly as production
does (`gunicorn -c deploy/gunicorn.conf.py kpidash.wsgi`, DEBUG=0, TLS ending
at a "proxy": requests carry X-Forwarded-Proto: https). Then --users threads,
each signed in through the real sign-in form with its own session, browse
the home page, both committee dashboards and indicator pages back to back
(no think time) for --seconds, over keep-alive connections to 127.0.0.1 only.

Prints requests/s, p50/p95/p99 latency, the error count (any status but 200,
or a failed connection) and the same per page. It stops by itself; gunicorn is
stopped and the database dropped at the end (--keep keeps the database).

With --bump-every S, a thread bumps the data version every S seconds while
they browse (as a saved return would), so cached page parts go cold and are
rebuilt; without it, after one warm-up request per page, the figures are warm.

Covered: dashboards, indicator pages and the home page. Not yet covered: owners
submitting returns and a clerk generating papers (issue 7 item 5's mixed load).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "kpidash_load"
PASSWORD = "kpidash-demo"  # the demo users' password (indicators/demo.py)
PAGES = [
    "/",
    "/committees/policy-and-resources/",
    "/committees/environment-and-transport/",
    "/indicators/ICT02/",
    "/indicators/ICT01/",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _psql(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def prepare(folder: Path, port: int) -> dict[str, str]:
    _psql(f"DROP DATABASE IF EXISTS {DB_NAME}")
    _psql(f"CREATE DATABASE {DB_NAME}")
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"{SERVER}/{DB_NAME}",
        "KPIDASH_VAR_DIR": str(folder),
        "MEDIA_ROOT": str(folder / "media"),
        "STATIC_ROOT": str(folder / "static"),
        "SECURE_PROXY_SSL_HEADER": "1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"], ["load_demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
    return env


def start_gunicorn(env: dict[str, str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "kpidash.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("gunicorn did not start")


def sign_in(port: int, username: str) -> str:
    """The real sign-in form; returns the session cookie."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    response = connection.getresponse()
    html = response.read().decode()
    csrf_cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie")).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    body = urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token})
    origin = f"https://127.0.0.1:{port}"
    connection.request(
        "POST",
        "/accounts/login/",
        body=body,
        headers={
            "X-Forwarded-Proto": "https",
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie}",
            "Origin": origin,
            "Referer": f"{origin}/accounts/login/",
        },
    )
    response = connection.getresponse()
    response.read()
    if response.status != 302:
        raise SystemExit(f"sign-in as {username} failed: HTTP {response.status}")
    cookies = ";".join(response.headers.get_all("Set-Cookie"))
    return "sessionid=" + re.search(r"sessionid=([^;]+)", cookies).group(1)


def browse(port: int, cookie: str, until: float, results: list, seed: int) -> None:
    rng = random.Random(seed)
    headers = {"X-Forwarded-Proto": "https", "Cookie": cookie}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while time.monotonic() < until:
        path = rng.choice(PAGES)
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            ok = False
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        results.append((path, time.perf_counter() - started, ok))
    connection.close()


def bump(until: float, every: float) -> None:
    """Bump the data version as a write would, so every cached page part goes cold."""
    import psycopg

    with psycopg.connect(f"{SERVER}/{DB_NAME}", autocommit=True) as conn:
        while time.monotonic() + every < until:
            time.sleep(every)
            conn.execute("UPDATE indicators_dataversion SET version = version + 1 WHERE id = 1")


def warm(port: int, cookie: str) -> None:
    """Each page once, so first-request costs are not measured."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for path in PAGES:
        connection.request("GET", path, headers={"X-Forwarded-Proto": "https", "Cookie": cookie})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"{path} answered HTTP {response.status}")
    connection.close()


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(share) - 1] if len(values) > 1 else values[0]


def report(results: list, seconds: float, users: int) -> None:
    latencies = [latency for _, latency, _ in results]
    errors = sum(1 for *_, ok in results if not ok)
    print(f"\n{users} signed-in users, {seconds:.0f} s, gunicorn on loopback with PostgreSQL")
    print(f"requests: {len(results)}  throughput: {len(results) / seconds:.1f} req/s  errors: {errors}")
    print(
        f"latency ms: p50 {percentile(latencies, 50) * 1000:.0f}  p95 {percentile(latencies, 95) * 1000:.0f}  "
        f"p99 {percentile(latencies, 99) * 1000:.0f}"
    )
    by_page = defaultdict(list)
    for path, latency, _ in results:
        by_page[path].append(latency)
    for path, values in sorted(by_page.items()):
        print(
            f"  {path:<45} n={len(values):<6} p50 {percentile(values, 50) * 1000:>5.0f} ms  "
            f"p95 {percentile(values, 95) * 1000:>5.0f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--bump-every",
        type=float,
        default=0,
        help="bump the data version every this many seconds (0: never; cached pages stay warm)",
    )
    args = parser.parse_args()
    if not 1 <= args.users <= 500 or not 1 <= args.seconds <= 600:
        raise SystemExit("--users must be 1-500 and --seconds 1-600")
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="kpidash-load-") as folder:
        print("preparing: database, demo, static files ...", flush=True)
        env = prepare(Path(folder), port)
        process = start_gunicorn(env, port)
        try:
            usernames = ["viewer", "owner", "owner2", "performance", "clerk"]
            cookies = [sign_in(port, usernames[i % len(usernames)]) for i in range(args.users)]
            warm(port, cookies[0])
            results: list = []
            until = time.monotonic() + args.seconds
            threads = [
                threading.Thread(target=browse, args=(port, cookie, until, results, i))
                for i, cookie in enumerate(cookies)
            ]
            if args.bump_every > 0:
                threads.append(threading.Thread(target=bump, args=(until, args.bump_every)))
            started = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            report(results, time.monotonic() - started, args.users)
            print(
                "data version bumped every " + (f"{args.bump_every:g} s" if args.bump_every else "– never (warm cache)")
            )
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
            if not args.keep:
                _psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


if __name__ == "__main__":
    main()
