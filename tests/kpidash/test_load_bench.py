"""bench/load.py's pure parts: the wrk Lua script, wrk's output, the report maths, the page parsing.

These never start the bench itself; one test runs wrk for a second against a
stub server on loopback, so a Lua mistake shows here rather than mid-bench.
"""

import argparse
import http.server
import random
import shutil
import subprocess
import threading
from decimal import Decimal
from types import SimpleNamespace

import pytest

from bench import load

WRK_LINE = (
    'BENCH_WRK {"duration_us": 10000000, "requests": 1500, "bytes": 123456, "connect": 0, "read": 2, '
    '"write": 0, "timeout": 1, "statuses": {"200": 1490, "302": 3, "500": 4}, "p50_us": 120500, '
    '"p95_us": 290000, "p99_us": 410250, "mean_us": 140000, "max_us": 900000}'
)


def test_lua_string_escapes_quotes_and_backslashes():
    assert load.lua_string('a"b\\c') == '"a\\"b\\\\c"'


@pytest.mark.parametrize("text", ["new\nline", "caf\u00e9", "tab\t"])
def test_lua_string_refuses_what_a_cookie_or_path_never_holds(text):
    with pytest.raises(ValueError, match="not printable ASCII"):
        load.lua_string(text)


def test_wrk_script_holds_every_cookie_page_and_header():
    script = load.wrk_script(["sessionid=abc", "sessionid=def"], ["/", "/indicators/ICT01/"], load.HTTPS)
    assert 'local cookies = {"sessionid=abc", "sessionid=def"}' in script
    assert 'local paths = {"/", "/indicators/ICT01/"}' in script
    assert '["X-Forwarded-Proto"] = "https"' in script
    assert "function done(summary, latency, requests)" in script


def test_wrk_script_needs_a_cookie_and_a_page():
    with pytest.raises(ValueError, match="at least one cookie and one page"):
        load.wrk_script([], ["/"], {})


def test_parse_wrk_counts_every_non_200_answer_and_socket_error():
    result = load.parse_wrk("Running 10s test\n" + WRK_LINE + "\n  2 threads and 50 connections\n")
    assert result.seconds == 10
    assert result.requests == 1500
    assert result.statuses == {200: 1490, 302: 3, 500: 4}
    assert result.errors == 3 + 4 + 2 + 1
    assert (result.p50_ms, result.p95_ms, result.p99_ms) == (120.5, 290.0, 410.25)
    stats = load.stats_from_wrk(result)
    assert stats.per_second == 150
    assert stats.errors == 10


def test_the_baseline_line_gives_the_pages_rate_as_a_share_of_healthz():
    browsing = load.parse_wrk(WRK_LINE)  # 150 req/s
    baseline = load.WrkResult(10.0, 6000, {200: 6000}, {}, 80.0, 95.0, 120.0, 82.0, 200.0)  # 600 req/s
    line = load.baseline_line(baseline, browsing)
    assert "600.0 req/s, p50 80  p95 95 ms, errors 0" in line
    assert line.endswith("browsing ran at 25% of that rate")


def test_parse_wrk_says_when_the_figures_are_missing():
    with pytest.raises(ValueError, match="expected one BENCH_WRK line.*found 0"):
        load.parse_wrk("PANIC: unprotected error in call to Lua API\n")


def test_percentile_is_nearest_rank_whatever_the_order():
    values = list(range(100, 0, -1))  # 1..100, reversed
    assert [load.percentile(values, p) for p in (50, 95, 99, 100)] == [50, 95, 99, 100]
    assert load.percentile([7.0], 99) == 7.0
    assert load.percentile([1, 2, 3, 1000], 95) == 1000


@pytest.mark.parametrize(("values", "share"), [([], 50), ([1.0], 0), ([1.0], 101)])
def test_percentile_refuses_no_values_or_a_share_outside_0_to_100(values, share):
    with pytest.raises(ValueError):
        load.percentile(values, share)


def test_stats_from_seconds_gives_milliseconds_and_rate():
    stats = load.stats_from("owners", [0.1] * 18 + [0.5, 2.0], errors=1, seconds=10)
    assert (stats.requests, stats.per_second, stats.errors) == (20, 2.0, 1)
    assert (stats.p50_ms, stats.p95_ms, stats.p99_ms) == (100, 500, 2000)
    assert "errors 1" in stats.line()


def test_stats_from_no_requests_has_no_latency():
    stats = load.stats_from("clerks", [], errors=2, seconds=10)
    assert (stats.requests, stats.p50_ms) == (0, None)
    assert "no requests" in stats.line()


def test_combined_rate_adds_every_group_over_the_window():
    groups = [load.stats_from("a", [0.1] * 300, 0, 10), load.stats_from("b", [0.1] * 50, 0, 9)]
    assert load.combined_per_second(groups, 10) == 35


def test_next_value_stays_a_percentage_rounded_and_never_repeats():
    rng = random.Random(1)
    previous = None
    for _ in range(200):
        value = load.next_value(Decimal("99.9"), 1, True, previous, rng)
        assert Decimal(0) <= value <= Decimal(100)
        assert value == value.quantize(Decimal("0.1"))
        assert value != previous
        previous = value


def test_next_value_changes_a_small_count_by_at_least_one():
    rng = random.Random(2)
    values = {load.next_value(Decimal(3), 0, False, Decimal(3), rng) for _ in range(50)}
    assert Decimal(3) not in values
    assert all(v >= 0 and v == v.to_integral_value() for v in values)


def test_return_form_fields_are_read():
    html = (
        '<form method="post" novalidate><input type="hidden" name="csrfmiddlewaretoken" value="tok123">'
        '<input type="hidden" name="version" value="7" id="id_version">'
        '<input type="hidden" name="version" value="99"></form>'
    )
    assert load.csrf_token(html) == "tok123"
    assert load.form_version(html) == 7


def test_a_page_without_the_form_is_an_error():
    with pytest.raises(ValueError, match="no CSRF token"):
        load.csrf_token("<p>This return is locked</p>")
    with pytest.raises(ValueError, match="no version field"):
        load.form_version("<p>This return is locked</p>")


def test_paper_status_and_failure_reason_are_read():
    ready = (
        '<dd class="govuk-summary-list__value" id="paper-status">\n  <div role="status">'
        '<strong class="govuk-tag govuk-tag--green">Ready</strong></div>'
    )
    assert load.paper_status(ready) == ("Ready", "")
    failed = (
        '<dd id="paper-status"><strong class="govuk-tag govuk-tag--red">Failed</strong></dd>'
        '<p class="govuk-body" id="failure-reason">The task queue could not be reached</p>'
    )
    assert load.paper_status(failed) == ("Failed", "The task queue could not be reached")
    with pytest.raises(ValueError, match="no status"):
        load.paper_status("<h1>Sign in</h1>")


def test_paper_state_is_read_from_status_json():
    assert load.paper_state('{"status": "running", "label": "Running", "progress": 40}') == "running"
    with pytest.raises(ValueError, match="not JSON"):
        load.paper_state("<html>Sign in</html>")
    with pytest.raises(ValueError, match="no status"):
        load.paper_state('{"label": "Ready"}')


@pytest.mark.parametrize(("action", "done"), [("save", "saved"), ("submit", "submitted for approval")])
def test_saved_banner_is_how_the_return_view_reports_a_save(action, done):
    from returns.views import _saved_message

    row = SimpleNamespace(
        indicator=SimpleNamespace(code="ICT01", is_kpi=True),
        period_label="December 2019",
        formatted_value="71.5%",
        rag=SimpleNamespace(label="Green"),
        concern=False,
    )
    assert _saved_message(row, action).startswith(load.saved_banner("ICT01", action))
    assert load.saved_banner("ICT01", action) == f"ICT01 for December 2019 {done}: "


def test_think_time_is_seconds_or_a_range():
    assert load.parse_think("1-3") == (1.0, 3.0)
    assert load.parse_think("2") == (2.0, 2.0)
    for bad in ("3-1", "x", "-1", "1-100"):
        with pytest.raises(argparse.ArgumentTypeError):
            load.parse_think(bad)


def test_cpu_seconds_reads_proc_stat_even_with_parentheses_in_the_name():
    # pid (comm) state ppid ... utime stime cutime cstime are fields 14-17
    line = "123 (celery (worker) x) S 1 123 123 0 -1 4194560 100 0 0 0 250 50 700 100 20 0 1 0 5 0 0"
    assert load.cpu_seconds(line, 100, with_children=False) == 3.0
    assert load.cpu_seconds(line, 100, with_children=True) == 11.0


class _Stub(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list = []

    def do_GET(self):
        self.seen.append((self.path, self.headers.get("Cookie"), self.headers.get("X-Forwarded-Proto")))
        status = 200 if self.path != "/gone/" else 404
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.mark.skipif(not shutil.which(load.WRK), reason="wrk is not installed (apt-get install wrk)")
def test_the_generated_script_runs_in_wrk_and_counts_non_200_as_errors(tmp_path):
    _Stub.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        script = tmp_path / "load.lua"
        cookies = ["sessionid=one", "sessionid=two", "sessionid=three"]
        script.write_text(load.wrk_script(cookies, ["/", "/gone/"], load.HTTPS))
        url = f"http://127.0.0.1:{server.server_address[1]}"
        run = subprocess.run(
            [load.WRK, "-t", "2", "-c", "4", "-d", "1s", "-s", str(script), url],
            capture_output=True,
            text=True,
            timeout=30,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert run.returncode == 0, run.stdout + run.stderr
    result = load.parse_wrk(run.stdout)
    assert set(result.statuses) == {200, 404}
    assert result.errors == result.statuses[404] > 0
    assert {cookie for _, cookie, _ in _Stub.seen} == set(cookies)
    assert {path for path, _, _ in _Stub.seen} == {"/", "/gone/"}
    assert {proto for _, _, proto in _Stub.seen} == {"https"}
