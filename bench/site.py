"""Time export_site and import_site: the demo, and bench/dashboard.py's 2,000 indicators × 10 years.

    .venv/bin/python bench/site.py [--skip-large] [--keep]

For each dataset it makes its own PostgreSQL database on BENCH_PG (default
postgres://postgres@127.0.0.1:5432) and fills it (the demo with load_demo, the
large one with bench/dashboard.py's bulk load), then runs, each as its own
process so that its time and peak memory (max RSS) are its own:
`manage.py export_site` on it, `manage.py migrate` on a second, empty database,
and `manage.py import_site` there. It then checks that the dashboard command
gives the same CSV on both sites, prints the figures and drops the databases
(`--keep` keeps them). The large dataset has 224,000 results, more than
KPIDASH_IMPORT_MAX_ROWS allows by default, so the import runs with it raised
to 300,000, as an operator would for such a move; and bench/dashboard.py
bulk-loads a floor below the target of each lower-is-better KPI and some
percentages over 100, which every input path refuses (the restore listed
10,058 such errors), so those are corrected before the export.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PYTHON = sys.executable


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def _fresh(name: str) -> None:
    _admin(f"DROP DATABASE IF EXISTS {name}")
    _admin(f"CREATE DATABASE {name}")


def run(args: list[str], database: str, folder: Path, **extra: str) -> tuple[float, float, str]:
    """Run a command in its own process: (wall seconds, peak memory in MB, its standard output)."""
    env = os.environ | {"DATABASE_URL": f"{SERVER}/{database}", "KPIDASH_VAR_DIR": str(folder), "DEBUG": "1"} | extra
    env.pop("REDIS_URL", None)
    out_file, err_file = folder / "stdout.txt", folder / "stderr.txt"
    with out_file.open("wb") as stdout, err_file.open("wb") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen([PYTHON, *args], cwd=ROOT, env=env, stdout=stdout, stderr=stderr)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    out, err = out_file.read_text(), err_file.read_text()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{out}\n{err}")
    return wall, usage.ru_maxrss / 1024, out


def _build_large() -> None:
    """Run in a child process: bench/dashboard.py's dataset into DATABASE_URL's (migrated) database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpidash.settings")
    import django

    django.setup()
    from bench.dashboard import build_dataset
    from indicators import ratings
    from indicators.models import Result, Threshold

    build_dataset()
    # bench/dashboard.py bulk-loads past two of the rules every input path enforces, which the restore
    # (rightly) refuses: a lower-is-better KPI's floor below its target, and percentages over 100.
    Threshold.objects.filter(indicator__polarity="L").update(floor=95)
    Result.objects.filter(indicator__unit="percentage", value__gt=100).update(value=100)
    ratings.refresh_all()


def measure(label: str, fill: list[list[str]], scope: list[str], folder: Path, keep: bool, **limits: str) -> None:
    source, target = f"kpidash_site_{label}_a", f"kpidash_site_{label}_b"
    _fresh(source)
    _fresh(target)
    try:
        run(["manage.py", "migrate", "-v0"], source, folder)
        for command in fill:
            run(command, source, folder)
        archive = folder / f"{label}.zip"
        export = run(["manage.py", "export_site", str(archive)], source, folder)
        run(["manage.py", "migrate", "-v0"], target, folder)
        restore = run(["manage.py", "import_site", str(archive)], target, folder, **limits)
        dashboards = [run(["manage.py", "dashboard", *scope], db, folder)[2] for db in (source, target)]
        startup = run(["manage.py", "check"], target, folder)
        size = archive.stat().st_size / 1_000_000
        rows = restore[2].strip().splitlines()[-1]
        print(f"{label}: {size:.1f} MB zip; {rows}")
        print(f"  export_site {export[0]:6.1f} s, peak {export[1]:5.0f} MB")
        print(f"  import_site {restore[0]:6.1f} s, peak {restore[1]:5.0f} MB")
        print(f"  (manage.py check, Django's start-up alone: {startup[0]:.1f} s, peak {startup[1]:.0f} MB)")
        print(f"  dashboard {' '.join(scope)}: {'identical' if dashboards[0] == dashboards[1] else 'DIFFERENT'}")
    finally:
        if not keep:
            _admin(f"DROP DATABASE IF EXISTS {source}")
            _admin(f"DROP DATABASE IF EXISTS {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-large", action="store_true", help="only the demo")
    parser.add_argument("--skip-demo", action="store_true", help="only the large dataset")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--build-large", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_large:
        _build_large()
        return
    with tempfile.TemporaryDirectory(prefix="kpidash-bench-site-") as tmp:
        folder = Path(tmp)
        if not args.skip_demo:
            measure("demo", [["manage.py", "load_demo"]], ["--committee", "policy-and-resources"], folder, args.keep)
        if not args.skip_large:
            measure(
                "large",
                [[str(Path(__file__).relative_to(ROOT)), "--build-large"]],
                ["--committee", "bench", "--period", "2020-03"],
                folder,
                args.keep,
                KPIDASH_IMPORT_MAX_ROWS="300000",
            )


if __name__ == "__main__":
    main()
