"""Each page's query count does not grow with indicators or years of history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection, reset_queries

from indicators.cache import data_version_bump
from indicators.models import Commentary, CommentaryStatus, Directorate, Indicator, Kind, Result, Threshold
from indicators.periods import add_months

PAGES = [
    "/",
    "/committees/policy-and-resources/",
    "/committees/policy-and-resources/2019-11/?sort=-month_rag&rag=green",
    "/committees/policy-and-resources/2019-11/dashboard.csv",
    "/committees/policy-and-resources/2019-11/dashboard.xlsx",
    "/directorates/strategic-and-corporate-services/",
    "/indicators/ICT02/",
    "/indicators/ICT06/",
]
# Generous ceilings: the real guarantee is that the second size costs no more than the first.
# The indicator page adds one query for each app's section (actions from plans, members' questions).
CEILING = {"/": 40, "/indicators/ICT02/": 24, "/indicators/ICT06/": 24}
DEFAULT_CEILING = 20


def grow(extra_indicators: int = 40, extra_years: int = 6) -> None:
    """Add indicators to the demo committee and years of older history to every indicator."""
    directorate = Directorate.objects.get(slug="strategic-and-corporate-services")
    new = Indicator.objects.bulk_create(
        Indicator(
            code=f"ZZ{i:03d}",
            name=f"Extra indicator {i}",
            directorate=directorate,
            kind=Kind.ACTIVITY if i % 5 == 0 else Kind.KPI,
        )
        for i in range(extra_indicators)
    )
    first = date(2018, 4, 1)
    results, thresholds, commentary = [], [], []
    for indicator in Indicator.objects.all():
        months = range(-12 * extra_years, 20) if indicator in new else range(-12 * extra_years, 0)
        results += [Result(indicator=indicator, period=add_months(first, m), value=Decimal(90 + m % 7)) for m in months]
        years = range(2018 - extra_years, 2020) if indicator in new else range(2018 - extra_years, 2018)
        thresholds += [
            Threshold(
                indicator=indicator,
                financial_year=y,
                target=Decimal(92),
                floor=Decimal(88),
                lower=Decimal(80),
                upper=Decimal(100),
            )
            for y in years
        ]
        commentary += [
            Commentary(
                indicator=indicator,
                period=add_months(first, -m),
                text="Older commentary",
                status=CommentaryStatus.APPROVED,
            )
            for m in range(1, 12 * extra_years, 6)
        ]
    Result.objects.bulk_create(results, ignore_conflicts=True)
    Threshold.objects.bulk_create(thresholds, ignore_conflicts=True)
    Commentary.objects.bulk_create(commentary, ignore_conflicts=True)
    data_version_bump()  # bulk_create sends no signals
    result = Result.objects.get(indicator__code="ICT02", period=date(2019, 11, 1))
    for value in ("88.6", "88.7", "88.6"):  # audit history entries for the performance team's view
        result.value = Decimal(value)
        result.save()


def count_queries(client, url: str) -> int:
    """Queries one request makes, counted as they run.

    (CaptureQueriesContext, and so django_assert_max_num_queries, reads
    connection.queries, which the request_started signal clears mid-request.)
    """
    cache.clear()  # every page and the roles drawn afresh, so both sizes start alike
    executed = []

    def counter(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        response = client.get(url)
    assert response.status_code == 200, url
    return len(executed)


@pytest.mark.parametrize("persona", ["owner", "performance"])
def test_query_count_is_the_same_with_more_indicators_and_more_years(client, demo, persona):
    client.force_login(get_user_model().objects.get(username=persona))
    client.get("/healthz")  # the session's first touch is a write; count the pages after it
    small = {url: count_queries(client, url) for url in PAGES}
    grow()
    large = {url: count_queries(client, url) for url in PAGES}
    assert large == small
    assert all(0 < n <= CEILING.get(url, DEFAULT_CEILING) for url, n in large.items()), str(large)


def test_pages_stay_within_django_assert_max_num_queries_at_the_larger_size(
    client, demo, viewer_user, django_assert_max_num_queries
):
    client.force_login(viewer_user)
    grow()
    for url in PAGES:
        reset_queries()  # so the capture's starting point is not a stale log
        with django_assert_max_num_queries(CEILING.get(url, DEFAULT_CEILING)):
            assert client.get(url).status_code == 200, url


def test_growing_really_adds_rows_to_the_pages(client, demo, viewer_user):
    client.force_login(viewer_user)
    before = client.get("/committees/policy-and-resources/2019-11/dashboard.csv").content.count(b"\n")
    grow()
    after = client.get("/committees/policy-and-resources/2019-11/dashboard.csv").content.count(b"\n")
    assert after == before + 40
