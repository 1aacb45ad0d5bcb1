"""In Chromium: an import correcting a closed month asks for a reason, then records it."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from indicators.models import Result
from returns.services import period_close, period_open

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
NOV = date(2019, 11, 1)


@pytest.fixture(autouse=True)
def _import_dir(settings, tmp_path):
    settings.KPIDASH_IMPORT_DIR = tmp_path / "imports"


def test_performance_team_gives_a_reason_to_correct_a_closed_month(demo, page, sign_in, axe_scan, tmp_path):
    performance = get_user_model().objects.get(username="performance")
    period_open(period=NOV, deadline=date(2019, 12, 10), user=performance)
    period_close(period=NOV, user=performance)
    sign_in(performance)
    path = tmp_path / "results.csv"
    path.write_text("code,period,value\nICT01,2019-11,55.5\n")
    page.goto("/spreadsheets/")
    page.get_by_label("Workbook or CSV file").first.set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()
    assert "November 2019 is closed" in page.locator(".govuk-warning-text").inner_text()
    assert axe_scan() == []

    page.get_by_role("button", name="Import 1 row").click()
    summary = page.locator(".govuk-error-summary")
    assert "give a reason for the correction" in summary.inner_text()
    assert axe_scan() == []
    summary.get_by_role("link").click()
    page.get_by_label("Reason for changing closed months").fill("Finance restated November")
    page.get_by_role("button", name="Import 1 row").click()
    assert "Imported results.csv: 1 row(s)" in page.locator(".govuk-notification-banner").inner_text()
    result = Result.objects.get(indicator__code="ICT01", period=NOV)
    assert result.value == 55.5
    assert result.history.first().history_change_reason == "Imported from results.csv: Finance restated November"
