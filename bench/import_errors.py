"""Benchmark: the preview of a file whose 200,000 rows are all wrong.

    .venv/bin/python bench/import_errors.py [--rows 200000] [--keep]

Creates its own SQLite database (var/bench/import_errors.sqlite3, deleted
afterwards unless --keep) with one directorate, three indicators and a
performance-team user, writes a Results CSV whose every row has one error
(a value that is not a number, an unknown code, or a month that does not
exist, in turn), and uploads it to the Spreadsheets page through Django's test
client, in a fresh process, so the figures are those of the whole request: the
upload, the check and the preview page. Prints the time, the size of the page
and the process's peak memory (ru_maxrss) beyond what it held before the upload.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench"
DB_PATH = WORK / "import_errors.sqlite3"
ENV = {
    "DATABASE_URL": f"sqlite:///{DB_PATH}",
    "ALLOWED_HOSTS": "testserver",
    "KPIDASH_IMPORT_DIR": str(WORK / "import_errors_uploads"),
    "LOG_LEVEL": "WARNING",
}


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.update(ENV)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpidash.settings")
    import django

    django.setup()


def prepare(rows: int) -> Path:
    WORK.mkdir(parents=True, exist_ok=True)
    DB_PATH.unlink(missing_ok=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, check=True, env={**os.environ, **ENV})
    django_setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from accounts.roles import PERFORMANCE_TEAM
    from indicators.models import Directorate, Indicator

    directorate = Directorate.objects.create(name="Bench", slug="bench")
    for n in range(3):
        Indicator.objects.create(code=f"B{n:02d}", name=f"Bench {n}", directorate=directorate)
    user = get_user_model().objects.create_user(username="bench", password="bench-password")
    user.groups.add(Group.objects.get(name=PERFORMANCE_TEAM))
    path = WORK / f"results-{rows}-bad.csv"
    bad = ("B00,2019-11,five", "NOPE{n},2019-11,5", "B01,2019-13,5")
    with path.open("w") as out:
        out.write("code,period,value\n")
        for n in range(rows):
            out.write(bad[n % 3].format(n=n) + "\n")
    return path


def measure(path: str) -> None:
    """Upload the file in this process and print the request's figures as JSON."""
    django_setup()
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(get_user_model().objects.get(username="bench"))
    client.get(reverse("spreadsheets"))  # templates and URLconf loaded before the baseline
    content = Path(path).read_bytes()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    response = client.post(reverse("spreadsheet_import"), {"file": SimpleUploadedFile(Path(path).name, content)})
    seconds = time.perf_counter() - started
    page = response.content.decode()
    found = re.search(r"has ([\d,]+) problems?", page)
    errors_table = page.partition('id="errors"')[2].partition("</table>")[0]
    print(
        json.dumps(
            {
                "status": response.status_code,
                "seconds": seconds,
                "page_mb": len(response.content) / 1e6,
                "errors_shown": errors_table.count("<tr") - 1,
                "errors_found": int(found.group(1).replace(",", "")) if found else None,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "baseline_mb": baseline,
            }
        )
    )


def main(args) -> None:
    path = prepare(args.rows)
    out = subprocess.run(
        [sys.executable, __file__, "--measure", str(path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **ENV},
    )
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"File: {path.name}, {path.stat().st_size / 1e6:.1f} MB, {args.rows:,} rows, each with one error")
    print(
        f"Preview: HTTP {figures['status']} in {figures['seconds']:.2f} s, page {figures['page_mb']:.2f} MB, "
        f"{figures['errors_found'] or 0:,} errors found, {figures['errors_shown']:,} listed"
    )
    print(
        f"Memory: peak {figures['peak_mb']:.0f} MB, "
        f"{figures['peak_mb'] - figures['baseline_mb']:.0f} MB more than before the upload"
    )
    if not args.keep:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DB_PATH}{suffix}").unlink(missing_ok=True)
        path.unlink(missing_ok=True)
        shutil.rmtree(ENV["KPIDASH_IMPORT_DIR"], ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="rows in the file (default 200,000)")
    parser.add_argument("--keep", action="store_true", help="keep the database and the file")
    parser.add_argument("--measure", metavar="PATH", help=argparse.SUPPRESS)
    ARGS = parser.parse_args()
    if ARGS.measure:
        measure(ARGS.measure)
    else:
        main(ARGS)
