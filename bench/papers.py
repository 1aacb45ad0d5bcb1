"""Benchmark committee papers: one demo paper in both formats, then 20 at once.

    .venv/bin/python bench/papers.py            # SQLite under var/bench/, Redis if REDIS_URL is set
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/kpidash_bench_papers .venv/bin/python bench/papers.py
    .venv/bin/python bench/papers.py --baseline 1a7d064 --rounds 5 --no-queue

With --baseline REV the one-paper measure runs, in turn, for the code at REV
(exported with git archive; `--baseline-fonttools` also makes WeasyPrint subset
fonts with fontTools, as on a machine without libharfbuzz-subset0) and for this
working tree, each round a fresh process for each, and prints the medians side
by side with their ratio: before and after from one run on one machine.

Prints, for the demo paper (Policy and Resources, November 2019: 25 KPIs and
10 activity indicators, a chart each), the time to build it in both formats
in a fresh process (cold: first paper, imports and fonts included; warm: the
next one) and that process's peak memory; then the wall time for 20 papers
queued at once through one Celery worker with 2 processes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
PERIOD, MEETING = date(2019, 11, 1), date(2020, 1, 21)
PAPERS = 20


def _environment() -> dict[str, str]:
    VAR.mkdir(parents=True, exist_ok=True)
    env = {
        "DJANGO_SETTINGS_MODULE": "kpidash.settings",
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{VAR / 'papers.sqlite3'}",
        "MEDIA_ROOT": str(VAR / "media"),
        "KPIDASH_VAR_DIR": str(VAR),  # the filesystem broker's queue, when there is no Redis
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    return env


def _setup_django(root: Path = ROOT) -> None:
    sys.path.insert(0, str(root))
    import django

    django.setup()


def one_paper(root: Path = ROOT, fonttools: bool = False, as_json: bool = False) -> None:
    """Child process: build the demo paper twice, print timings and peak memory
    (with as_json, last, the same as one JSON line for --baseline to read)."""
    _setup_django(root)
    import resource

    if fonttools:
        import weasyprint.pdf.fonts

        weasyprint.pdf.fonts.harfbuzz_subset = None

    from indicators.models import Committee
    from reports.services import paper_settings_for, render_paper_files
    from reports.snapshot import build_snapshot

    committee = Committee.objects.get(slug="policy-and-resources")
    result = {}
    for label in ("cold", "warm"):
        cpu = time.process_time()
        start = time.perf_counter()
        snapshot = build_snapshot(
            committee=committee, settings=paper_settings_for(committee), period=PERIOD, meeting_date=MEETING
        )
        read = time.perf_counter()
        pdf, docx = render_paper_files(snapshot)
        done, cpu = time.perf_counter(), time.process_time() - cpu
        print(
            f"  {label}: {done - start:5.2f} s wall, {cpu:5.2f} s CPU (snapshot {read - start:.2f} s, render "
            f"{done - read:.2f} s); PDF {len(pdf) // 1024} KB, DOCX {len(docx) // 1024} KB"
        )
        result[label], result[f"{label}_cpu"] = done - start, cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory (max RSS): {peak:.0f} MB")
    if as_json:
        print(json.dumps({**result, "peak_mb": peak, "pdf_kb": len(pdf) // 1024, "docx_kb": len(docx) // 1024}))


def _one_paper_process(env: dict[str, str], root: Path = ROOT, fonttools: bool = False) -> dict:
    command = [sys.executable, __file__, "--one", "--json", "--root", str(root)]
    if fonttools:
        command.append("--fonttools")
    # In the tree measured: Celery puts the working directory first on sys.path.
    completed = subprocess.run(command, check=True, cwd=root, env={**os.environ, **env}, capture_output=True, text=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _export(revision: str) -> Path:
    """The repository at `revision`, as files under var/bench/ (git archive: no checkout, no worktree)."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", revision], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    tree = VAR / f"baseline-{commit}"
    if not (tree / "manage.py").exists():
        tree.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", commit], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def compare(env: dict[str, str], revision: str, rounds: int, fonttools: bool) -> None:
    tree = _export(revision)
    before_label = f"{revision}{' + fontTools' if fonttools else ''}"
    runs: dict[str, list[dict]] = {"before": [], "after": []}
    for _ in range(rounds):  # alternated, so a busy spell on the machine falls on both
        runs["before"].append(_one_paper_process(env, tree, fonttools))
        runs["after"].append(_one_paper_process(env))
    print(f"One demo paper, PDF and DOCX, median of {rounds} fresh processes each")
    print(f"(before: {before_label}; after: this working tree):")
    print(f"  {'measure':<22}{'before':>10}{'after':>10}{'after/before':>14}")
    for key, unit in (("warm", "s"), ("warm_cpu", "s"), ("cold", "s"), ("cold_cpu", "s"), ("peak_mb", "MB")):
        before = statistics.median(run[key] for run in runs["before"])
        after = statistics.median(run[key] for run in runs["after"])
        print(f"  {key + ' (' + unit + ')':<22}{before:>10.2f}{after:>10.2f}{after / before:>14.2f}")
    print("  warm runs (s), before: " + ", ".join(f"{run['warm']:.2f}" for run in runs["before"]))
    print("  warm runs (s), after:  " + ", ".join(f"{run['warm']:.2f}" for run in runs["after"]))


def _prepare() -> None:
    from django.core.management import call_command

    from demo.data import load_demo
    from demo.papers import load_demo_paper_settings
    from reports.models import Paper

    call_command("migrate", verbosity=0)
    load_demo()
    load_demo_paper_settings()
    Paper.objects.all().delete()


def _many(env: dict[str, str]) -> None:
    from django.conf import settings

    from indicators.models import Committee
    from indicators.periods import add_months
    from reports.models import Paper, PaperStatus
    from reports.tasks import paper_generate_task

    queue = f"bench-papers-{uuid.uuid4().hex[:8]}"
    broker = "Redis" if settings.REDIS_URL else "the filesystem broker"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "kpidash",
            "worker",
            "-Q",
            queue,
            "-c",
            "2",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        time.sleep(8)  # let both worker processes start before the clock does
        committees = list(Committee.objects.order_by("slug"))
        ids = []
        for i in range(PAPERS):
            committee, period = committees[i % len(committees)], add_months(PERIOD, -(i // len(committees)))
            paper = Paper.objects.create(committee=committee, period=period, meeting_date=MEETING, version=1)
            ids.append(paper.pk)
        start = time.perf_counter()
        for pk in ids:
            paper_generate_task.apply_async(args=[pk], queue=queue)
        while Paper.objects.filter(pk__in=ids, status__in=[PaperStatus.QUEUED, PaperStatus.RUNNING]).exists():
            if worker.poll() is not None:
                raise SystemExit("The worker stopped.")
            time.sleep(0.2)
        elapsed = time.perf_counter() - start
        failed = Paper.objects.filter(pk__in=ids, status=PaperStatus.FAILED).count()
        print(
            f"  {PAPERS} papers through 2 worker processes ({broker}): {elapsed:.1f} s "
            f"({elapsed / PAPERS:.2f} s a paper), {failed} failed"
        )
    finally:
        worker.terminate()
        worker.wait(timeout=60)


def main(arguments: argparse.Namespace) -> None:
    env = _environment()
    _setup_django()
    print(f"Database: {env['DATABASE_URL']}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    _prepare()
    if arguments.baseline:
        compare(env, arguments.baseline, arguments.rounds, arguments.baseline_fonttools)
    else:
        print("One demo paper (25 KPIs with charts, 10 activity indicators), PDF and DOCX, in a fresh process:")
        subprocess.run([sys.executable, __file__, "--one"], check=True, env={**os.environ, **env})
    if not arguments.no_queue:
        _many(env)
    print(f"Load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", metavar="REV", help="also measure the code at this git revision, in turn")
    parser.add_argument("--baseline-fonttools", action="store_true", help="the baseline subsets fonts with fontTools")
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes each, with --baseline (default 3)")
    parser.add_argument("--no-queue", action="store_true", help="skip the 20 papers through a worker")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    parser.add_argument("--fonttools", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.one:
        _environment()
        one_paper(arguments.root, arguments.fonttools, arguments.json)
    else:
        main(arguments)
