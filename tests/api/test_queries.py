"""Every list endpoint reads a fixed number of queries, however many rows it returns."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators.models import Committee, Directorate, Indicator, Result, Threshold
from reports.models import Paper
from tests.api.conftest import token_client

LISTS = [
    "/api/v1/committees/",
    "/api/v1/directorates/",
    "/api/v1/indicators/",
    "/api/v1/results/",
    "/api/v1/results/?committee=c0&period_from=2019-01",
    "/api/v1/papers/",
]


def _organisation(size: int) -> None:
    """`size` directorates and committees, each with `size` indicators, two years of thresholds, 12 results."""
    for d in range(size):
        directorate = Directorate.objects.create(name=f"Directorate {d}", slug=f"d{d}")
        committee = Committee.objects.create(name=f"Committee {d}", slug=f"c{d}")
        committee.directorates.add(directorate)
        for i in range(size):
            indicator = Indicator.objects.create(code=f"X{d}-{i}", name=f"Indicator {d} {i}", directorate=directorate)
            Threshold.objects.bulk_create(
                Threshold(indicator=indicator, financial_year=year, target=90, floor=80) for year in (2018, 2019)
            )
            Result.objects.bulk_create(
                Result(indicator=indicator, period=date(2019, month, 1), value=85) for month in range(1, 13)
            )
        for version in range(1, size + 1):
            Paper.objects.create(
                committee=committee, period=date(2019, 11, 1), meeting_date=date(2020, 1, 1), version=version
            )


def _queries(client, url: str) -> tuple[int, int]:
    """(queries, rows) for the list's first 1,000 rows, once the token's daily use and the roles are recorded."""
    client.get(url, {"page_size": 1000})
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"page_size": 1000})
    assert response.status_code == 200, (url, response.content)
    return len(captured), response.json()["count"]


@pytest.mark.parametrize("url", LISTS)
def test_a_list_reads_as_many_queries_for_nine_times_the_rows(db, performance_user, url):
    client = token_client(performance_user)
    _organisation(2)
    small, rows_small = _queries(client, url)
    for model in (Paper, Result, Threshold, Indicator, Committee, Directorate):
        model.objects.all().delete()
    _organisation(6)

    big, rows_big = _queries(client, url)

    assert rows_big >= 3 * rows_small > 0
    assert big == small <= 5
