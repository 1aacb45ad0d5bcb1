"""The performance team maintains the plan in the admin; every plans model keeps its history."""

from datetime import date

import pytest
from django.apps import apps
from django.urls import reverse

from plans.models import Action, Plan

MODELS = [m for m in apps.get_app_config("plans").get_models() if not m.__name__.startswith("Historical")]


def test_every_plans_model_keeps_its_history():
    assert {m.__name__ for m in MODELS} == {"Plan", "Priority", "Objective", "Action", "ActionNote"}
    assert [m.__name__ for m in MODELS if not hasattr(m, "history")] == []


def test_the_performance_team_adds_a_plan_with_a_priority_in_the_admin(client, demo, performance_user):
    client.force_login(performance_user)
    response = client.post(
        reverse("admin:plans_plan_add"),
        {
            "name": "Our Council Plan 2024–2028",
            "slug": "our-plan",
            "description": "",
            "priorities-TOTAL_FORMS": "1",
            "priorities-INITIAL_FORMS": "0",
            "priorities-0-number": "1",
            "priorities-0-title": "Thriving places",
            "priorities-0-description": "",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    plan = Plan.objects.get(slug="our-plan")
    assert list(plan.priorities.values_list("title", flat=True)) == ["Thriving places"]
    assert plan.history.get().history_user == performance_user


def test_the_admin_refuses_an_action_owned_by_a_clerk_with_the_services_message(
    client, action, performance_user, clerk_user
):
    client.force_login(performance_user)
    response = client.post(
        reverse("admin:plans_action_change", args=[action.pk]),
        {
            "title": action.title,
            "description": "",
            "owner": clerk_user.pk,
            "due": "2030-01-31",
            "status": "on_track",
            "indicators": [i.pk for i in action.indicators.all()],
            "notes-TOTAL_FORMS": "0",
            "notes-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "cannot own an action" in response.content.decode()
    action.refresh_from_db()
    assert action.owner_id != clerk_user.pk


@pytest.mark.parametrize("persona", ["owner_user", "clerk_user", "viewer_user"])
def test_the_plans_admin_is_refused_to_everyone_but_the_team(client, demo, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("admin:plans_plan_changelist")).status_code == 302  # to the admin's sign-in


def test_an_action_added_in_the_admin_records_who_added_it(client, ict02, performance_user, owner_user):
    client.force_login(performance_user)
    response = client.post(
        reverse("admin:plans_action_add"),
        {
            "title": "Admin-added",
            "description": "",
            "owner": owner_user.pk,
            "due": "2030-01-31",
            "status": "not_started",
            "indicators": [ict02.pk],
            "notes-TOTAL_FORMS": "0",
            "notes-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content[:3000]
    assert Action.objects.get(title="Admin-added").created_by == performance_user


def test_an_action_cannot_be_reverted_in_the_admin_which_would_put_back_its_read_only_source(
    client, demo, action, performance_user
):
    from indicators.models import Committee

    first = action.history.order_by("history_id").first()
    action.source_committee = Committee.objects.get(slug="policy-and-resources")
    action.source_meeting, action.resolution = date(2020, 2, 4), "Officers to report back by March 2020."
    action.save()
    revert = reverse("admin:plans_action_simple_history", args=[action.pk, first.history_id])
    client.force_login(performance_user)

    assert client.get(revert).status_code == 200  # the old version can be looked at
    posted = {"title": action.title, "owner": action.owner.pk, "due": "2030-01-31", "status": action.status}
    assert client.post(revert, {**posted, "indicators": [i.pk for i in action.indicators.all()]}).status_code == 403

    action.refresh_from_db()
    assert (action.source_meeting, action.resolution) == (date(2020, 2, 4), "Officers to report back by March 2020.")
