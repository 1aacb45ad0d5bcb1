"""Benchmark the returns pages with 500 pending returns on PostgreSQL.

    .venv/bin/python bench/returns.py [--runs 20] [--keep]

Creates (and at the end drops) its own database, `kpidash_bench_returns` on
BENCH_PG (default postgres://postgres@127.0.0.1:5432). One service owner owns
500 monthly KPIs with two years of results; December 2019 is open and every
indicator has a submitted return for it. It prints the median server time of
"My returns" (the owner) and the review queue (the performance team) through
Django's test Client with DEBUG off, and each page's query count measured at
50 and at 500 returns, which must be equal.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "kpidash_bench_returns"
SIZES = (50, 500)
PERIOD = date(2019, 12, 1)


def _admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(statement)


def setup_django() -> None:
    os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpidash.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append("testserver")


def _user(username: str, role: str):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(username=username, email=f"{username}@example.gov.uk")
    user.groups.add(Group.objects.get(name=role))
    return user


def build(first: int, last: int, owner, directorate) -> None:
    """Indicators first..last-1 with thresholds, 24 months of results and a submitted December return."""
    from indicators.models import Commentary, CommentaryStatus, Indicator, Result, Threshold
    from indicators.periods import add_months

    rnd = random.Random(first)
    indicators = Indicator.objects.bulk_create(
        Indicator(code=f"R{n:04d}", name=f"Bench indicator {n}", directorate=directorate) for n in range(first, last)
    )
    Indicator.owners.through.objects.bulk_create(
        Indicator.owners.through(indicator_id=i.pk, user_id=owner.pk) for i in indicators
    )
    Threshold.objects.bulk_create(
        Threshold(indicator=i, financial_year=y, target=Decimal(90), floor=Decimal(85))
        for i in indicators
        for y in (2018, 2019)
    )
    Result.objects.bulk_create(
        Result(indicator=i, period=add_months(PERIOD, -m), value=Decimal(rnd.randint(800, 1000)) / 10)
        for i in indicators
        for m in range(0, 25)
    )
    from indicators.ratings import refresh

    refresh(dict.fromkeys(i.pk for i in indicators))  # bulk_create sends no signals
    Commentary.objects.bulk_create(
        Commentary(
            indicator=i,
            period=PERIOD,
            text=f"Commentary for {i.code}.",
            status=CommentaryStatus.SUBMITTED,
            author=owner,
            version=1,
        )
        for i in indicators
    )


def measure(client, url: str, runs: int) -> tuple[float, int]:
    from django.db import connection

    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    # Counted with a wrapper: DEBUG is off, so connection.queries stays empty.
    with connection.execute_wrapper(count):
        assert client.get(url).status_code == 200
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(timings), len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="timed requests per page (default 20)")
    parser.add_argument("--keep", action="store_true", help=f"keep the {DB_NAME} database afterwards")
    args = parser.parse_args()

    _admin_sql(f"DROP DATABASE IF EXISTS {DB_NAME}")
    _admin_sql(f"CREATE DATABASE {DB_NAME}")
    setup_django()
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client

    from accounts.roles import PERFORMANCE_TEAM, SERVICE_OWNER
    from indicators.models import Directorate
    from returns.models import ReportingPeriod

    try:
        call_command("migrate", verbosity=0)
        owner, team = _user("bench-owner", SERVICE_OWNER), _user("bench-team", PERFORMANCE_TEAM)
        directorate = Directorate.objects.create(name="Bench", slug="bench")
        ReportingPeriod.objects.create(period=PERIOD, deadline=date(2020, 1, 10))
        owner_client, team_client = Client(), Client()
        owner_client.force_login(owner)
        team_client.force_login(team)
        rows, built = [], 0
        for size in SIZES:
            build(built, size, owner, directorate)
            built = size
            for name, client, url in (
                ("My returns", owner_client, "/returns/"),
                ("Review queue", team_client, "/review/"),
            ):
                median, queries = measure(client, url, args.runs)
                rows.append((name, size, median, queries))
        print(f"\nMedian of {args.runs} requests through Django's test Client, PostgreSQL, DEBUG off.\n")
        print(f"{'page':<14} {'returns':>8} {'median ms':>10} {'queries':>8}")
        for name, size, median, queries in sorted(rows):
            print(f"{name:<14} {size:>8} {median:>10.1f} {queries:>8}")
        counts = {name: {q for n, _, _, q in rows if n == name} for name, *_ in rows}
        constant = all(len(c) == 1 for c in counts.values())
        print(f"\nQuery count constant in the number of returns: {'yes' if constant else 'NO'}")
        if not constant:
            sys.exit(1)
    finally:
        if not args.keep:
            connections.close_all()
            _admin_sql(f"DROP DATABASE IF EXISTS {DB_NAME}")


if __name__ == "__main__":
    main()
