"""Red (or special cause of concern) KPIs with no open improvement action: flagged on the dashboard,
My returns and the review queue, and (with KPIDASH_ACTION_REQUIRED_TO_SUBMIT) refused on submitting."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.dashboard import build_dashboard, data_periods
from indicators.models import Committee, Indicator
from indicators.notices import RatedKpi, rated_kpis
from indicators.selectors import committee_scope
from plans.flags import flags_of_rated, unactioned
from plans.models import Action
from plans.rules import ActionStatus
from returns.models import PeriodStatus, ReportingPeriod
from returns.services import ReturnError, return_save
from tests.plans.conftest import NOV, close_demo_actions
from tests.returns.test_grid_entry import post

FLAG = "ICT02 is Red and has no improvement action"
DEC = date(2019, 12, 1)
SCS = Indicator.objects.filter(directorate__slug="strategic-and-corporate-services")


def _add_action(indicator, user, status=ActionStatus.ON_TRACK):
    action = Action.objects.create(title="Fix it", owner=user, due=date(2030, 1, 1), status=status)
    action.indicators.set([indicator])
    return action


def test_the_demo_has_an_action_on_each_red_kpi_so_none_of_policy_and_resources_is_flagged(demo):
    assert [flag.code for flag in unactioned(SCS.all(), NOV)] == []


def test_a_red_kpi_whose_only_action_is_complete_is_flagged(ict02, owner_user):
    close_demo_actions("ICT02")
    flags = unactioned(SCS.all(), NOV)
    assert [(flag.code, flag.period, flag.message) for flag in flags] == [("ICT02", NOV, FLAG)]
    _add_action(ict02, owner_user, ActionStatus.NOT_STARTED)  # any open action, even one not started, will do
    assert unactioned(SCS.all(), NOV) == []


def test_an_overdue_action_still_counts_as_open(ict02, owner_user):
    close_demo_actions("ICT02")
    action = _add_action(ict02, owner_user)
    Action.objects.filter(pk=action.pk).update(due=date(2019, 1, 1))
    assert unactioned(SCS.all(), NOV) == []


def test_a_special_cause_of_concern_that_is_not_red_is_flagged_in_words_of_its_own(demo):
    close_demo_actions("HR02")  # Amber, and a rising trend in sickness (lower is better)
    assert [flag.message for flag in unactioned(SCS.all(), NOV)] == [
        "HR02 is a special cause of concern on its SPC chart and has no improvement action"
    ]


def test_an_earlier_period_reads_that_periods_rating(demo):
    close_demo_actions("ICT02")
    # ICT02 was Green in October 2019: only November's figure is Red.
    assert "ICT02" not in [flag.code for flag in unactioned(SCS.all(), date(2019, 10, 1))]


def test_the_dashboard_flags_it_links_to_adding_one_and_drops_the_flag_once_there_is_one(client, ict02, owner_user):
    close_demo_actions("ICT02")
    client.force_login(owner_user)
    url = reverse("committee_dashboard", args=["policy-and-resources"])
    page = client.get(url).content.decode()
    assert FLAG in page and reverse("actions") + "?indicator=ICT02" in page
    _add_action(ict02, owner_user)
    assert FLAG not in client.get(url).content.decode()  # the dashboard's cached part holds no flag


def test_my_returns_flags_the_owners_red_kpi_and_not_another_owners(client, ict02, fn01, owner_user, other_owner_user):
    close_demo_actions("ICT02")
    client.force_login(owner_user)
    assert FLAG in client.get(reverse("my_returns")).content.decode()
    client.force_login(other_owner_user)
    assert FLAG not in client.get(reverse("my_returns")).content.decode()


@pytest.fixture
def december(demo):
    return ReportingPeriod.objects.create(period=DEC, deadline=date(2020, 1, 10), status=PeriodStatus.OPEN)


def _submit(indicator, user, value="80"):
    return return_save(
        indicator=indicator, period=DEC, user=user, value=Decimal(value), commentary="Worse.", submit=True
    )


def test_the_review_queue_flags_a_submitted_red_return_without_an_action(
    client, december, ict02, owner_user, performance_user
):
    close_demo_actions("ICT02")
    _submit(ict02, owner_user)
    client.force_login(performance_user)
    assert FLAG in client.get(reverse("review")).content.decode()
    _add_action(ict02, owner_user)
    assert FLAG not in client.get(reverse("review")).content.decode()


def test_by_default_a_red_return_is_submitted_without_an_action(december, ict02, owner_user):
    close_demo_actions("ICT02")
    assert _submit(ict02, owner_user).rag.value == "red"


def test_with_the_setting_on_a_red_return_without_an_action_is_refused_and_nothing_is_saved(
    settings, december, ict02, owner_user
):
    settings.KPIDASH_ACTION_REQUIRED_TO_SUBMIT = True
    close_demo_actions("ICT02")
    with pytest.raises(ReturnError, match="ICT02 is Red and has no improvement action: add one"):
        _submit(ict02, owner_user)
    assert not ict02.results.filter(period=DEC).exists()
    # A draft may still be saved; an action then lets it be submitted.
    return_save(indicator=ict02, period=DEC, user=owner_user, value=Decimal("80"), commentary="Worse.")
    _add_action(ict02, owner_user)
    assert _submit(ict02, owner_user).status.value == "submitted"


def test_with_the_setting_on_a_green_return_needs_no_action(settings, december, ict02, owner_user):
    settings.KPIDASH_ACTION_REQUIRED_TO_SUBMIT = True
    close_demo_actions("ICT02")
    assert _submit(ict02, owner_user, value="97").rag.value == "green"


def test_with_the_setting_on_the_grid_refuses_the_red_row_with_the_reason(
    settings, client, december, ict02, owner_user
):
    settings.KPIDASH_ACTION_REQUIRED_TO_SUBMIT = True
    close_demo_actions("ICT02")
    client.force_login(owner_user)
    url = reverse("returns_enter", args=[DEC])
    response = post(client, {"ICT02-value": "80", "ICT02-commentary": "Worse."}, action="submit", url=url)
    assert response.status_code == 400
    assert "ICT02 is Red and has no improvement action: add one" in response.content.decode()
    assert not ict02.results.filter(period=DEC).exists()


def test_the_dashboards_flags_from_its_own_rows_are_unactioned_for_every_committee_and_month(demo):
    """The dashboard passes the KPIs it has rated (`flags_of_rated`) instead of reading the ratings again:
    the same flags as `unactioned`, with every demo action complete so each Red and concern is flagged."""
    Action.objects.update(status=ActionStatus.COMPLETE)
    compared = 0
    for committee in Committee.objects.all():
        scope = committee_scope(committee.slug)
        for period in data_periods(scope.indicators):
            dashboard = build_dashboard(scope.indicators, period, direction_basis=scope.direction_basis)
            flags = flags_of_rated(rated_kpis(dashboard.kpis))
            assert flags == unactioned(scope.indicators, period), (committee.slug, period)
            compared += len(flags)
    assert compared > 50  # Reds and concerns in many months, so the comparison means something


def test_a_rated_kpi_with_an_open_action_is_not_flagged_and_asking_costs_one_query(
    ict02, owner_user, django_assert_num_queries
):
    close_demo_actions("ICT02")
    red = RatedKpi(ict02.pk, "ICT02", NOV, "red", "common_cause")
    green = RatedKpi(ict02.pk + 1000, "X", NOV, "green", "common_cause")
    with django_assert_num_queries(1):
        assert [flag.message for flag in flags_of_rated([red, green])] == [FLAG]
    _add_action(ict02, owner_user)
    assert flags_of_rated([red, green]) == []
    with django_assert_num_queries(0):  # nothing needs an action: nothing to ask
        assert flags_of_rated([green]) == []
