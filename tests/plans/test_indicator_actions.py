"""The indicator page's improvement actions: every persona, open ones first, constant queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from plans.models import Action
from plans.rules import ActionStatus

URL = "/indicators/ICT02/"
PERSONAS = ["owner_user", "other_owner_user", "performance_user", "clerk_user", "viewer_user", "admin_user", None]
# Who is offered "Add an improvement action for ICT02" (those the action form would accept for ICT02).
MAY_ADD = {"owner_user", "performance_user", "admin_user"}
DEMO_ACTION = "Call back every customer who rates the help desk poorly within two working days"


@pytest.fixture
def actions(ict02, owner_user, other_owner_user):
    other_owner_user.first_name, other_owner_user.last_name = "Alex", "Second"
    other_owner_user.save()
    today = timezone.localdate()
    made = [
        Action.objects.create(
            title="Finished long ago", owner=owner_user, due=today - timedelta(days=90), status=ActionStatus.COMPLETE
        ),
        Action.objects.create(
            title="Late retraining", owner=other_owner_user, due=today - timedelta(days=2), status=ActionStatus.AT_RISK
        ),
        Action.objects.create(title="Review next year", owner=owner_user, due=today + timedelta(days=365)),
    ]
    for action in made:
        action.indicators.set([ict02])
    return made


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_signed_in_persona_sees_the_indicators_actions_and_only_those_who_may_add_are_offered_to(
    client, request, actions, persona
):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    response = client.get(URL)
    if persona is None:
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        return
    html = response.content.decode()
    assert response.status_code == 200
    assert "Improvement actions" in html and "Late retraining" in html
    assert ("Add an improvement action for ICT02" in html) is (persona in MAY_ADD)


def test_open_actions_come_first_with_their_status_owner_and_due_date(client, actions, viewer_user):
    client.force_login(viewer_user)
    html = client.get(URL).content.decode()
    table = html[html.index('id="indicator-actions"') :]
    order = [table.index(title) for title in ("Late retraining", DEMO_ACTION, "Review next year", "Finished long ago")]
    assert order == sorted(order)  # open by due date (overdue first), complete last
    late = table[table.index("Late retraining") : table.index(DEMO_ACTION)]
    assert "Overdue" in late and "Alex Second" in late  # at risk, but past its due date
    assert (timezone.localdate() - timedelta(days=2)).strftime("%-d %B %Y") in late
    finished = table[table.index("Finished long ago") :]
    assert "Complete" in finished[: finished.index("</tr>")]


def test_a_new_action_shows_at_once_although_the_page_is_cached(client, ict02, viewer_user, owner_user):
    client.force_login(viewer_user)
    assert "Brand new action" not in client.get(URL).content.decode()
    action = Action.objects.create(title="Brand new action", owner=owner_user, due=date(2030, 1, 1))
    action.indicators.set([ict02])
    assert "Brand new action" in client.get(URL).content.decode()


def test_an_indicator_without_actions_says_so(client, demo, viewer_user):
    client.force_login(viewer_user)
    html = client.get("/indicators/FN01/").content.decode()
    assert "FN01 has no improvement actions." in html


@pytest.mark.parametrize("extra", [0, 20])
def test_the_indicator_page_reads_in_the_same_queries_however_many_actions(
    client, ict02, owner_user, django_assert_max_num_queries, extra
):
    for n in range(extra):
        action = Action.objects.create(title=f"Extra {n}", owner=owner_user, due=date(2030, 1, 1) + timedelta(days=n))
        action.indicators.set([ict02])
    client.force_login(owner_user)
    client.get(URL)  # the session, roles and page cache, as on any page
    with django_assert_max_num_queries(9):
        response = client.get(URL)
    assert response.content.decode().count("/actions/") >= extra + 1
