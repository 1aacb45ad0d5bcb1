"""Every plans page for every persona, hand-crafted POSTs included, plus what the pages show."""

from datetime import date

import pytest
from django.urls import reverse

from plans.models import Action, ActionNote
from plans.rules import ActionStatus
from tests.personas import ANON, CLERK, OTHER, OWNER, PERSONAS, TEAM, VIEWER, expect, sign_in
from tests.plans.conftest import close_demo_actions

READ = {OWNER: 200, OTHER: 200, TEAM: 200, CLERK: 200, VIEWER: 200, ANON: "login"}
CHANGE = {OWNER: 200, OTHER: 403, TEAM: 200, CLERK: 403, VIEWER: 403, ANON: "login"}
CREATE = {OWNER: 200, OTHER: 200, TEAM: 200, CLERK: 403, VIEWER: 403, ANON: "login"}


@pytest.fixture
def setup(action, fn01, personas):
    return {"action": action, **personas}


GETS = {
    "plans": (lambda a: reverse("plans"), READ),
    "plan": (lambda a: reverse("plan_detail", args=["framing-kents-future"]), READ),
    "actions": (lambda a: reverse("actions"), READ),
    "action": (lambda a: reverse("action_detail", args=[a.pk]), READ),
    "new": (lambda a: reverse("action_new"), CREATE),
    "edit": (lambda a: reverse("action_edit", args=[a.pk]), CHANGE),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", GETS)
def test_each_persona_gets_exactly_the_pages_its_role_allows(client, setup, persona, page):
    url, expected = GETS[page]
    expect(sign_in(client, setup, persona).get(url(setup["action"])), expected[persona])


def _fields(setup, **overrides):
    data = {
        "title": "Call back unhappy callers",
        "owner": setup["owner_user"].pk,
        "due": "2030-02-28",
        "status": "at_risk",
        "indicators": [setup["action"].indicators.get().pk],
    }
    return {**data, **overrides}


SAVE = {OWNER: 302, OTHER: 403, TEAM: 302, CLERK: 403, VIEWER: 403, ANON: "login"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_indicators_owner_and_the_team_change_an_action(client, setup, persona):
    action = setup["action"]
    response = sign_in(client, setup, persona).post(reverse("action_edit", args=[action.pk]), _fields(setup))
    expect(response, SAVE[persona])
    action.refresh_from_db()
    assert (action.status == "at_risk") is (SAVE[persona] == 302)


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_indicators_owner_and_the_team_add_progress_notes(client, setup, persona):
    action = setup["action"]
    response = sign_in(client, setup, persona).post(reverse("action_note", args=[action.pk]), {"text": "Going well."})
    expect(response, SAVE[persona])
    assert ActionNote.objects.filter(action=action).count() == (1 if SAVE[persona] == 302 else 0)


# Another owner may add actions, but only on their own indicators: ICT02 is not theirs (400, saying so).
ADD = {OWNER: 302, OTHER: 400, TEAM: 302, CLERK: 403, VIEWER: 403, ANON: "login"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_an_action_on_ict02_is_added_only_by_its_owner_and_the_team(client, setup, persona):
    before = Action.objects.count()
    response = sign_in(client, setup, persona).post(reverse("action_new"), _fields(setup, title="New one"))
    expect(response, ADD[persona])
    assert Action.objects.count() == before + (1 if ADD[persona] == 302 else 0)


def test_another_owner_is_told_the_indicator_is_not_theirs(client, setup):
    client.force_login(setup["other_owner_user"])
    response = client.post(reverse("action_new"), _fields(setup))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()  # ICT02 is not among their choices


def test_the_service_refuses_another_owners_indicator_with_its_code(setup):
    from plans.services import ActionError, action_create

    with pytest.raises(ActionError, match="ICT02 is not yours"):
        action_create(
            user=setup["other_owner_user"],
            title="Not mine",
            owner=setup["other_owner_user"],
            due=date(2030, 1, 1),
            indicators=[setup["action"].indicators.get()],
        )


@pytest.mark.parametrize("persona", [OTHER, CLERK, VIEWER])
def test_a_locked_action_page_says_why(client, setup, persona):
    response = sign_in(client, setup, persona).get(reverse("action_detail", args=[setup["action"].pk]))
    page = response.content.decode()
    assert 'id="action-lock"' in page and "This action is locked because" in page
    assert "Change the action" not in page and "Add the note" not in page
    if persona == OTHER:
        assert "it is for ICT02, which is not your indicator" in page


def test_the_owner_sees_no_lock_and_can_change_it(client, setup):
    response = sign_in(client, setup, OWNER).get(reverse("action_detail", args=[setup["action"].pk]))
    page = response.content.decode()
    assert "This action is locked" not in page and "Change the action" in page


def test_an_invalid_action_is_refused_with_a_message_per_field_and_nothing_changes(client, setup):
    action = setup["action"]
    client.force_login(setup["owner_user"])
    response = client.post(
        reverse("action_edit", args=[action.pk]),
        _fields(setup, title="", due="31/02/2030", indicators=[], status=""),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "This field is required." not in page
    assert "Enter a title: say what will be done." in page
    assert "Choose a status for the action." in page
    assert "Enter the due date as a date, for example 2020-01-31." in page
    assert "Choose at least one indicator the action is about." in page
    action.refresh_from_db()
    assert action.title == "Call back unhappy callers" and action.status == ActionStatus.ON_TRACK


def test_a_clerk_cannot_own_an_action(setup):
    from plans.services import ActionError, action_update

    with pytest.raises(ActionError, match="cannot own an action"):
        action_update(
            action=setup["action"],
            user=setup["performance_user"],
            title="x",
            owner=setup["clerk_user"],
            due=date(2030, 1, 1),
            status="on_track",
            indicators=list(setup["action"].indicators.all()),
        )


def test_an_action_past_its_due_date_shows_as_overdue_and_its_history_records_the_change(client, setup):
    action = setup["action"]
    client.force_login(setup["owner_user"])
    client.post(reverse("action_edit", args=[action.pk]), _fields(setup, due="2019-12-31", status="on_track"))
    page = client.get(reverse("action_detail", args=[action.pk])).content.decode()
    assert "Overdue" in page
    changed = action.history.get(history_change_reason="Changed")
    assert changed.history_user == setup["owner_user"] and changed.due == date(2019, 12, 31)
    assert action.history.earliest("history_date").due == date(2030, 1, 31)  # the old value is kept
    assert client.get(reverse("actions")).content.decode().count("Overdue") >= 1


def test_the_owner_adds_an_action_from_the_flag_with_the_indicator_already_chosen(client, setup):
    close_demo_actions("ICT02")
    Action.objects.filter(pk=setup["action"].pk).update(status=ActionStatus.COMPLETE)
    client.force_login(setup["owner_user"])
    page = client.get(reverse("action_new") + "?indicator=ICT02").content.decode()
    ict02 = setup["action"].indicators.get()
    assert f'value="{ict02.pk}" checked' in page


def test_the_action_list_narrows_to_one_indicator_and_an_unknown_one_is_a_404(client, setup):
    client.force_login(setup["viewer_user"])
    page = client.get(reverse("actions") + "?indicator=ICT02").content.decode()
    assert "Call back unhappy callers" in page and "Recycling campaign" not in page
    assert "Add an improvement action" not in page  # a viewer only reads
    assert client.get(reverse("actions") + "?indicator=NOPE").status_code == 404


def test_the_refused_edit_page_says_why(client, setup):
    client.force_login(setup["other_owner_user"])
    response = client.get(reverse("action_edit", args=[setup["action"].pk]))
    assert response.status_code == 403
    assert "it is for ICT02, which is not your indicator" in response.content.decode()


# An action on two owners' indicators (as a committee resolution often is): either owner may change it, but
# only their own links. The form offers an owner only their indicators, so saving it must keep the others'.


def test_an_owner_changing_a_shared_action_keeps_the_other_owners_indicator(client, setup):
    action, fields = setup["action"], _fields(setup)  # as the form offers it to ICT02's owner: ICT02 alone
    action.indicators.add(setup["other_owner_user"].owned_indicators.get())
    client.force_login(setup["owner_user"])

    response = client.post(reverse("action_edit", args=[action.pk]), fields)

    assert response.status_code == 302
    assert sorted(action.indicators.values_list("code", flat=True)) == ["FN01", "ICT02"]
    action.refresh_from_db()
    assert action.status == "at_risk"


def test_the_change_page_tells_an_owner_the_other_owners_link_stays(client, setup):
    setup["action"].indicators.add(setup["other_owner_user"].owned_indicators.get())
    client.force_login(setup["owner_user"])

    page = client.get(reverse("action_edit", args=[setup["action"].pk])).content.decode()

    assert "Also linked to FN01, which is not your indicator: that link stays as it is." in page


def test_an_owner_cannot_unlink_the_other_owners_indicator_by_leaving_out_their_own(client, setup):
    action, fields = setup["action"], _fields(setup, indicators=[])
    action.indicators.add(setup["other_owner_user"].owned_indicators.get())
    client.force_login(setup["owner_user"])

    response = client.post(reverse("action_edit", args=[action.pk]), fields)

    assert response.status_code == 400
    assert sorted(action.indicators.values_list("code", flat=True)) == ["FN01", "ICT02"]


def test_the_performance_team_still_unlinks_any_indicator(client, setup):
    action, fields = setup["action"], _fields(setup)
    action.indicators.add(setup["other_owner_user"].owned_indicators.get())
    client.force_login(setup["performance_user"])

    assert client.post(reverse("action_edit", args=[action.pk]), fields).status_code == 302
    assert list(action.indicators.values_list("code", flat=True)) == ["ICT02"]
