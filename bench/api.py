"""Benchmark the API's paginated results endpoint on bench/dashboard.py's dataset (224,000 results).

    .venv/bin/python bench/api.py [--page-size 1000] [--keep]

Creates (and at the end drops) its own database, `kpidash_bench_api` on
BENCH_PG (default postgres://postgres@127.0.0.1:5432), fills it exactly as
bench/dashboard.py does, then reads every result through /api/v1/results/ page
by page with a personal token (Django's test Client, DEBUG off), following each
page's `next` link, and prints rows per second, the first and the last page's
time, the queries per page and memory. Beside it, in the same run, the same
rows written as CSV straight from the database (`values_list(...).iterator()`
into `csv.writer`, no HTTP, no serializer): the floor any endpoint could reach.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import dashboard as dataset  # noqa: E402 (bench/dashboard.py: the dataset, its database helpers)

dataset.DB_NAME = "kpidash_bench_api"  # its own database: bench/dashboard.py may be running beside it


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def walk(client, page_size: int) -> dict:
    url = f"/api/v1/results/?page_size={page_size}"
    rows, pages, times = 0, 0, []
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    started = time.perf_counter()
    queries: set[int] = set()
    while url:
        page_started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        times.append(time.perf_counter() - page_started)
        assert response.status_code == 200, response.content[:300]
        document = response.json()
        rows += len(document["results"])
        pages += 1
        queries.add(len(captured))
        url = document["next"]
    return {
        "seconds": time.perf_counter() - started,
        "rows": rows,
        "pages": pages,
        "first": times[0],
        "last": times[-1],
        "queries": queries,
    }


def one_page_peak(client, page_size: int) -> float:
    tracemalloc.start()
    client.get(f"/api/v1/results/?page_size={page_size}&page=2")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1024 / 1024


def csv_of_the_same_rows() -> tuple[float, int, int]:
    from indicators.models import Result

    started = time.perf_counter()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["indicator", "directorate", "period", "value", "numerator", "denominator", "updated_at"])
    rows = 0
    fields = ("indicator__code", "indicator__directorate__slug", "period", "value", "numerator", "denominator")
    for row in (
        Result.objects.order_by("indicator__code", "period")
        .values_list(*fields, "updated_at")
        .iterator(chunk_size=5000)
    ):
        writer.writerow(row)
        rows += 1
    return time.perf_counter() - started, rows, len(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--page-size", type=int, default=1000, help="rows a page (default and most: 1000)")
    parser.add_argument("--keep", action="store_true", help=f"keep the {dataset.DB_NAME} database afterwards")
    args = parser.parse_args()

    dataset.create_database()
    dataset.setup_django()
    from django.core.management import call_command
    from django.test import Client

    from api.tokens import token_create

    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        data = dataset.build_dataset()
        print(f"Dataset: {data['results']:,} results, built in {time.perf_counter() - started:.0f} s.")
        print(f"Machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start.\n")
        from django.conf import settings

        settings.KPIDASH_API_REQUESTS_PER_MINUTE = 1_000_000  # measure the endpoint, not the throttle
        _, secret = token_create(user=data["viewer"], name="bench")
        client = Client(headers={"Authorization": f"Bearer {secret}"})
        client.get("/api/v1/results/?page_size=1")  # the token's daily last use, the roles: not in the timing

        csv_seconds, csv_rows, csv_bytes = csv_of_the_same_rows()
        before = rss_mb()
        api = walk(client, args.page_size)
        grown = rss_mb() - before
        peak = one_page_peak(client, args.page_size)

        print(f"{'':<44} {'rows':>8} {'seconds':>8} {'rows/s':>8}")
        print(
            f"{'API /api/v1/results/, ' + str(api['pages']) + ' pages of ' + str(args.page_size):<44} "
            f"{api['rows']:>8,} {api['seconds']:>8.1f} {api['rows'] / api['seconds']:>8,.0f}"
        )
        print(
            f"{'CSV of the same rows from the database':<44} {csv_rows:>8,} {csv_seconds:>8.1f} "
            f"{csv_rows / csv_seconds:>8,.0f}"
        )
        print(
            f"\nAPI: first page {api['first'] * 1000:.0f} ms, last page {api['last'] * 1000:.0f} ms, "
            f"{' or '.join(map(str, sorted(api['queries'])))} queries a page; "
            f"peak Python memory for one page {peak:.1f} MB; "
            f"process peak RSS grew {grown:.0f} MB over the walk (to {rss_mb():.0f} MB). "
            f"CSV: {csv_bytes / 1024 / 1024:.1f} MB of text."
        )
    finally:
        if not args.keep:
            dataset.drop_database()


if __name__ == "__main__":
    main()
