"""The plan page: each priority's indicators counted by RAG and SPC variation, in constant queries."""

from datetime import date

import pytest
from django.urls import reverse

from indicators.models import Indicator, Rating
from plans.models import Objective, Plan, Priority
from plans.position import plan_position

URL = reverse("plan_detail", args=["framing-kents-future"])


def test_the_well_run_council_priority_counts_its_kpis_by_rag_and_spc_at_november_2019(demo):
    plan = Plan.objects.get(slug="framing-kents-future")
    positions = {p.priority.number: p for p in plan_position(plan, date(2019, 11, 1))}
    council = positions[4]
    counts = {rag: n for rag, _, n in council.rag_counts}
    # 15 KPIs: ICT01–05, HR01–05, FN01–04 and FN07 (ICT06 and HR06 are activity indicators, not rated);
    # Amber FN02 and HR02, Red ICT02 (GL02, the seed's third Amber, serves the first priority).
    assert counts == {"green": 12, "amber": 2, "red": 1, "": 0}
    spc = {family: n for family, _, n in council.spc_counts}
    assert spc["concern"] == 2  # ICT02 (an outlier low) and HR02 (a rising trend, lower is better)
    assert spc["improvement"] == 2  # ICT01 and FN04


def test_an_indicator_under_two_objectives_of_a_priority_is_counted_once(demo):
    plan = Plan.objects.get(slug="framing-kents-future")
    priority = plan.priorities.get(number=4)
    Objective.objects.create(priority=priority, number=9, title="Twice").indicators.set(
        [Indicator.objects.get(code="ICT02")]
    )
    council = {p.priority.number: p for p in plan_position(plan, date(2019, 11, 1))}[4]
    assert {rag: n for rag, _, n in council.rag_counts}["red"] == 1


def test_the_page_shows_each_priority_with_counts_and_links_to_each_indicator(client, demo, viewer_user):
    client.force_login(viewer_user)
    page = client.get(URL + "?period=2019-11").content.decode()
    assert "Framing Kent&#x27;s Future 2022–2026" in page
    assert "4. New models of care and support" in page
    assert 'href="/indicators/ICT02/?period=2019-11"' in page
    assert "never combined into a score" in page
    assert "Special cause concern: 2" in page


def test_a_malformed_period_is_a_404_saying_why(client, demo, viewer_user):
    client.force_login(viewer_user)
    response = client.get(URL + "?period=2019-13")
    assert response.status_code == 404


def _grow(priorities: int) -> None:
    """More priorities and objectives, each with indicators that have ratings."""
    plan = Plan.objects.get(slug="framing-kents-future")
    kpis = list(Indicator.objects.filter(kind="kpi"))
    for n in range(priorities):
        priority = Priority.objects.create(plan=plan, number=10 + n, title=f"Extra {n}")
        for m in range(3):
            Objective.objects.create(priority=priority, number=m + 1, title=f"Objective {m}").indicators.set(kpis)


@pytest.mark.parametrize("extra", [0, 10])
def test_the_plan_page_reads_in_the_same_queries_however_many_priorities(
    client, demo, viewer_user, django_assert_max_num_queries, extra
):
    assert Rating.objects.exists()
    _grow(extra)
    client.force_login(viewer_user)
    client.get(URL)  # the session and roles, as on any page
    with django_assert_max_num_queries(9):
        response = client.get(URL)
    assert response.status_code == 200
    assert response.content.decode().count('data-counts="rag"') == 4 + extra
