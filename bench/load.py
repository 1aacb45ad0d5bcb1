"""Mixed load test: people browsing, owners submitting returns and a clerk generating papers.

    .venv/bin/python bench/load.py [--users 50] [--owners 10] [--clerks 1] [--seconds 60]
                                   [--owner-think 1-3] [--paper-every 20] [--bump-every 0]
                                   [--baseline-seconds 10] [--redis-db 13] [--keep]

Needs wrk (`apt-get install wrk`; without it the bench says so and exits 2),
PostgreSQL (BENCH_PG, default postgres://postgres@127.0.0.1:5432) and Redis
(BENCH_REDIS, default redis://127.0.0.1:6379).

Set-up, all on loopback: a fresh database `kpidash_load` (or BENCH_DB), migrated, with the
demo loaded and --owners extra service owners (`loadowner01`…, the demo
`owner`'s "Service owner" role) owning three monthly demo indicators each;
collectstatic into a temporary folder; Redis database --redis-db flushed.
Then, as production runs them (README "Running in production"), with
DEBUG=0 and REDIS_URL pointing at that Redis database (which kpidash/settings.py
uses for the cache, the sessions and the Celery broker):

- gunicorn: `gunicorn -c deploy/gunicorn.conf.py kpidash.wsgi`;
- a Celery worker with the command line of deploy/systemd/kpidash-worker.service
  (prefork, --concurrency CELERY_CONCURRENCY (2), --prefetch-multiplier=1,
  --max-memory-per-child, --max-tasks-per-child=100), under `nice -n 10` as the
  unit's Nice=10 runs it, so pages come before papers for the CPU.

Everyone signs in through the real sign-in form; requests carry
X-Forwarded-Proto: https (TLS ends at a proxy). For --seconds, at once:

- Browsing: wrk, `-t 2 -c <users>`, keep-alive, no think time, with a Lua
  script rotating through the users' own session cookies (viewer, owner,
  owner2, performance and clerk accounts, in turn) and the pages: home, both
  committee dashboards, a dashboard at a given month (the period picker's
  `/committees/<slug>/2019-11/`) and several indicator pages. Any status but
  200 is an error, as is a socket error or a request over 30 s. Before the
  window each page is requested once, so first-request costs are not measured.
- Owners (Python threads): each opens "My returns", opens one of its returns
  for December 2019 (the demo's open period), and posts a new value with
  commentary, CSRF token and the form's version, alternating "Save as draft"
  and "Submit for approval", with a think time (--owner-think, default 1–3 s
  at random) between actions. It follows the redirect and checks the page
  says the return was saved or submitted; anything else (a refused form, a
  conflict, a 500) is an error. Each save bumps the data versions of what it
  touches (indicators/cache.py: its indicator, directorate and committees, and
  `all` for the home page), so those cached pages go cold, as in a return week.
- Clerk(s) (Python threads): every --paper-every seconds request a paper
  (alternating the two committees, November 2019), open its page and, as the
  page's script does, poll its status.json every 2 s; once it is ready, open
  the page again (it must say Ready; Failed is an error) and download the PDF
  and the Word file.
  A paper still being built when the window closes is followed to the end
  (at most 90 s) for its times; requests after the window count only if they fail.
- With --bump-every S, a thread also bumps every data version every S seconds,
  so every cached page goes cold (a worst case: a structural change each time).

First, for --baseline-seconds (default 10), wrk asks for /healthz alone with
the same connections: a request through gunicorn and every middleware that
reads no session, cache or database. Machines here differ in speed by more than
2x from day to day, so the report gives the browsing rate as a share of this
ceiling, measured in the same run, beside the absolute figures.

Prints the load average before the run, requests/s over all groups, the
baseline and browsing's share of it, then for
browsing, owners and clerks separately their requests/s, p50/p95/p99 latency
and errors; returns saved and submitted; papers completed with request-to-ready
times (as the clerk saw them, and the worker's queue wait and build time from
the database); gunicorn's CPU per request; and the CPU seconds gunicorn, the
worker, wrk, this script and the PostgreSQL backends serving the bench database
used in the window (the last when PostgreSQL runs on this host; backends that
closed during the window are missed). At the end gunicorn, the worker and wrk
are stopped, the Redis database flushed and the PostgreSQL database dropped
(--keep keeps it), also on Ctrl+C or an error. Exit status 1 if any request
failed.

Not measured: the browser's own work (static files are fetched once and then
cached by browsers, so wrk asks for pages only), TLS, a proxy in front, network
latency, and more than one host. wrk and the owners' and clerks' threads share
the machine's CPUs with gunicorn and the worker, so on a small machine the
figures are a lower bound; the CPU line shows how much the load generators took.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS_SERVER = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379")
WRK = "/usr/bin/wrk"
DB_NAME = os.environ.get("BENCH_DB", "kpidash_load")  # its own name when several people bench at once
PASSWORD = "kpidash-demo"  # the demo users' password (demo/data.py)
BROWSERS = ["viewer", "owner", "owner2", "performance", "clerk"]
PAGES = [
    "/",
    "/committees/policy-and-resources/",
    "/committees/environment-and-transport/",
    "/committees/policy-and-resources/2019-11/",
    "/indicators/ICT02/",
    "/indicators/ICT01/",
    "/indicators/HR03/",
    "/indicators/FN01/",
    "/indicators/GT01/",
    "/indicators/ICT07/",
]
OPEN_PERIOD = "2019-12"  # the demo opens December 2019 for returns
OPEN_LABEL = "December 2019"
PAPER_PERIOD, MEETING_DATE = "2019-11", "2020-01-21"
COMMITTEES = ["policy-and-resources", "environment-and-transport"]
INDICATORS_PER_OWNER = 3
POLL_SECONDS = 2
PAPER_GRACE = 90  # seconds a paper in flight when the window closes is still followed
TIMEOUT = 30  # seconds; gunicorn's own worker timeout
HTTPS = {"X-Forwarded-Proto": "https"}


# --- pure helpers (tests/kpidash/test_load_bench.py) --------------------------


def lua_string(text: str) -> str:
    """A Lua string literal for `text` (printable ASCII only, as cookies and paths are)."""
    if not all(32 <= ord(ch) < 127 for ch in text):
        raise ValueError(f"not printable ASCII: {text!r}")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk_script(cookies: list[str], paths: list[str], headers: dict[str, str]) -> str:
    """wrk's Lua: rotate cookies and pages, count non-200 answers, print one JSON line at the end.

    Each wrk thread has its own Lua state: `setup` gives each a different
    starting point, `response` counts statuses per thread and `done` (in the
    main state) adds the threads' counts up. Latencies are in microseconds.
    """
    if not cookies or not paths:
        raise ValueError("wrk needs at least one cookie and one page")
    lines = [
        "-- Generated by bench/load.py; do not edit.",
        "local cookies = {" + ", ".join(lua_string(c) for c in cookies) + "}",
        "local paths = {" + ", ".join(lua_string(p) for p in paths) + "}",
        "local headers = {" + ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items()) + "}",
        "local threads = {}",
        "local counter = 0",
        "statuses = {}  -- global: done() reads each thread's copy with thread:get",
        "",
        "function setup(thread)",
        "  thread:set('offset', #threads * 7919)",
        "  table.insert(threads, thread)",
        "end",
        "",
        "function init(args)",
        "  counter = offset or 0",
        "end",
        "",
        "function request()",
        "  counter = counter + 1",
        "  -- cookies and pages advance at different rates, so every pairing comes up",
        "  headers['Cookie'] = cookies[(counter % #cookies) + 1]",
        "  return wrk.format('GET', paths[(math.floor(counter / #cookies) % #paths) + 1], headers)",
        "end",
        "",
        "function response(status, hdrs, body)",
        "  local key = tostring(status)",
        "  statuses[key] = (statuses[key] or 0) + 1",
        "end",
        "",
        "function done(summary, latency, requests)",
        "  local total = {}",
        "  for _, thread in ipairs(threads) do",
        "    local counts = thread:get('statuses')",
        "    for status, n in pairs(counts) do total[status] = (total[status] or 0) + n end",
        "  end",
        "  local parts = {}",
        "  for status, n in pairs(total) do table.insert(parts, string.format('\"%s\": %d', status, n)) end",
        "  local e = summary.errors",
        '  io.write(string.format(\'BENCH_WRK {"duration_us": %d, "requests": %d, "bytes": %d, \'',
        '    .. \'"connect": %d, "read": %d, "write": %d, "timeout": %d, "statuses": {%s}, \'',
        '    .. \'"p50_us": %d, "p95_us": %d, "p99_us": %d, "mean_us": %d, "max_us": %d}\\n\',',
        "    summary.duration, summary.requests, summary.bytes, e.connect, e.read, e.write, e.timeout,",
        "    table.concat(parts, ', '), latency:percentile(50), latency:percentile(95), latency:percentile(99),",
        "    latency.mean, latency.max))",
        "end",
        "",
    ]
    return "\n".join(lines)


@dataclass
class WrkResult:
    seconds: float
    requests: int
    statuses: dict[int, int]
    socket_errors: dict[str, int]
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float

    @property
    def errors(self) -> int:
        """Answers other than 200, plus connections that failed or timed out."""
        return sum(n for status, n in self.statuses.items() if status != 200) + sum(self.socket_errors.values())


def parse_wrk(output: str) -> WrkResult:
    """The figures from the BENCH_WRK line the Lua `done` prints."""
    lines = [line for line in output.splitlines() if line.startswith("BENCH_WRK ")]
    if len(lines) != 1:
        raise ValueError(f"expected one BENCH_WRK line in wrk's output, found {len(lines)}:\n{output}")
    data = json.loads(lines[0].removeprefix("BENCH_WRK "))
    return WrkResult(
        seconds=data["duration_us"] / 1e6,
        requests=data["requests"],
        statuses={int(status): n for status, n in data["statuses"].items()},
        socket_errors={key: data[key] for key in ("connect", "read", "write", "timeout")},
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        mean_ms=data["mean_us"] / 1000,
        max_ms=data["max_us"] / 1000,
    )


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (the smallest value with at least `share`% of values at or below it)."""
    if not values:
        raise ValueError("no values")
    if not 0 < share <= 100:
        raise ValueError(f"share must be in (0, 100], not {share}")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)]


@dataclass
class Stats:
    """One group's figures over the measured window; latencies in milliseconds."""

    name: str
    requests: int
    errors: int
    seconds: float
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        if self.p50_ms is None:
            latency = "no requests"
        else:
            latency = f"p50 {self.p50_ms:>6.0f}  p95 {self.p95_ms:>6.0f}  p99 {self.p99_ms:>6.0f} ms"
        rate = f"{self.requests:>7} requests {self.per_second:>7.1f} req/s"
        return f"{self.name:<10} {rate}  {latency}  errors {self.errors}"


def stats_from(name: str, latencies_s: list[float], errors: int, seconds: float) -> Stats:
    """Figures from per-request latencies in seconds (as the Python clients record them)."""
    if not latencies_s:
        return Stats(name, 0, errors, seconds, None, None, None)
    ms = [value * 1000 for value in latencies_s]
    return Stats(name, len(ms), errors, seconds, percentile(ms, 50), percentile(ms, 95), percentile(ms, 99))


def stats_from_wrk(result: WrkResult) -> Stats:
    return Stats(
        "browsing", result.requests, result.errors, result.seconds, result.p50_ms, result.p95_ms, result.p99_ms
    )


def combined_per_second(groups: list[Stats], seconds: float) -> float:
    """Requests per second over every group, over the common window."""
    return sum(group.requests for group in groups) / seconds


def next_value(base: Decimal, decimals: int, percentage: bool, previous: Decimal | None, rng: random.Random) -> Decimal:
    """A plausible new figure near `base`, rounded to the indicator's places, never equal to `previous`."""
    step = Decimal(1).scaleb(-decimals)
    spread = max(abs(base) * Decimal("0.05"), step * 10)
    value = (base + spread * Decimal(rng.uniform(-1, 1))).quantize(step, rounding=ROUND_HALF_UP)
    low, high = (Decimal(0), Decimal(100)) if percentage else (Decimal(0), None)
    value = max(value, low) if high is None else min(max(value, low), high)
    if value == previous:
        value = value - step if (high is not None and value + step > high) else value + step
    return value


_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_VERSION = re.compile(r'<input type="hidden" name="version" value="(\d+)"')
_PAPER_STATUS = re.compile(r'id="paper-status".*?<strong class="govuk-tag[^"]*">([^<]+)</strong>', re.DOTALL)
_FAILURE = re.compile(r'id="failure-reason">([^<]*)<')


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    if not match:
        raise ValueError("no CSRF token in the form")
    return match.group(1)


def form_version(html: str) -> int:
    """The return form's optimistic-concurrency version (the first hidden `version` field)."""
    match = _VERSION.search(html)
    if not match:
        raise ValueError("no version field in the return form")
    return int(match.group(1))


def paper_state(text: str) -> str:
    """The status ("queued", "running", "ready", "failed") from the paper's status.json."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise ValueError(f"status.json is not JSON: {text[:80]!r}") from None
    if not isinstance(data, dict) or not isinstance(data.get("status"), str):
        raise ValueError(f"status.json has no status: {text[:80]!r}")
    return data["status"]


def paper_status(html: str) -> tuple[str, str]:
    """The paper page's status word ("Queued", "Running", "Ready", "Failed") and failure reason."""
    match = _PAPER_STATUS.search(html)
    if not match:
        raise ValueError("no status on the paper page")
    failure = _FAILURE.search(html)
    return match.group(1).strip(), failure.group(1).strip() if failure else ""


def saved_banner(code: str, action: str) -> str:
    """The start of the success message returns/views.py shows after saving (`_saved_message`)."""
    done = {"submit": "submitted for approval", "save": "saved"}[action]
    return f"{code} for {OPEN_LABEL} {done}: "


def parse_think(text: str) -> tuple[float, float]:
    """`--owner-think`: "2" or "1-3" seconds."""
    low, _, high = text.partition("-")
    try:
        pair = (float(low), float(high or low))
    except ValueError:
        raise argparse.ArgumentTypeError(f"think time must be seconds or a range like 1-3, not {text!r}") from None
    if not 0 <= pair[0] <= pair[1] <= 60:
        raise argparse.ArgumentTypeError(f"think time must be 0-60 s, low before high, not {text!r}")
    return pair


def cpu_seconds(stat_line: str, ticks: int, *, with_children: bool) -> float:
    """CPU seconds from a /proc/<pid>/stat line (user + system, optionally with reaped children)."""
    fields = stat_line[stat_line.rindex(")") + 2 :].split()
    # fields[11:15] are utime, stime, cutime, cstime (proc(5) fields 14-17)
    used = int(fields[11]) + int(fields[12])
    if with_children:
        used += int(fields[13]) + int(fields[14])
    return used / ticks


# --- the running pieces ---------------------------------------------------------


class Failure(Exception):
    """A request that did not do what the person wanted."""


@dataclass
class Record:
    group: str
    name: str
    seconds: float
    error: str | None = None
    at: float = field(default_factory=time.monotonic)  # when it finished


@dataclass
class Tally:
    records: list[Record] = field(default_factory=list)
    saved: int = 0
    submitted: int = 0
    papers: list[dict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, record: Record) -> None:
        with self.lock:
            self.records.append(record)


class Browser:
    """One signed-in person: a keep-alive connection, cookies, each request's latency recorded."""

    def __init__(self, port: int, tally: Tally | None, group: str):
        self.port, self.tally, self.group = port, tally, group
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None
        self.last_used = 0.0

    def _connection(self) -> http.client.HTTPConnection:
        # gunicorn closes idle keep-alive connections after 5 s: a browser would
        # open a new one after a pause, so do the same rather than race the close.
        if self.connection is None or time.monotonic() - self.last_used > 4:
            if self.connection is not None:
                self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        return self.connection

    def request(self, method: str, path: str, form: dict | None = None, *, name: str) -> tuple[int, dict, bytes]:
        headers = dict(HTTPS)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            origin = f"https://127.0.0.1:{self.port}"
            headers |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": origin,
                "Referer": origin + path,
            }
        started = time.perf_counter()
        try:
            connection = self._connection()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.connection = None
            self._record(name, time.perf_counter() - started, f"{method} {path}: {exc!r}")
            raise Failure(f"{method} {path}: {exc!r}") from None
        elapsed = time.perf_counter() - started
        self.last_used = time.monotonic()
        for header in response.headers.get_all("Set-Cookie") or []:
            key, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if not value or "max-age=0" in rest.lower():
                self.cookies.pop(key, None)
            else:
                self.cookies[key] = value
        self._record(name, elapsed, None)
        return response.status, dict(response.headers), content

    def _record(self, name: str, seconds: float, error: str | None) -> None:
        if self.tally is not None:
            self.tally.add(Record(self.group, name, seconds, error))

    def fail(self, name: str, message: str) -> None:
        """Mark the request just made as failed (it answered, but not as it should)."""
        if self.tally is not None:
            with self.tally.lock:
                for record in reversed(self.tally.records):
                    if record.group == self.group and record.name == name and record.error is None:
                        record.error = message
                        break
        raise Failure(message)

    def get(self, path: str, *, name: str, expect: int = 200) -> str:
        status, headers, content = self.request("GET", path, name=name)
        if status != expect:
            self.fail(name, f"GET {path}: HTTP {status}, expected {expect}")
        return content.decode("utf-8", "replace")

    def post(self, path: str, form: dict, *, name: str) -> str:
        """POST expecting the redirect a successful form gives; returns where it points."""
        status, headers, content = self.request("POST", path, form, name=name)
        if status != 302:
            text = content.decode("utf-8", "replace")
            errors = re.findall(r'class="govuk-error-message">\s*(?:<span[^>]*>[^<]*</span>)?([^<]+)<', text)
            detail = "; ".join(e.strip() for e in errors) or text[:200]
            self.fail(name, f"POST {path}: HTTP {status}: {detail}")
        return headers.get("Location", "")

    def sign_in(self, username: str) -> None:
        """The real sign-in form (not recorded: people sign in before the window)."""
        tally, self.tally = self.tally, None
        try:
            token = csrf_token(self.get("/accounts/login/", name="sign-in"))
            location = self.post(
                "/accounts/login/",
                {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
                name="sign-in",
            )
        finally:
            self.tally = tally
        if "sessionid" not in self.cookies or "/accounts/login/" in location:
            raise SystemExit(f"sign-in as {username} failed (redirected to {location!r})")


@dataclass
class OwnedReturn:
    code: str
    base: Decimal
    decimals: int
    percentage: bool
    last: Decimal | None = None


def owner_loop(browser: Browser, returns: list[OwnedReturn], stop: threading.Event, think, tally, seed) -> None:
    rng = random.Random(seed)
    turn = 0

    def pause() -> bool:
        return stop.wait(rng.uniform(*think))

    while not stop.is_set():
        owned = returns[turn % len(returns)]
        action = "save" if turn % 2 == 0 else "submit"
        turn += 1
        url = f"/returns/{OPEN_PERIOD}/{owned.code}/"
        try:
            page = browser.get("/returns/", name="my returns")
            if f"{url}" not in page:
                browser.fail("my returns", f"My returns does not link to {url}")
            if pause():
                break
            form = browser.get(url, name="open return")
            token, version = csrf_token(form), form_version(form)
            if f'name="action" value="{action}"' not in form:
                browser.fail("open return", f"{url} offers no {action!r} button")
            if pause():
                break
            value = next_value(owned.base, owned.decimals, owned.percentage, owned.last, rng)
            data = {
                "csrfmiddlewaretoken": token,
                "version": version,
                "value": str(value),
                "numerator": "",
                "denominator": "",
                "commentary": f"Load test commentary for {owned.code}: {value} this month.",
                "action": action,
            }
            location = browser.post(url, data, name=f"{action} return")
            in_window = not stop.is_set()
            if location != url:
                browser.fail(f"{action} return", f"{url} redirected to {location!r}, not back to the return")
            after = browser.get(location, name="saved return")
            if saved_banner(owned.code, action) not in after:
                browser.fail("saved return", f"{url}: no '{saved_banner(owned.code, action)}…' message after saving")
            owned.last = value
            if in_window:  # a save finished after the window is not counted, as its requests are not
                with tally.lock:
                    if action == "submit":
                        tally.submitted += 1
                    else:
                        tally.saved += 1
        except (Failure, ValueError) as exc:
            if isinstance(exc, ValueError):
                tally.add(Record(browser.group, "read form", 0.0, str(exc)))
        if pause():
            break


def clerk_loop(
    browser: Browser, stop: threading.Event, abort: threading.Event, every: float, tally: Tally, offset: int
) -> None:
    """Request papers until `stop`; a paper in flight then is still followed to the end, until `abort`."""
    turn = offset
    next_at = time.monotonic()
    while not stop.is_set():
        if stop.wait(max(0.0, next_at - time.monotonic())):
            break
        next_at += every
        committee = COMMITTEES[turn % len(COMMITTEES)]
        turn += 1
        paper = {"committee": committee, "requested": time.monotonic(), "status": "not requested"}
        try:
            token = csrf_token(browser.get("/papers/new/", name="paper form"))
            requested = time.monotonic()
            location = browser.post(
                "/papers/new/",
                {
                    "csrfmiddlewaretoken": token,
                    "committee": committee,
                    "period": PAPER_PERIOD,
                    "meeting_date": MEETING_DATE,
                    "confirm": "on",
                },
                name="request paper",
            )
            match = re.fullmatch(r"/papers/(\d+)/", location)
            if not match:
                browser.fail("request paper", f"requesting a paper redirected to {location!r}")
            paper |= {"pk": int(match.group(1)), "requested": requested, "status": "requested"}
            # The page, then what its script does: poll status.json, and load the page
            # again once the paper is ready or has failed (reports/views.py, paper-status.js).
            paper_status(browser.get(location, name="paper page"))
            while True:
                state = paper_state(browser.get(f"{location}status.json", name="paper status.json"))
                if state in ("ready", "failed"):
                    paper["ready_after"] = time.monotonic() - requested
                    paper["after_window"] = stop.is_set()
                    break
                if abort.wait(POLL_SECONDS):
                    paper["status"] = state
                    break
            if state in ("ready", "failed"):
                label, reason = paper_status(browser.get(location, name="paper page"))
                paper["status"] = label
                if label == "Failed":
                    browser.fail("paper page", f"paper {paper['pk']} ({committee}) failed: {reason}")
                if label != "Ready":
                    browser.fail("paper page", f"status.json said {state!r} but the page says {label!r}")
                for fmt, magic in (("pdf", b"%PDF"), ("docx", b"PK")):
                    name = f"download {fmt}"
                    status, _, content = browser.request("GET", f"{location}download/{fmt}/", name=name)
                    if status != 200 or not content.startswith(magic):
                        browser.fail(name, f"{location}download/{fmt}/: HTTP {status}, {len(content)} bytes")
                paper["status"] = "downloaded"
        except (Failure, ValueError) as exc:
            if isinstance(exc, ValueError):
                tally.add(Record(browser.group, "read page", 0.0, str(exc)))
        with tally.lock:
            tally.papers.append(paper)
        if time.monotonic() > next_at:
            next_at = time.monotonic()  # a paper took longer than --paper-every: the next one now


def bump_loop(stop: threading.Event, every: float, tally: Tally) -> None:
    """Bump every data version (each scope's row), so every cached page part goes cold."""
    import psycopg

    with psycopg.connect(f"{SERVER}/{DB_NAME}", autocommit=True) as conn:
        while not stop.wait(every):
            if conn.execute("UPDATE indicators_dataversion SET version = version + 1").rowcount == 0:
                tally.add(Record("bump", "bump", 0.0, "--bump-every: indicators_dataversion has no rows to bump"))
                return


# --- set-up and tear-down -----------------------------------------------------------

OWNERS_SETUP = """
import json
from decimal import Decimal
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from indicators.models import Indicator, Result
from accounts.roles import SERVICE_OWNER
from demo.data import DEMO_USERS

role = DEMO_USERS["owner"][1]
assert role == SERVICE_OWNER, role
group = Group.objects.get(name=role)
monthly = [i for i in Indicator.objects.filter(active=True).order_by("code") if i.frequency == "monthly"]
count, per = {count}, {per}
if len(monthly) < count * per:
    raise SystemExit(f"the demo has {{len(monthly)}} monthly indicators; {{count}} owners x {{per}} need more")
password = make_password("{password}")
owners = {{}}
for n in range(count):
    user, _ = get_user_model().objects.update_or_create(
        username=f"loadowner{{n + 1:02d}}",
        defaults={{"first_name": "Load", "last_name": f"Owner {{n + 1}}", "password": password}},
    )
    user.groups.add(group)
    rows = []
    for indicator in monthly[n::count][:per]:
        indicator.owners.add(user)
        latest = Result.objects.filter(indicator=indicator, value__isnull=False).order_by("-period").first()
        rows.append({{
            "code": indicator.code,
            "base": str(latest.value if latest else Decimal(50)),
            "decimals": indicator.decimals,
            "percentage": indicator.unit == "percentage",
        }})
    owners[user.username] = rows
print("BENCH_OWNERS " + json.dumps(owners))
"""


def _psql(sql: str, database: str = "postgres") -> list:
    import psycopg

    with psycopg.connect(f"{SERVER}/{database}", autocommit=True) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else []


def _redis(db: int):
    import redis

    return redis.Redis.from_url(f"{REDIS_SERVER}/{db}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(folder: Path, port: int, redis_db: int, owners: int) -> tuple[dict[str, str], dict[str, list]]:
    _psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    _psql(f"CREATE DATABASE {DB_NAME}")
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"{SERVER}/{DB_NAME}",
        "REDIS_URL": f"{REDIS_SERVER}/{redis_db}",
        "KPIDASH_VAR_DIR": str(folder),
        "MEDIA_ROOT": str(folder / "media"),
        "STATIC_ROOT": str(folder / "static"),
        "SECURE_PROXY_SSL_HEADER": "1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "LOG_LEVEL": "WARNING",
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    env.setdefault("CELERY_CONCURRENCY", "2")  # deploy/env.example
    env.setdefault("CELERY_MAX_MEMORY_KB", "512000")
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"], ["load_demo", "--not-a-live-site"]):
        _manage(env, *command)
    script = OWNERS_SETUP.format(count=owners, per=INDICATORS_PER_OWNER, password=PASSWORD)
    output = _manage(env, "shell", "-c", script) if owners else "BENCH_OWNERS {}"
    line = next(line for line in output.splitlines() if line.startswith("BENCH_OWNERS "))
    return env, json.loads(line.removeprefix("BENCH_OWNERS "))


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"manage.py {args[0]} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    return result.stdout


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "w") as out:
        # its own session: Ctrl+C reaches only this script, which stops it in order
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_for_gunicorn(process: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not start:\n{tail(log)}")


def wait_for_worker(process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None:
        if " ready." in log.read_text(errors="replace"):
            return
        time.sleep(0.3)
    raise SystemExit(f"the Celery worker did not start:\n{tail(log)}")


def worker_command() -> list[str]:
    """deploy/systemd/kpidash-worker.service's ExecStart, at its Nice=10."""
    return [
        "nice",
        "-n",
        "10",
        str(BIN / "celery"),
        "-A",
        "kpidash",
        "worker",
        "--loglevel=INFO",
        "--pool=prefork",
        "--concurrency=" + os.environ.get("CELERY_CONCURRENCY", "2"),
        "--prefetch-multiplier=1",
        "--max-memory-per-child=" + os.environ.get("CELERY_MAX_MEMORY_KB", "512000"),
        "--max-tasks-per-child=100",
    ]


def stop_process(process: subprocess.Popen | None, grace: float = 30) -> None:
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def own_cpu() -> tuple[float, float]:
    """This process's CPU seconds (the owners' and clerks' threads) and its reaped children's (wrk)."""
    ticks = os.sysconf("SC_CLK_TCK")
    line = Path("/proc/self/stat").read_text()
    mine = cpu_seconds(line, ticks, with_children=False)
    return mine, cpu_seconds(line, ticks, with_children=True) - mine


def postgres_cpu() -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend connected to the bench database (same host)."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for (pid,) in _psql(f"SELECT pid FROM pg_stat_activity WHERE datname = '{DB_NAME}'"):
        try:
            used[pid] = cpu_seconds(Path(f"/proc/{pid}/stat").read_text(), ticks, with_children=False)
        except OSError:  # a server on another host, or the backend has just gone
            pass
    return used


def tree_cpu(root_pid: int) -> float:
    """CPU seconds used by a process, its live descendants and the children it has reaped."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    stats: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                line = (entry / "stat").read_text()
            except OSError:
                continue
            stats[int(entry.name)] = line
            parents[int(entry.name)] = int(line[line.rindex(")") + 2 :].split()[1])
    total, todo = 0.0, [root_pid]
    while todo:
        pid = todo.pop()
        if pid in stats:
            total += cpu_seconds(stats[pid], ticks, with_children=True)
            todo.extend(child for child, parent in parents.items() if parent == pid)
    return total


def warm(port: int, cookie: str) -> None:
    """Each page once, so first-request costs are not measured."""
    browser = Browser(port, None, "warm")
    browser.cookies = dict(part.split("=", 1) for part in [cookie])
    for path in PAGES:
        try:
            browser.get(path, name="warm")
        except Failure as exc:
            raise SystemExit(f"warming up: {exc}") from None


def paper_times(pks: list[int]) -> dict[int, tuple[float, float]]:
    """Each paper's queue wait and build time, from the worker's own timestamps."""
    if not pks:
        return {}
    rows = _psql(
        "SELECT id, EXTRACT(EPOCH FROM started_at - created_at), EXTRACT(EPOCH FROM finished_at - started_at) "
        f"FROM reports_paper WHERE id IN ({','.join(str(int(pk)) for pk in pks)}) AND finished_at IS NOT NULL",
        DB_NAME,
    )
    return {pk: (float(wait), float(build)) for pk, wait, build in rows}


# --- the report -------------------------------------------------------------------


def run_baseline(port: int, env: dict[str, str], folder: Path, users: int, seconds: float) -> WrkResult:
    """wrk on /healthz alone, with the browsing connections: this machine's ceiling for a request.

    /healthz goes through gunicorn and every middleware but reads no session,
    cache or database, so the pages' throughput as a share of it says how much
    of the machine the pages themselves take, whatever the machine's speed.
    """
    script = folder / "baseline.lua"
    script.write_text(wrk_script(["kpidash_baseline=1"], ["/healthz"], HTTPS))
    command = [
        WRK, "-t", "2", "-c", str(users), "-d", f"{seconds:g}s", "--timeout", f"{TIMEOUT}s",
        "-s", str(script), f"http://127.0.0.1:{port}",
    ]  # fmt: skip
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + TIMEOUT + 30)
    if result.returncode:
        raise SystemExit(f"wrk failed on the baseline (exit {result.returncode}):\n{result.stdout}{result.stderr}")
    return parse_wrk(result.stdout)


def baseline_line(baseline: WrkResult, browsing: WrkResult) -> str:
    rate = baseline.requests / baseline.seconds if baseline.seconds else 0.0
    share = (browsing.requests / browsing.seconds) / rate if rate and browsing.seconds else 0.0
    return (
        f"baseline, /healthz alone before the window: {rate:.1f} req/s, p50 {baseline.p50_ms:.0f}  "
        f"p95 {baseline.p95_ms:.0f} ms, errors {baseline.errors}; browsing ran at {share:.0%} of that rate"
    )


def report(
    args,
    load_before,
    wrk: WrkResult,
    tally: Tally,
    seconds: float,
    ended: float,
    cpu: dict[str, float],
    baseline: WrkResult | None = None,
) -> int:
    """Print the figures; requests that finished after the window (`ended`) count only if they failed."""
    owners_rec = [r for r in tally.records if r.group == "owners" and r.at <= ended]
    clerk_rec = [r for r in tally.records if r.group == "clerks" and (r.at <= ended or r.error)]
    groups = [
        stats_from_wrk(wrk),
        stats_from(
            "owners", [r.seconds for r in owners_rec if r.seconds], sum(1 for r in owners_rec if r.error), seconds
        ),
        stats_from(
            "clerks", [r.seconds for r in clerk_rec if r.seconds], sum(1 for r in clerk_rec if r.error), seconds
        ),
    ]
    errors = sum(group.errors for group in groups) + sum(1 for r in tally.records if r.group == "bump")
    worker = " + Celery worker (nice 10)" if args.clerks else ""
    print(f"\nMixed load, {seconds:.0f} s, gunicorn{worker} + PostgreSQL + Redis on loopback, {os.cpu_count()} CPUs")
    print("load average before the run: " + " ".join(f"{x:.2f}" for x in load_before) + " (1, 5, 15 min)")
    print(
        f"{args.users} browsing (wrk -t 2), {args.owners} owners (think {args.owner_think[0]:g}–"
        f"{args.owner_think[1]:g} s), {args.clerks} clerk(s) (a paper every {args.paper_every:g} s); "
        "data version bumped " + (f"every {args.bump_every:g} s" if args.bump_every else "only by saved returns")
    )
    print(f"\nall groups: {combined_per_second(groups, seconds):.1f} req/s, errors {errors}")
    if baseline is not None:
        print(baseline_line(baseline, wrk))
    for group in groups:
        print("  " + group.line())
    statuses = ", ".join(f"{status}: {n}" for status, n in sorted(wrk.statuses.items()))
    sockets = ", ".join(f"{kind} {n}" for kind, n in wrk.socket_errors.items() if n) or "none"
    print(
        f"  browsing statuses {statuses}; socket errors {sockets}; mean {wrk.mean_ms:.0f} ms, max {wrk.max_ms:.0f} ms"
    )
    by_name: dict[str, list[float]] = {}
    for record in owners_rec + clerk_rec:
        if record.seconds:
            by_name.setdefault(f"{record.group}: {record.name}", []).append(record.seconds * 1000)
    for name, values in sorted(by_name.items()):
        print(
            f"    {name:<26} n={len(values):<5} "
            f"p50 {percentile(values, 50):>6.0f} ms  p95 {percentile(values, 95):>6.0f} ms"
        )
    print(f"\nreturns: {tally.saved} saved as draft, {tally.submitted} submitted for approval")
    done = [p for p in tally.papers if p["status"] == "downloaded"]
    times = paper_times([p["pk"] for p in tally.papers if "pk" in p])
    print(f"papers: {len(done)} completed and downloaded of {len(tally.papers)} requested")
    for paper in tally.papers:
        wait_build = times.get(paper.get("pk"))
        worker = f" (queued {wait_build[0]:.1f} s, built in {wait_build[1]:.1f} s)" if wait_build else ""
        ready = paper["status"]
        if "ready_after" in paper:
            ready = f"finished {paper['ready_after']:.1f} s after the request: {ready}"
        if paper.get("after_window"):
            ready += ", after the window closed"
        print(f"  paper {paper.get('pk', '–')} {paper['committee']}: {ready}{worker}")
    unfinished = [p for p in tally.papers if p["status"] in ("requested", "queued", "running")]
    if unfinished:
        print(f"  ({len(unfinished)} still unfinished {PAPER_GRACE} s after the window closed)")
    served = sum(group.requests for group in groups)
    if served:
        print(f"\ngunicorn CPU per request: {cpu['gunicorn'] / served * 1000:.1f} ms (all groups)")
    print(
        "CPU seconds in the window: "
        + ", ".join(f"{name} {value:.1f}" for name, value in cpu.items())
        + f" (of {seconds * (os.cpu_count() or 1):.0f} available)"
    )
    failures = [r for r in tally.records if r.error]
    for record in failures[:10]:
        print(f"  error ({record.group}): {record.error}")
    if len(failures) > 10:
        print(f"  … and {len(failures) - 10} more")
    return 1 if errors else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50, help="browsing connections (wrk -c)")
    parser.add_argument("--owners", type=int, default=10, help="service owners submitting returns")
    parser.add_argument("--clerks", type=int, default=1, help="clerks generating papers")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--owner-think", type=parse_think, default=(1.0, 3.0), help="seconds, e.g. 1-3 (default)")
    parser.add_argument("--paper-every", type=float, default=20, help="seconds between a clerk's papers")
    parser.add_argument("--bump-every", type=float, default=0, help="also bump the data version every S seconds")
    parser.add_argument(
        "--baseline-seconds", type=float, default=10, help="seconds of wrk on /healthz alone first (0: none)"
    )
    parser.add_argument("--redis-db", type=int, default=13, help="Redis database the bench owns (flushed)")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database afterwards")
    args = parser.parse_args()
    problems = []
    if not 2 <= args.users <= 1000:
        problems.append("--users must be 2-1000 (wrk -t 2 needs a connection per thread)")
    if not 0 <= args.owners <= 14:
        problems.append("--owners must be 0-14 (each owns three of the demo's monthly indicators)")
    if not 0 <= args.clerks <= 5 or not 1 <= args.seconds <= 3600 or args.paper_every <= 0 or args.bump_every < 0:
        problems.append("--clerks must be 0-5, --seconds 1-3600, --paper-every positive, --bump-every 0 or more")
    if not 0 <= args.baseline_seconds <= 600:
        problems.append("--baseline-seconds must be 0-600")
    if not 0 <= args.redis_db <= 15:
        problems.append("--redis-db must be 0-15")
    if problems:
        parser.error("; ".join(problems))
    if not shutil.which(WRK):
        print(f"{WRK} is missing: apt-get install wrk", file=sys.stderr)
        return 2
    try:
        _redis(args.redis_db).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means the same thing here
        print(f"Redis is not answering at {REDIS_SERVER}: {exc}", file=sys.stderr)
        return 2

    def interrupted(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    port = _free_port()
    processes: dict[str, subprocess.Popen] = {}
    stop, abort = threading.Event(), threading.Event()
    threads: list[threading.Thread] = []
    clerks: list[threading.Thread] = []
    try:
        with tempfile.TemporaryDirectory(prefix="kpidash-load-") as name:
            folder = Path(name)
            print(f"load average now: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            print(
                f"preparing: database, demo, {args.owners} owners, static files, Redis db {args.redis_db} ...",
                flush=True,
            )
            _redis(args.redis_db).flushdb()
            env, owned = prepare(folder, port, args.redis_db, args.owners)
            gunicorn = [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "kpidash.wsgi"]
            processes["gunicorn"] = start(gunicorn, env, folder / "gunicorn.log")
            if args.clerks:
                processes["worker"] = start(worker_command(), env, folder / "worker.log")
            wait_for_gunicorn(processes["gunicorn"], port, folder / "gunicorn.log")
            if args.clerks:
                wait_for_worker(processes["worker"], folder / "worker.log")

            print("signing in ...", flush=True)
            cookies = []
            for i in range(args.users):
                browser = Browser(port, None, "browsing")
                browser.sign_in(BROWSERS[i % len(BROWSERS)])
                cookies.append("sessionid=" + browser.cookies["sessionid"])
            warm(port, cookies[0])
            tally = Tally()
            for n, (username, rows) in enumerate(sorted(owned.items())):
                browser = Browser(port, tally, "owners")
                browser.sign_in(username)
                returns = [OwnedReturn(r["code"], Decimal(r["base"]), r["decimals"], r["percentage"]) for r in rows]
                threads.append(
                    threading.Thread(target=owner_loop, args=(browser, returns, stop, args.owner_think, tally, n))
                )
            for n in range(args.clerks):
                browser = Browser(port, tally, "clerks")
                browser.sign_in("clerk")
                clerks.append(
                    threading.Thread(target=clerk_loop, args=(browser, stop, abort, args.paper_every, tally, n))
                )
            if args.bump_every:
                threads.append(threading.Thread(target=bump_loop, args=(stop, args.bump_every, tally)))

            baseline = None
            if args.baseline_seconds:
                print(f"baseline: /healthz alone for {args.baseline_seconds:g} s ...", flush=True)
                baseline = run_baseline(port, env, folder, args.users, args.baseline_seconds)
            script = folder / "load.lua"
            script.write_text(wrk_script(cookies, PAGES, HTTPS))
            wrk_command = [
                WRK, "-t", "2", "-c", str(args.users), "-d", f"{args.seconds:g}s", "--timeout", f"{TIMEOUT}s",
                "-s", str(script), f"http://127.0.0.1:{port}",
            ]  # fmt: skip
            load_before = os.getloadavg()
            cpu_start = {"gunicorn": tree_cpu(processes["gunicorn"].pid)}
            if "worker" in processes:
                cpu_start["worker"] = tree_cpu(processes["worker"].pid)
            self_start, pg_start = own_cpu(), postgres_cpu()
            print(f"running for {args.seconds:g} s ...", flush=True)
            started = time.monotonic()
            processes["wrk"] = start(wrk_command, env, folder / "wrk.out")
            threads += clerks
            for thread in threads:
                thread.start()
            processes["wrk"].wait(timeout=args.seconds + TIMEOUT + 30)
            stop.set()
            ended = time.monotonic()
            window = ended - started
            cpu = {"gunicorn": tree_cpu(processes["gunicorn"].pid) - cpu_start["gunicorn"]}
            if "worker" in processes:
                cpu["worker"] = tree_cpu(processes["worker"].pid) - cpu_start["worker"]
            # wrk has exited and been reaped, so its CPU is in this process's children's
            # figures; no other child of this process exits during the window.
            self_end = own_cpu()
            pg_end = postgres_cpu()
            if pg_end:
                cpu["PostgreSQL"] = sum(value - pg_start.get(pid, 0.0) for pid, value in pg_end.items())
            cpu["wrk"] = self_end[1] - self_start[1]
            cpu["owners + clerks"] = self_end[0] - self_start[0]
            for thread in threads:
                if thread not in clerks:
                    thread.join(timeout=TIMEOUT + 5)
            if any(thread.is_alive() for thread in clerks):
                print(f"following the paper(s) in flight to the end (at most {PAPER_GRACE} s) ...", flush=True)
            for thread in clerks:
                thread.join(timeout=max(0.0, ended + PAPER_GRACE - time.monotonic()))
            abort.set()
            output = (folder / "wrk.out").read_text()
            if processes["wrk"].returncode:
                raise SystemExit(f"wrk failed (exit {processes['wrk'].returncode}):\n{output}")
            status = report(args, load_before, parse_wrk(output), tally, window, ended, cpu, baseline)
            if status:
                print("\ngunicorn's log (last lines):\n" + tail(folder / "gunicorn.log"))
            return status
    except KeyboardInterrupt:
        print("\ninterrupted: cleaning up", file=sys.stderr)
        return 130
    finally:
        stop.set()
        abort.set()
        for key in ("wrk", "gunicorn", "worker"):
            stop_process(processes.get(key))
        for thread in threads:
            thread.join(timeout=5)
        try:
            _redis(args.redis_db).flushdb()
        except Exception as exc:  # noqa: BLE001 - report, and go on cleaning up
            print(f"could not flush Redis db {args.redis_db}: {exc}", file=sys.stderr)
        if not args.keep:
            _psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


if __name__ == "__main__":
    sys.exit(main())
