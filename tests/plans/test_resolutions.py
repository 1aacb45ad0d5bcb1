"""Committee resolutions tracked as actions: the one write path, who may, and where the source shows."""

from datetime import date

import pytest
from django.urls import reverse

from indicators.models import Committee, Indicator
from plans.models import Action
from plans.services import ActionError, ActionLocked, action_from_resolution, action_update

MEETING = date(2020, 2, 4)  # the demo's own resolution is of 21 January


@pytest.fixture
def committee(demo):
    return Committee.objects.get(slug="policy-and-resources")


def _resolve(user, committee, owner, indicators, **overrides):
    fields = {
        "user": user,
        "committee": committee,
        "meeting_date": MEETING,
        "resolution": "Officers to report back on the help desk's feedback rating by March 2020.",
        "title": "Report back on ICT02 by March",
        "owner": owner,
        "due": date(2030, 3, 31),
        "indicators": indicators,
        **overrides,
    }
    return action_from_resolution(**fields)


def test_the_clerk_records_a_resolution_as_an_action_with_its_source(committee, ict02, clerk_user, owner_user):
    action = _resolve(clerk_user, committee, owner_user, [ict02])

    assert (action.source_committee, action.source_meeting, action.owner) == (committee, MEETING, owner_user)
    assert action.source == "Policy and Resources Cabinet Committee, meeting 4 February 2020"
    assert list(action.indicators.all()) == [ict02]
    record = action.history.order_by("history_id").first()
    assert record.history_user == clerk_user
    assert record.history_change_reason == "Resolution of Policy and Resources Cabinet Committee, meeting 2020-02-04"


@pytest.mark.parametrize("persona", ["owner_user", "viewer_user"])
def test_only_clerks_and_the_team_record_resolutions(request, committee, ict02, owner_user, persona):
    with pytest.raises(ActionLocked):
        _resolve(request.getfixturevalue(persona), committee, owner_user, [ict02])
    assert not Action.objects.filter(source_meeting=MEETING).exists()


def test_a_resolution_about_another_committees_indicator_is_refused(committee, ict02, clerk_user, owner_user):
    other = Indicator.objects.get(code="GT01")

    with pytest.raises(ActionError) as refused:
        _resolve(clerk_user, committee, owner_user, [ict02, other])

    assert refused.value.errors["indicators"] == [
        "GT01 is not reported to Policy and Resources Cabinet Committee: a resolution can only be about the "
        "committee's own indicators."
    ]
    assert not Action.objects.filter(source_meeting=MEETING).exists()


def test_a_resolution_keeps_the_action_rules_an_owner_who_cannot_own_is_refused(committee, ict02, clerk_user):
    with pytest.raises(ActionError) as refused:
        _resolve(clerk_user, committee, clerk_user, [ict02], resolution=" ", meeting_date=None)

    assert "cannot own an action" in refused.value.errors["owner"][0]
    assert refused.value.errors["resolution"] == ["Enter the resolution as the committee made it."]
    assert refused.value.errors["meeting_date"] == ["Enter the date of the meeting that made the resolution."]


def test_the_action_page_and_the_indicator_page_show_the_source(client, committee, ict02, clerk_user, owner_user):
    action = _resolve(clerk_user, committee, owner_user, [ict02])
    client.force_login(clerk_user)

    action_page = client.get(reverse("action_detail", args=[action.pk])).content.decode()
    indicator_page = client.get(reverse("indicator_detail", args=["ICT02"])).content.decode()

    assert "Policy and Resources Cabinet Committee, meeting 4 February 2020" in action_page
    assert "Officers to report back on the help desk" in action_page
    assert ">Report back on ICT02 by March</a>" in indicator_page
    assert (
        "Committee resolution. Source: Policy and Resources Cabinet Committee, meeting 4 February 2020."
        in indicator_page
    )
    assert reverse("action_detail", args=[action.pk]) in indicator_page


def test_an_ordinary_action_is_listed_on_the_indicator_page_without_a_source(client, action, viewer_user):
    client.force_login(viewer_user)

    page = client.get(reverse("indicator_detail", args=["ICT02"])).content.decode()

    assert ">Call back unhappy callers</a></td>" in page  # no source line after its title
    assert "31 January 2030" in page
    resolutions = Action.objects.filter(indicators__code="ICT02", source_committee__isnull=False).count()
    assert page.count("Committee resolution. Source:") == resolutions


# --- a resolution stays about its committee's indicators, on every path that changes it -------


def test_changing_a_resolution_to_another_committees_indicator_on_its_page_is_refused(
    committee, ict02, clerk_user, owner_user, performance_user
):
    # The import and the site restore refuse such an action (action_import_errors), so the page must too.
    action = _resolve(clerk_user, committee, owner_user, [ict02])
    other = Indicator.objects.get(code="GT01")

    with pytest.raises(ActionError) as refused:
        action_update(
            action=action,
            user=performance_user,
            title=action.title,
            owner=owner_user,
            due=action.due,
            status=action.status,
            indicators=[ict02, other],
        )

    assert refused.value.errors["indicators"] == [
        "GT01 is not reported to Policy and Resources Cabinet Committee: a resolution can only be about the "
        "committee's own indicators."
    ]
    assert list(Action.objects.get(pk=action.pk).indicators.all()) == [ict02]


def test_changing_a_resolution_to_another_committees_indicator_in_the_admin_is_refused(
    client, committee, ict02, clerk_user, owner_user, performance_user
):
    action = _resolve(clerk_user, committee, owner_user, [ict02])
    other = Indicator.objects.get(code="GT01")
    records = action.history.count()
    client.force_login(performance_user)

    response = client.post(
        reverse("admin:plans_action_change", args=[action.pk]),
        {
            "title": action.title,
            "description": "",
            "owner": owner_user.pk,
            "due": "2030-03-31",
            "status": "on_track",
            "indicators": [ict02.pk, other.pk],
            "notes-TOTAL_FORMS": "0",
            "notes-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "GT01 is not reported to Policy and Resources Cabinet Committee" in response.content.decode()
    action.refresh_from_db()
    assert (list(action.indicators.all()), action.status, action.history.count()) == ([ict02], "not_started", records)


def test_an_ordinary_change_to_a_resolution_in_the_admin_is_saved(
    client, committee, ict02, clerk_user, owner_user, performance_user
):
    action = _resolve(clerk_user, committee, owner_user, [ict02])
    client.force_login(performance_user)

    response = client.post(
        reverse("admin:plans_action_change", args=[action.pk]),
        {
            "title": action.title,
            "description": "",
            "owner": owner_user.pk,
            "due": "2030-03-31",
            "status": "on_track",
            "indicators": [ict02.pk],
            "notes-TOTAL_FORMS": "0",
            "notes-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.source_committee) == ("on_track", committee)
