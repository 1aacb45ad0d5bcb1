"""Benchmark committee papers: one demo paper in both formats, then 20 at once.

    .venv/bin/python bench/papers.py            # SQLite under var/bench/, Redis if REDIS_URL is set
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/kpidash_bench_papers .venv/bin/python bench/papers.py

Prints, for the demo paper (Policy and Resources, November 2019: 25 KPIs and
10 activity indicators, a chart each), the time to build it in both formats
in a fresh process (cold: first paper, imports and fonts included; warm: the
next one) and that process's peak memory; then the wall time for 20 papers
queued at once through one Celery worker with 2 processes.
"""

from __future__ import annotations

import os
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


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def one_paper() -> None:
    """Child process: build the demo paper twice, print timings and peak memory."""
    _setup_django()
    import resource

    from indicators.models import Committee
    from reports.services import paper_settings_for, render_paper_files
    from reports.snapshot import build_snapshot

    committee = Committee.objects.get(slug="policy-and-resources")
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
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory (max RSS): {peak:.0f} MB")


def _prepare() -> None:
    from django.core.management import call_command

    from indicators.demo import load_demo
    from reports.demo import load_demo_paper_settings
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


def main() -> None:
    env = _environment()
    _setup_django()
    print(f"Database: {env['DATABASE_URL']}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    _prepare()
    print("One demo paper (25 KPIs with charts, 10 activity indicators), PDF and DOCX, in a fresh process:")
    subprocess.run([sys.executable, __file__, "--one"], check=True, env={**os.environ, **env})
    _many(env)


if __name__ == "__main__":
    if "--one" in sys.argv:
        _environment()
        one_paper()
    else:
        main()
