"""Benchmark: 100,000 result rows (500 indicators × 200 months) from XLSX into PostgreSQL.

    .venv/bin/python bench/import.py [--rows-plain 10000] [--keep]

Creates its own database (kpidash_bench_import, or $KPIDASH_BENCH_DB when
several worktrees bench at once; dropped afterwards unless --keep), writes the
workbook with openpyxl (write-only), then imports it through kpidash's import
(`spreadsheets.services.workbook_import`), times reading it alone
(`spreadsheets.workbook.open_workbook`: every row, no database), and, on the
same file (or its first --rows-plain rows: the plain resource saves row by
row and 100,000 rows would take many minutes) and the same database, through
a plain django-import-export `ModelResource` with default settings. Each
measurement runs in its own process so its peak memory (ru_maxrss) is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = os.environ.get("KPIDASH_BENCH_DB", "kpidash_bench_import")
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
INDICATORS, MONTHS = 500, 200
WORK = ROOT / "var" / "bench"


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = DB_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpidash.settings")
    os.environ["KPIDASH_IMPORT_MAX_BYTES"] = str(50 * 1024 * 1024)
    import django

    django.setup()


def prepare() -> tuple[Path, Path]:
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB_NAME], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB_NAME], check=True)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"],
        cwd=ROOT,
        check=True,
        env={**os.environ, "DATABASE_URL": DB_URL},
    )
    django_setup()
    from indicators.models import Directorate, Indicator

    directorate = Directorate.objects.create(name="Bench", slug="bench")
    Indicator.objects.bulk_create(
        Indicator(code=f"B{n:04d}", name=f"Bench indicator {n}", directorate=directorate, unit="number")
        for n in range(INDICATORS)
    )
    WORK.mkdir(parents=True, exist_ok=True)
    return write_book(WORK / "results-100k.xlsx", None), write_book(WORK / "results-slice.xlsx", ARGS.rows_plain)


def write_book(path: Path, limit: int | None) -> Path:
    from openpyxl import Workbook

    from indicators.periods import add_months, format_period

    rnd = random.Random(6)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Results")
    sheet.append(["code", "period", "value", "numerator", "denominator", "commentary"])
    start = __import__("datetime").date(2003, 1, 1)
    count = 0
    for n in range(INDICATORS):
        for m in range(MONTHS):
            if limit is not None and count >= limit:
                break
            value = Decimal(rnd.randint(0, 100_000)) / 100
            sheet.append([f"B{n:04d}", format_period(add_months(start, m)), value, None, None, None])
            count += 1
    book.save(path)
    return path


def measure(which: str, path: str) -> None:
    """Run one import in this process and print its figures as JSON."""
    django_setup()
    from django.db import connection

    from indicators.models import Result

    rows = {"plain": _plain, "read": _read}.get(which, _ours)(path)
    print(
        json.dumps(
            {
                "rows": rows["rows"],
                "seconds": rows["seconds"],
                "errors": rows["errors"],
                "stored": Result.objects.count(),
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )
    connection.close()


def _ours(path: str) -> dict:
    from spreadsheets.models import ImportRecord
    from spreadsheets.services import workbook_import

    started = time.perf_counter()
    plan = workbook_import(path=Path(path), file_name=Path(path).name, user=None, source=ImportRecord.Source.COMMAND)
    seconds = time.perf_counter() - started
    return {
        "rows": sum(c.created + c.updated + c.unchanged for c in plan.counts.values()),
        "seconds": seconds,
        "errors": len(plan.errors),
    }


def _read(path: str) -> dict:
    """Only reading: every row of every sheet as Python values, nothing checked or written."""
    from spreadsheets.workbook import open_workbook

    started = time.perf_counter()
    rows = sum(1 for sheet in open_workbook(Path(path), Path(path).name) for _ in sheet.rows)
    return {"rows": rows, "seconds": time.perf_counter() - started, "errors": 0}


def _plain(path: str) -> dict:
    import tablib
    from import_export import fields, resources, widgets

    from indicators.models import Indicator, Result
    from spreadsheets.resources import PeriodWidget

    class PlainResultResource(resources.ModelResource):
        # Only what is needed to read the same columns; everything else default.
        indicator = fields.Field(
            attribute="indicator", column_name="code", widget=widgets.ForeignKeyWidget(Indicator, "code")
        )
        period = fields.Field(attribute="period", column_name="period", widget=PeriodWidget())

        class Meta:
            model = Result
            import_id_fields = ("indicator", "period")
            fields = ("indicator", "period", "value", "numerator", "denominator")

    started = time.perf_counter()
    with open(path, "rb") as f:
        dataset = tablib.Dataset().load(f.read(), format="xlsx")
    result = PlainResultResource().import_data(dataset, dry_run=False)
    seconds = time.perf_counter() - started
    errors = len(result.row_errors()) + len(result.base_errors)
    return {"rows": len(dataset), "seconds": seconds, "errors": errors}


def run(which: str, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", which, str(path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": DB_URL, "LOG_LEVEL": "WARNING"},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def clear_results() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE indicators_result, indicators_historicalresult, indicators_importrecord")


def main() -> None:
    full, sliced = prepare()
    print(f"Workbook: {full.name}, {full.stat().st_size / 1e6:.1f} MB, {INDICATORS * MONTHS:,} rows")
    ours = run("ours", full)
    again = run("ours", full)  # re-import: every row unchanged, nothing written
    read = run("read", full)
    clear_results()
    plain = run("plain", sliced)
    ours_rate = ours["rows"] / ours["seconds"]
    plain_rate = plain["rows"] / plain["seconds"]
    print(
        f"kpidash import:      {ours['rows']:>7,} rows in {ours['seconds']:6.2f} s = {ours_rate:8,.0f} rows/s, "
        f"peak {ours['peak_mb']:.0f} MB, {ours['errors']} errors, {ours['stored']:,} stored"
    )
    print(
        f"kpidash re-import:   {again['rows']:>7,} rows in {again['seconds']:6.2f} s = "
        f"{again['rows'] / again['seconds']:8,.0f} rows/s, peak {again['peak_mb']:.0f} MB "
        "(unchanged, nothing written)"
    )
    print(
        f"reading alone:       {read['rows']:>7,} rows in {read['seconds']:6.2f} s = "
        f"{read['rows'] / read['seconds']:8,.0f} rows/s, peak {read['peak_mb']:.0f} MB (open_workbook, no database)"
    )
    print(
        f"plain ModelResource: {plain['rows']:>7,} rows in {plain['seconds']:6.2f} s = {plain_rate:8,.0f} rows/s, "
        f"peak {plain['peak_mb']:.0f} MB, {plain['errors']} errors, {plain['stored']:,} stored"
    )
    print(f"ratio: {ours_rate / plain_rate:.1f}× the plain resource")
    if not ARGS.keep:
        from django.db import connections

        connections.close_all()
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB_NAME], check=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows-plain", type=int, default=10_000, help="rows for the plain resource (default 10,000)")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--measure", nargs=2, metavar=("WHICH", "PATH"), help=argparse.SUPPRESS)
    ARGS = parser.parse_args()
    if ARGS.measure:
        measure(*ARGS.measure)
    else:
        main()
