"""Benchmark the paper page with its late-data comparison (issue 18 item 4).

    .venv/bin/python bench/addenda.py       # SQLite under var/bench/
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/kpidash_bench_addenda .venv/bin/python bench/addenda.py

Loads the demo, stores a ready paper's snapshot for Policy and Resources, November 2019
(25 KPIs, 10 activity indicators), corrects ICT02's November figure, then times the
paper page signed in as a clerk: with the comparison, and with it switched off (the
page as it was), each the median of 30 requests after 3 to warm up, with its query
count; and the comparison alone (`paper_changes`: a fresh snapshot and the diff).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
PERIOD, MEETING = date(2019, 11, 1), date(2020, 1, 21)
ROUNDS, WARM = 30, 3


def _setup() -> None:
    VAR.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpidash.settings")
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{VAR / 'addenda.sqlite3'}"
    os.environ.setdefault("KPIDASH_VAR_DIR", str(VAR))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from demo.data import load_demo
    from demo.papers import load_demo_paper_settings

    call_command("migrate", verbosity=0)
    load_demo()
    load_demo_paper_settings()


def _median_ms(run, rounds: int = ROUNDS) -> float:
    for _ in range(WARM):
        run()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    _setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from indicators.models import Committee, Result
    from reports import views
    from reports.addenda import paper_changes
    from reports.models import Paper, PaperStatus
    from reports.snapshot import build_snapshot

    committee = Committee.objects.get(slug="policy-and-resources")
    Paper.objects.filter(committee=committee, period=PERIOD, version=900).delete()
    snapshot = build_snapshot(
        committee=committee, settings=committee.paper_settings, period=PERIOD, meeting_date=MEETING
    )
    paper = Paper.objects.create(
        committee=committee,
        period=PERIOD,
        meeting_date=MEETING,
        version=900,
        status=PaperStatus.READY,
        snapshot=snapshot,
    )
    result = Result.objects.get(indicator__code="ICT02", period=PERIOD)
    original = (result.value, result.numerator, result.denominator)
    result.value, result.numerator, result.denominator = Decimal("96.0"), None, None
    result.save()
    try:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(get_user_model().objects.get(username="clerk"))
        url = paper.get_absolute_url()

        def page() -> None:
            assert client.get(url).status_code == 200

        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                page()
            return len(captured.captured_queries)

        first = client.get(url)
        assert "1 figure changed" in first.content.decode(), (first.status_code, first.content[:300])
        with_ms, with_q = _median_ms(page), queries()
        changes_ms = _median_ms(lambda: paper_changes(paper))
        late_data = views._late_data
        views._late_data = lambda paper: {}
        try:
            without_ms, without_q = _median_ms(page), queries()
        finally:
            views._late_data = late_data
    finally:
        result.value, result.numerator, result.denominator = original
        result.save()
        paper.delete()
    engine = connection.vendor
    print(f"{engine}: paper page with the comparison {with_ms:.1f} ms ({with_q} queries)")
    print(f"{engine}: paper page without it       {without_ms:.1f} ms ({without_q} queries)")
    print(f"{engine}: paper_changes alone          {changes_ms:.1f} ms")


if __name__ == "__main__":
    main()
