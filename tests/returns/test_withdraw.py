"""Withdrawing a figure entered by mistake: who may, under which locks, and what it leaves behind."""

from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.models import Commentary, CommentaryStatus, Indicator, Rating, Result
from returns.services import ReturnError, ReturnLocked, return_approve, return_save, return_withdraw
from tests.personas import ANON, CLERK, OTHER, OWNER, PERSONAS, TEAM, VIEWER, expect, sign_in
from tests.returns.conftest import DEC, NOV


@pytest.fixture
def setup(open_period, closed_period, ict02, fn01, personas):
    return personas


def _entered(user, value="85", submit=True):
    return_save(
        indicator=Indicator.objects.get(code="ICT02"),
        period=DEC,
        user=user,
        value=Decimal(value),
        commentary="Down after the new portal.",
        submit=submit,
    )
    return Commentary.objects.get(indicator__code="ICT02", period=DEC)


WITHDRAW = {OWNER: 302, OTHER: 403, TEAM: 302, CLERK: 403, VIEWER: 403, ANON: "login"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_owner_and_the_team_withdraw_a_figure(client, setup, persona):
    commentary = _entered(setup[OWNER])
    url = reverse("return_withdraw", args=[DEC, "ICT02"])
    data = {"withdraw-reason": "Entered against the wrong month", "withdraw-version": commentary.version}
    expect(sign_in(client, setup, persona).post(url, data), WITHDRAW[persona])
    exists = Result.objects.filter(indicator__code="ICT02", period=DEC).exists()
    assert exists is (WITHDRAW[persona] != 302)


def test_a_withdrawn_figure_leaves_a_draft_with_its_commentary_no_rating_and_the_reason_in_the_history(client, setup):
    owner = setup[OWNER]
    commentary = _entered(owner)
    assert Rating.objects.filter(indicator__code="ICT02", period=DEC).exists()
    client.force_login(owner)
    url = reverse("return_withdraw", args=[DEC, "ICT02"])
    response = client.post(
        url, {"withdraw-reason": "Typed into December, it is November's", "withdraw-version": commentary.version}
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "ICT02&#x27;s figure for December 2019 withdrawn. The return is a draft." in page
    assert "Typed into December, it is November&#x27;s" in page  # the return's history

    assert not Result.objects.filter(indicator__code="ICT02", period=DEC).exists()
    assert not Rating.objects.filter(indicator__code="ICT02", period=DEC, value__isnull=False).exists()
    commentary.refresh_from_db()
    assert (commentary.status, commentary.text) == (CommentaryStatus.DRAFT, "Down after the new portal.")
    deleted = Result.history.filter(indicator_id=commentary.indicator_id, period=DEC).latest("history_date")
    assert deleted.history_type == "-" and deleted.history_user == owner and deleted.value == Decimal("85")
    assert deleted.history_change_reason == "Withdrawn: Typed into December, it is November's"


def test_no_reason_a_stale_form_or_no_figure_is_refused_and_changes_nothing(client, setup):
    owner = setup[OWNER]
    commentary = _entered(owner)
    client.force_login(owner)
    url = reverse("return_withdraw", args=[DEC, "ICT02"])
    response = client.post(url, {"withdraw-reason": "", "withdraw-version": commentary.version})
    assert response.status_code == 400
    assert "Say why the figure is being withdrawn: the history keeps it." in response.content.decode()
    response = client.post(url, {"withdraw-reason": "Mistake", "withdraw-version": commentary.version - 1})
    assert response.status_code == 400 and "while you were editing it" in response.content.decode()
    assert Result.objects.filter(indicator__code="ICT02", period=DEC).exists()
    commentary.refresh_from_db()
    assert commentary.status == CommentaryStatus.SUBMITTED

    fn01 = Indicator.objects.get(code="FN01")
    with pytest.raises(ReturnError, match="FN01 has no figure for December 2019 to withdraw."):
        return_withdraw(indicator=fn01, period=DEC, user=setup[TEAM], reason="x")


def test_an_owner_cannot_withdraw_an_approved_figure_or_one_in_a_closed_month_but_the_team_can(setup):
    owner, team = setup[OWNER], setup[TEAM]
    commentary = _entered(owner)
    return_approve(indicator=commentary.indicator, period=DEC, user=team)
    with pytest.raises(ReturnLocked, match="approved"):
        return_withdraw(indicator=commentary.indicator, period=DEC, user=owner, reason="Mistake")
    with pytest.raises(ReturnLocked):
        return_withdraw(indicator=commentary.indicator, period=NOV, user=owner, reason="Mistake")
    assert Result.objects.filter(indicator__code="ICT02", period__in=[NOV, DEC]).count() == 2

    return_withdraw(indicator=commentary.indicator, period=NOV, user=team, reason="Duplicate of October's figure")
    assert not Result.objects.filter(indicator__code="ICT02", period=NOV).exists()
    commentary = Commentary.objects.get(indicator__code="ICT02", period=NOV)
    assert commentary.status == CommentaryStatus.DRAFT and commentary.approver is None


def test_the_return_page_offers_withdrawal_only_when_there_is_a_figure_to_withdraw(client, setup):
    client.force_login(setup[OWNER])
    url = reverse("return_edit", args=[DEC, "ICT02"])
    assert "Withdraw this figure" not in client.get(url).content.decode()
    _entered(setup[OWNER], submit=False)
    assert "Withdraw this figure" in client.get(url).content.decode()
