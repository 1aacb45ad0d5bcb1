from collections import Counter

from indicators.dashboard import build_dashboard
from indicators.models import Committee, Indicator, Rating
from indicators.rules import Rag
from returns.rows import return_rows
from tests.returns.conftest import NOV


def test_returns_are_rated_exactly_as_the_dashboard_rates_them(demo):
    checked = 0
    for committee in Committee.objects.all():
        indicators = Indicator.objects.for_committee(committee)
        dashboard = build_dashboard(indicators, NOV)
        rows = {row.indicator.code: row for row in return_rows(indicators, NOV)}
        for kpi in dashboard.kpis:
            if kpi.period == NOV:
                assert rows[kpi.indicator.code].rag is kpi.month_rag, kpi.indicator.code
                checked += 1
        for activity in dashboard.activities:
            if activity.period == NOV:
                assert rows[activity.indicator.code].range == activity.range, activity.indicator.code
                checked += 1
    assert checked > 30


def test_the_demo_november_returns_are_the_dashboards_21_3_1_less_three_quarterly_greens(demo):
    committee = Committee.objects.get(slug="policy-and-resources")
    rows = return_rows(Indicator.objects.for_committee(committee).filter(kind="kpi"), NOV)
    counts = Counter(row.rag for row in rows)
    # The three quarterly KPIs (rated Green on September) have no November return.
    assert (counts[Rag.GREEN], counts[Rag.AMBER], counts[Rag.RED]) == (18, 3, 1)
    assert len(rows) == 22


def test_previous_values_are_the_three_reporting_periods_before(demo):
    ict02 = Indicator.objects.filter(code="ICT02")
    (row,) = return_rows(ict02, NOV)
    assert [p.month for p, _ in row.previous] == [10, 9, 8]
    hr03 = Indicator.objects.filter(code="HR03")  # quarterly
    (row,) = return_rows(hr03, NOV.replace(month=12))
    assert [(p.year, p.month) for p, _ in row.previous] == [(2019, 9), (2019, 6), (2019, 3)]


def test_a_returns_rating_is_the_figures_stored_rating_not_a_second_rating(demo):
    # One rating of a month: whatever the stored Rating says is what the return shows.
    ict02 = Indicator.objects.get(code="ICT02")
    (before,) = return_rows(Indicator.objects.filter(pk=ict02.pk), NOV)
    assert before.rag is Rag.RED
    Rating.objects.filter(indicator=ict02, period=NOV).update(month_rag=Rag.AMBER)
    (after,) = return_rows(Indicator.objects.filter(pk=ict02.pk), NOV)
    assert after.rag is Rag.AMBER


def test_a_return_row_is_read_in_the_same_queries_however_many_indicators(demo, django_assert_max_num_queries):
    one = Indicator.objects.filter(code="ICT02")
    with django_assert_max_num_queries(6):
        return_rows(one, NOV)
    with django_assert_max_num_queries(6):
        assert len(return_rows(Indicator.objects.all(), NOV)) > 30
