"""Owner uploads: unchanged rows are skipped before any lock is checked."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.models import Commentary, CommentaryStatus, Indicator, Result
from indicators.periods import add_months
from returns.services import ReturnError, return_approve, return_save
from tests.spreadsheets.test_views import NOV, _set_value, _template, _upload_workbook, upload
from tests.spreadsheets.test_views import indicators as _indicators
from tests.spreadsheets.test_views import periods as _periods

indicators, periods = _indicators, _periods  # the same fixtures, by the names the tests ask for


@pytest.fixture(autouse=True)
def _import_dir(settings, tmp_path):
    settings.KPIDASH_IMPORT_DIR = tmp_path / "imports"


def test_an_approved_return_left_unchanged_does_not_stop_the_upload_of_another_row(
    client, indicators, periods, owner_user, performance_user
):
    second = Indicator.objects.create(code="ICT02", name="Feedback", directorate=indicators[0].directorate)
    second.owners.add(owner_user)
    return_save(
        indicator=indicators[0], period=NOV, user=owner_user, value=Decimal("70"), commentary="Steady", submit=True
    )
    return_approve(indicator=indicators[0], period=NOV, user=performance_user)
    client.force_login(owner_user)
    workbook = _template(client)  # ICT01 approved (left as it is), ICT02 to fill in
    _set_value(workbook, "ICT02", 60)
    response = _upload_workbook(client, workbook)
    assert response.status_code == 200, response.context["plan"].errors
    counts = response.context["plan"].counts["Results"]
    assert (counts.created, counts.unchanged) == (1, 1)
    assert client.post(response.context["confirm_url"]).status_code == 302
    assert Result.objects.get(indicator=second).value == Decimal("60")
    approved = Commentary.objects.get(indicator=indicators[0])
    assert (approved.status, approved.version) == (CommentaryStatus.APPROVED, 2)


def test_a_change_to_an_approved_return_is_still_refused_with_the_lock(
    client, indicators, periods, owner_user, performance_user
):
    return_save(
        indicator=indicators[0], period=NOV, user=owner_user, value=Decimal("70"), commentary="Steady", submit=True
    )
    return_approve(indicator=indicators[0], period=NOV, user=performance_user)
    client.force_login(owner_user)
    workbook = _template(client)
    _set_value(workbook, "ICT01", 75)
    response = _upload_workbook(client, workbook)
    assert response.status_code == 400
    [error] = response.context["plan"].errors
    assert "the performance team has approved it" in error.message
    assert Result.objects.get().value == Decimal("70")


def test_an_unchanged_row_of_someone_elses_indicator_is_skipped_not_refused(
    client, indicators, periods, owner_user, other_owner_user
):
    return_save(indicator=indicators[1], period=NOV, user=other_owner_user, value=Decimal("40"))
    client.force_login(owner_user)
    text = "code,period,value\nFIN01,2019-11,40\nICT01,2019-11,5\n"  # FIN01 as stored, e.g. copied from an export
    response = client.post(reverse("spreadsheet_owner_upload"), {"file": upload(text)})
    assert response.status_code == 200, response.context["plan"].errors
    assert response.context["plan"].counts["Results"].unchanged == 1
    text = "code,period,value\nFIN01,2019-11,41\n"
    response = client.post(reverse("spreadsheet_owner_upload"), {"file": upload(text)})
    assert response.status_code == 400
    assert "is not your indicator" in response.context["plan"].errors[0].message


def test_an_owners_upload_of_a_concerning_figure_is_a_draft_that_needs_commentary_to_submit(
    client, indicators, periods, owner_user
):
    """The upload saves through return_save as drafts, so the commentary rule waits for the submit (issue 16)."""
    Result.objects.bulk_create(  # [90, 92] to October 2019: process limits 85.68 to 96.32
        Result(indicator=indicators[0], period=add_months(NOV, -m), value=Decimal(90 + 2 * (m % 2)))
        for m in range(1, 21)
    )
    client.force_login(owner_user)
    workbook = _template(client)
    _set_value(workbook, "ICT01", 80)
    response = _upload_workbook(client, workbook)
    assert response.status_code == 200, response.context["plan"].errors
    assert client.post(response.context["confirm_url"]).status_code == 302
    assert Commentary.objects.get(indicator=indicators[0], period=NOV).status == CommentaryStatus.DRAFT
    with pytest.raises(ReturnError, match="ICT01's figure for November 2019 shows special cause concern"):
        return_save(indicator=indicators[0], period=NOV, user=owner_user, value=Decimal("80"), submit=True)
