"""Home's "Your returns" section (returns/panels.py): each open month's returns still to submit, for owners."""

from __future__ import annotations

from decimal import Decimal

import lxml.html
import pytest
from django.contrib.auth import get_user_model

from indicators.models import Indicator
from returns.models import PeriodStatus, ReportingPeriod
from returns.rows import return_rows
from returns.services import return_save
from tests.returns.conftest import DEC


def _panel(client) -> str | None:
    """The section's text, or None when home does not show it."""
    found = lxml.html.fromstring(client.get("/").content).xpath('//*[@id="returns-to-do"]')
    return " ".join(found[0].text_content().split()) if found else None


@pytest.fixture
def owner_user(demo):
    """The demo's service owner "owner", who owns ICT01, ICT02 and more."""
    return get_user_model().objects.get(username="owner")


def _submit_ict02(owner_user) -> None:
    ict02 = Indicator.objects.get(code="ICT02")
    return_save(indicator=ict02, period=DEC, user=owner_user, value=Decimal("85"), commentary="Down.", submit=True)


def test_an_owner_sees_each_open_months_returns_still_to_submit(client, open_period, owner_user):
    rows = return_rows(Indicator.objects.owned_by(owner_user), DEC)
    assert "ICT02" in {row.indicator.code for row in rows} and len(rows) > 1
    _submit_ict02(owner_user)
    client.force_login(owner_user)

    panel = _panel(client)

    assert panel is not None
    assert f"December 2019, due by 10 January 2020: {len(rows) - 1} of {len(rows)} still to submit." in panel
    assert "ICT02 " not in panel  # submitted: nothing to do
    for row in rows:
        if row.indicator.code != "ICT02":
            assert f"{row.indicator.code} {row.indicator.name} – missing" in panel


def test_the_section_links_each_return_and_my_returns(client, open_period, owner_user):
    client.force_login(owner_user)
    page = lxml.html.fromstring(client.get("/").content)
    links = page.xpath('//*[@id="returns-to-do"]//a/@href')
    code = return_rows(Indicator.objects.owned_by(owner_user), DEC)[0].indicator.code
    assert f"/returns/2019-12/{code}/" in links and "/returns/" in links


def test_with_no_month_open_the_section_says_so(client, demo, owner_user):
    client.force_login(owner_user)
    assert _panel(client) == "Your returns No month is open for returns at the moment. Go to my returns"


def test_a_closed_month_is_not_listed(client, open_period, owner_user):
    ReportingPeriod.objects.filter(pk=open_period.pk).update(status=PeriodStatus.CLOSED)
    client.force_login(owner_user)
    assert "December 2019" not in _panel(client)


@pytest.mark.parametrize("persona", ["viewer_user", "clerk_user"])
def test_someone_who_cannot_enter_returns_sees_no_section_even_owning_an_indicator(
    client, open_period, request, persona
):
    user = request.getfixturevalue(persona)
    Indicator.objects.get(code="ICT02").owners.add(user)
    client.force_login(user)
    assert _panel(client) is None


def test_an_owner_of_no_active_indicator_sees_no_section(client, open_period, owner_user):
    Indicator.objects.owned_by(owner_user).update(active=False)
    client.force_login(owner_user)
    assert _panel(client) is None


def test_the_section_is_drawn_afresh_after_a_save(client, open_period, owner_user):
    """Home's summaries are cached; this section is not, so a submitted return leaves it at once."""
    client.force_login(owner_user)
    before = _panel(client)
    _submit_ict02(owner_user)
    after = _panel(client)
    assert "ICT02 " in before and "ICT02 " not in after
