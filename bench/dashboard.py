"""Benchmark the dashboard pages on a large PostgreSQL dataset.

    .venv/bin/python bench/dashboard.py [--runs 30] [--keep] [--spc]

Creates (and at the end drops) its own database, `kpidash_bench` (or BENCH_DB) on
BENCH_PG (default postgres://postgres@127.0.0.1:5432), fills it with 2,000
indicators × 10 financial years of monthly results (quarterly ones every
quarter) through bulk_create, one committee of 60 indicators, then prints the
median server time of each page through Django's test Client next to a
baseline measured in the same run: the raw SQL fetch of the rows that page
shows. It also prints each page's query count. Each page is measured cold (the
first request after every data version is bumped, so nothing cached applies),
after one figure of an indicator in the committee is saved (what each return
does to the pages during a return week), and warm (the same page again with the
same data). Nothing else is touched.

With --ratio it measures only issue 13's cold-path aims: the raw fetch, the cold
committee dashboard, the dashboard after one saved figure and cold home, taken
in turn (so a busy machine slows them alike), with their medians and ratios.
--reuse keeps the database and uses it again next time (built if missing).

With --spc it measures instead what the SPC icons cost (issue 16): the cold
committee dashboard with and without its SPC column (and the SPC line and key
above it), the two requests taken in turn so a busy machine slows both alike,
and rating every result with and without working out the icons.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("BENCH_DB", "kpidash_bench")  # its own name when several people bench at once
INDICATORS, COMMITTEE_SIZE, YEARS, DIRECTORATES = 2000, 60, 10, 34
FIRST_YEAR = 2010  # financial years 2010/11 … 2019/20
LATEST = date(FIRST_YEAR + YEARS, 3, 1)


def create_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def drop_database() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")


def database_built() -> bool:
    """Whether DB_NAME exists and holds a finished dataset (its users are created last)."""
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone():
            return False
    with psycopg.connect(f"{SERVER}/{DB_NAME}", autocommit=True) as conn:
        try:
            row = conn.execute("SELECT count(*) FROM auth_user WHERE username = 'bench-performance'").fetchone()
        except psycopg.errors.UndefinedTable:
            return False
    return bool(row and row[0])


def existing_dataset() -> dict:
    from django.contrib.auth import get_user_model

    from indicators.models import Result

    users = get_user_model().objects
    return {
        "results": Result.objects.count(),
        "viewer": users.get(username="bench-viewer"),
        "performance": users.get(username="bench-performance"),
    }


def setup_django() -> None:
    os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpidash.settings")
    import django

    django.setup()
    from django.conf import settings

    # Time the pages as production runs them: no debug query log or template debug info.
    settings.DEBUG = False
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append("testserver")


def months() -> list[date]:
    from indicators.periods import FinancialYear

    return [m for year in range(FIRST_YEAR, FIRST_YEAR + YEARS) for m in FinancialYear(year).months()]


def build_dataset() -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from accounts.roles import PERFORMANCE_TEAM, VIEWER, ensure_roles
    from indicators.models import (
        Commentary,
        CommentaryStatus,
        Committee,
        Directorate,
        Indicator,
        Kind,
        Result,
        Threshold,
    )
    from indicators.periods import Frequency, is_reporting_period

    rnd = random.Random(20191130)
    ensure_roles()
    directorates = Directorate.objects.bulk_create(
        Directorate(name=f"Bench directorate {i:02d}", slug=f"bench-{i:02d}") for i in range(DIRECTORATES)
    )
    committee = Committee.objects.create(name="Bench Cabinet Committee", slug="bench")
    committee.directorates.add(directorates[0])
    indicators = Indicator.objects.bulk_create(
        Indicator(
            code=f"B{i:04d}",
            name=f"Bench indicator {i}",
            definition="A generated indicator.",
            kind=Kind.ACTIVITY if i % 6 == 5 else Kind.KPI,
            polarity="L" if i % 4 == 3 else "H",
            unit="number" if i % 6 == 5 else "percentage",
            decimals=0 if i % 6 == 5 else 1,
            frequency=Frequency.QUARTERLY if i % 10 == 7 else Frequency.MONTHLY,
            ytd_method="sum" if i % 6 == 5 else "mean",
            directorate=directorates[0] if i < COMMITTEE_SIZE else directorates[1 + i % (DIRECTORATES - 1)],
        )
        for i in range(INDICATORS)
    )
    all_months = months()
    results, thresholds, commentary = [], [], []
    for indicator in indicators:
        base = rnd.uniform(80, 98)
        for period in all_months:
            if is_reporting_period(period, indicator.frequency):
                value = Decimal(f"{base + rnd.uniform(-6, 6):.1f}")
                results.append(Result(indicator=indicator, period=period, value=value))
        for year in range(FIRST_YEAR, FIRST_YEAR + YEARS):
            thresholds.append(
                Threshold(
                    indicator=indicator,
                    financial_year=year,
                    target=Decimal(90),
                    floor=Decimal(85),
                    lower=Decimal(80),
                    upper=Decimal(95),
                )
            )
        if indicator.directorate_id == directorates[0].pk:
            commentary += [
                Commentary(
                    indicator=indicator, period=p, text="Generated commentary.", status=CommentaryStatus.APPROVED
                )
                for p in all_months[2::3]
            ]
    started = time.perf_counter()
    Result.objects.bulk_create(results, batch_size=5000)
    Threshold.objects.bulk_create(thresholds, batch_size=5000)
    Commentary.objects.bulk_create(commentary, batch_size=5000)
    insert_seconds = time.perf_counter() - started
    from django.db import transaction

    from indicators.ratings import refresh_all

    started = time.perf_counter()
    with transaction.atomic():  # it locks the indicators it rates
        refresh_all()  # bulk_create sends no signals: rate every result, as an import does
    rate_seconds = time.perf_counter() - started
    viewer = get_user_model().objects.create_user("bench-viewer", password="bench-only-password")
    viewer.groups.add(Group.objects.get(name=VIEWER))
    performance = get_user_model().objects.create_user("bench-performance", password="bench-only-password")
    performance.groups.add(Group.objects.get(name=PERFORMANCE_TEAM))
    edited = Result.objects.get(indicator=indicators[0], period=LATEST)
    for step in range(20):  # some audit history for the performance team's view
        edited.value += Decimal("0.1") * (1 if step % 2 else -1)
        with transaction.atomic():  # as each request is (ATOMIC_REQUESTS): a save locks its indicator
            edited.save()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "results": len(results),
        "thresholds": len(thresholds),
        "commentary": len(commentary),
        "insert_seconds": insert_seconds,
        "rate_seconds": rate_seconds,
        "viewer": viewer,
        "performance": performance,
    }


def raw_dashboard_rows() -> int:
    """Baseline: the same rows a dashboard reads, fetched with plain SQL."""
    from django.db import connection

    since = date(LATEST.year - 2, LATEST.month, 1)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.id, i.code, i.name, i.kind, i.polarity, i.unit, i.decimals, i.frequency, i.ytd_method, "
            "d.name FROM indicators_indicator i JOIN indicators_directorate d ON d.id = i.directorate_id "
            "JOIN indicators_committee_directorates cd ON cd.directorate_id = d.id "
            "JOIN indicators_committee c ON c.id = cd.committee_id WHERE c.slug = %s AND i.active ORDER BY i.code",
            ["bench"],
        )
        ids = [row[0] for row in cursor.fetchall()]
        count = len(ids)
        for sql in (
            "SELECT indicator_id, period, value, numerator, denominator FROM indicators_result "
            "WHERE indicator_id = ANY(%s) AND period BETWEEN %s AND %s ORDER BY period",
            "SELECT indicator_id, period, text FROM indicators_commentary "
            "WHERE indicator_id = ANY(%s) AND period BETWEEN %s AND %s AND status = 'approved'",
        ):
            cursor.execute(sql, [ids, since, LATEST])
            count += len(cursor.fetchall())
        cursor.execute(
            "SELECT * FROM indicators_threshold WHERE indicator_id = ANY(%s) AND financial_year >= %s",
            [ids, LATEST.year - 3],
        )
        count += len(cursor.fetchall())
    return count


def raw_indicator_rows() -> int:
    """Baseline: every result, threshold and approved commentary of one indicator."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id, name, definition FROM indicators_indicator WHERE code = %s", ["B0000"])
        (pk, *_), count = cursor.fetchone(), 1
        for sql in (
            "SELECT period, value, numerator, denominator FROM indicators_result WHERE indicator_id = %s "
            "ORDER BY period",
            "SELECT * FROM indicators_threshold WHERE indicator_id = %s ORDER BY financial_year",
            "SELECT period, text FROM indicators_commentary WHERE indicator_id = %s AND status = 'approved'",
        ):
            cursor.execute(sql, [pk])
            count += len(cursor.fetchall())
    return count


def median_ms(fn, runs: int) -> tuple[float, float]:
    """Median wall-clock and median CPU milliseconds of `fn` (after three warm-up calls).

    CPU time is this process's own work; on a busy machine wall time also
    includes waiting for a CPU, which is why both are printed.
    """
    for _ in range(3):
        fn()
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def count_queries(client, url: str) -> int:
    # Counted as they run: connection.queries is cleared when a request starts.
    from django.db import connection

    executed = []

    def counter(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return len(executed)


def cold(client, url: str, runs: int) -> tuple[float, float, int]:
    """Median of `runs` first requests after a data-version bump (the cache cannot help), and their queries."""
    from indicators.cache import data_version_bump

    wall, cpu = [], []
    for _ in range(runs):
        data_version_bump()
        started, started_cpu = time.perf_counter(), time.process_time()
        client.get(url)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    data_version_bump()
    return statistics.median(wall), statistics.median(cpu), count_queries(client, url)


def saved(client, url: str, runs: int) -> tuple[float, float, int]:
    """Median of `runs` first requests after one figure of B0000 (in the committee) is saved: a return-week miss."""
    from indicators.cache import data_version_bump, indicator_scopes
    from indicators.models import Indicator

    scopes = indicator_scopes(Indicator.objects.get(code="B0000").pk)
    wall, cpu = [], []
    for _ in range(runs):
        data_version_bump(*scopes)
        started, started_cpu = time.perf_counter(), time.process_time()
        client.get(url)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    data_version_bump(*scopes)
    return statistics.median(wall), statistics.median(cpu), count_queries(client, url)


def warm(client, url: str, runs: int) -> tuple[float, float, int]:
    """Median of repeated requests for the same page and data version (cached parts reused)."""
    client.get(url)
    queries = count_queries(client, url)
    wall, cpu = median_ms(lambda: client.get(url), runs)
    return wall, cpu, queries


@contextmanager
def without_spc() -> Iterator[None]:
    """The dashboard pages as they were before the SPC column: no column, no SPC line, no key of icons."""
    import django_tables2

    from indicators import views

    table_init = django_tables2.Table.__init__

    def init(self, *args, exclude=None, **kwargs):
        table_init(self, *args, exclude=(*(exclude or ()), "spc"), **kwargs)

    patched = {"spc_sentence": lambda counts: "", "spc_counts": lambda dashboard: None, "spc_key": lambda: []}
    saved = {name: getattr(views, name) for name in patched}
    django_tables2.Table.__init__ = init
    for name, replacement in patched.items():
        setattr(views, name, replacement)
    try:
        yield
    finally:
        django_tables2.Table.__init__ = table_init
        for name, original in saved.items():
            setattr(views, name, original)


def spc_cost(client, url: str, runs: int) -> None:
    """Print the cold dashboard with and without SPC, and rating every result with and without its icons."""
    from indicators.cache import data_version_bump
    from indicators.ratings import History, refresh_all

    with_spc, plain = [], []
    for _ in range(3):  # warm-up
        data_version_bump()
        client.get(url)
    for _ in range(runs):
        for timings, context in ((with_spc, nullcontext), (plain, without_spc)):
            with context():
                data_version_bump()
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.get(url)
                timings.append(((time.perf_counter() - started) * 1000, (time.process_time() - started_cpu) * 1000))
            assert (b"kp-spc-cell" in response.content) is (timings is with_spc), "the SPC column was not toggled"
    data_version_bump()
    print(f"Cold committee dashboard ({COMMITTEE_SIZE} indicators), median of {runs} of each, taken in turn:")
    medians = {}
    for name, timings in (("with SPC", with_spc), ("without SPC", plain)):
        wall, cpu = statistics.median(t[0] for t in timings), statistics.median(t[1] for t in timings)
        medians[name] = (wall, cpu)
        print(f"  {name:<12} wall {wall:6.1f} ms  cpu {cpu:6.1f} ms")
    (wall, cpu), (plain_wall, plain_cpu) = medians["with SPC"], medians["without SPC"]
    print(
        f"  SPC adds     wall {100 * (wall / plain_wall - 1):+5.1f} %   "
        f"cpu {100 * (cpu / plain_cpu - 1):+5.1f} %  (aim ≤ 20 %)"
    )
    from django.db import transaction

    spc_icons = History._spc_icons
    for name, icons in (("with SPC icons", spc_icons), ("without SPC icons", lambda self, starts, since: {})):
        History._spc_icons = icons
        try:
            with transaction.atomic():
                started, started_cpu = time.perf_counter(), time.process_time()
                refresh_all()
                seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - started_cpu
                transaction.set_rollback(True)
        finally:
            History._spc_icons = spc_icons
        print(f"Rating every result {name}: wall {seconds:.1f} s, cpu (Python) {cpu_seconds:.1f} s")


def cold_ratios(client, url: str, runs: int) -> None:
    """Issue 13's aims in one run: the raw fetch, the cold committee dashboard, the dashboard after one saved
    figure and cold home, taken in turn `runs` times so a busy machine slows each alike; medians and ratios."""
    from indicators.cache import data_version_bump, indicator_scopes
    from indicators.models import Indicator

    scopes = indicator_scopes(Indicator.objects.get(code="B0000").pk)

    def request(path: str, *bump) -> Callable[[], object]:
        def fetch() -> object:
            data_version_bump(*bump)
            return client.get(path)

        return fetch

    measured: dict[str, Callable[[], object]] = {
        "raw SQL fetch of the dashboard's rows": raw_dashboard_rows,
        "committee dashboard, cold": request(url),
        "committee dashboard, after one saved figure": request(url, *scopes),
        "home, cold": request("/"),
    }
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in measured}
    for fn in measured.values():  # warm-up
        for _ in range(3):
            fn()
    for _ in range(runs):
        for name, fn in measured.items():
            data_version_bump()  # outside the timing, so every request is the first after a change
            started, started_cpu = time.perf_counter(), time.process_time()
            fn()
            timings[name].append(((time.perf_counter() - started) * 1000, (time.process_time() - started_cpu) * 1000))
    data_version_bump()
    queries = {"committee dashboard, cold": count_queries(client, url), "home, cold": count_queries(client, "/")}
    raw_wall = statistics.median(t[0] for t in timings["raw SQL fetch of the dashboard's rows"])
    raw_cpu = statistics.median(t[1] for t in timings["raw SQL fetch of the dashboard's rows"])
    print(f"Median of {runs} of each, taken in turn (ratios to the raw SQL fetch; cpu is this process's):")
    print(f"  {'':<46} {'wall ms':>8} {'cpu ms':>7} {'wall/raw':>8} {'cpu/raw':>8} {'queries':>7}")
    for name, values in timings.items():
        wall, cpu = statistics.median(t[0] for t in values), statistics.median(t[1] for t in values)
        print(
            f"  {name:<46} {wall:>8.1f} {cpu:>7.1f} {wall / raw_wall:>7.1f}x {cpu / raw_cpu:>7.1f}x "
            f"{queries.get(name, ''):>7}"
        )
    print("  aims: committee dashboard cold ≤ 3× the raw fetch; home cold ≤ 100 ms; constant queries")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="timed requests per page (default 30)")
    parser.add_argument("--keep", action="store_true", help=f"keep the {DB_NAME} database afterwards")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help=f"reuse the {DB_NAME} database a --keep run left (built if missing); implies --keep",
    )
    parser.add_argument("--spc", action="store_true", help="measure only what the SPC icons cost (see above)")
    parser.add_argument(
        "--ratio", action="store_true", help="measure only the cold path's aims (issue 13), alternating (see above)"
    )
    args = parser.parse_args()

    if args.reuse:
        args.keep = True
    reused = args.reuse and database_built()
    if not reused:
        create_database()
    setup_django()
    from django.core.management import call_command
    from django.test import Client

    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        if reused:
            data = existing_dataset()
            print(f"Dataset: reusing {DB_NAME} ({data['results']:,} results).")
        else:
            data = build_dataset()
            build_seconds = time.perf_counter() - started
            print(
                f"Dataset: {INDICATORS} indicators, {data['results']:,} results, {data['thresholds']:,} thresholds, "
                f"{data['commentary']:,} commentaries; built in {build_seconds:.0f} s "
                f"(inserts {data['insert_seconds']:.0f} s, rating every result {data['rate_seconds']:.0f} s). "
                f"Committee of {COMMITTEE_SIZE} indicators, "
                f"period {LATEST:%B %Y}."
            )
        viewer, performance = Client(), Client()
        viewer.force_login(data["viewer"])
        performance.force_login(data["performance"])
        period = f"{LATEST:%Y-%m}"
        if args.ratio:
            print(f"Machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start.\n")
            cold_ratios(viewer, f"/committees/bench/{period}/", args.runs)
            print(f"Load average {os.getloadavg()[0]:.1f} at the end.")
            return
        if args.spc:
            print(f"Machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start.\n")
            spc_cost(viewer, f"/committees/bench/{period}/", args.runs)
            return
        dashboard_base = median_ms(raw_dashboard_rows, args.runs)
        indicator_base = median_ms(raw_indicator_rows, args.runs)
        pages = [
            ("Committee dashboard", viewer, f"/committees/bench/{period}/", dashboard_base, 50),
            (
                "Committee dashboard, sorted + filtered",
                viewer,
                f"/committees/bench/{period}/?sort=-month_rag&kind=kpi",
                dashboard_base,
                50,
            ),
            ("Indicator page (with chart)", viewer, "/indicators/B0000/", indicator_base, 80),
            ("Indicator page, performance team (+ audit)", performance, "/indicators/B0000/", indicator_base, 80),
            ("CSV download", viewer, f"/committees/bench/{period}/dashboard.csv", dashboard_base, None),
            ("XLSX download", viewer, f"/committees/bench/{period}/dashboard.xlsx", dashboard_base, None),
            ("Home (every committee and directorate)", viewer, "/", None, None),
        ]
        print(f"\nMedian of {args.runs} requests through Django's test Client, PostgreSQL, DEBUG off.")
        print(f"Machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start.\n")
        print(
            "cold: the first request after every data version is bumped (a structural change); "
            "saved: the first after one\nfigure of B0000, an indicator in the committee, is saved; "
            "warm: the same page again, same data.\n"
        )
        header = (
            f"{'page':<44} {'':>5} {'wall ms':>8} {'cpu ms':>7} {'raw SQL ms':>10} {'wall/raw':>8} "
            f"{'queries':>7} {'aim':>8}"
        )
        print(header)
        print("-" * len(header))
        for name, client, url, baseline, aim in pages:
            for state, measure in (("cold", cold), ("saved", saved), ("warm", warm)):
                wall, cpu, queries = measure(client, url, args.runs)
                ratio = f"{wall / baseline[0]:.1f}x" if baseline else "–"
                base = f"{baseline[0]:.1f}" if baseline else "–"
                target = f"≤{aim} ms" if aim else "–"
                print(
                    f"{name if state == 'cold' else '':<44} {state:>5} {wall:>8.1f} {cpu:>7.1f} {base:>10} "
                    f"{ratio:>8} {queries:>7} {target:>8}"
                )
    finally:
        if not args.keep:
            drop_database()


if __name__ == "__main__":
    main()
