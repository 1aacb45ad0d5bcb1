"""Spreadsheet journeys in Chromium: the performance team imports a file; an owner fills a template."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from openpyxl import load_workbook

from indicators.models import Commentary, Directorate, Result
from plans.models import Action
from returns.services import period_open
from spreadsheets.models import ImportRecord

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def user(username: str):
    return get_user_model().objects.get(username=username)


@pytest.fixture(autouse=True)
def _import_dir(settings, tmp_path):
    settings.KPIDASH_IMPORT_DIR = tmp_path / "imports"


def test_performance_team_sees_errors_then_imports_a_corrected_file(demo, page, sign_in, axe_scan, tmp_path):
    sign_in(user("performance"))
    page.goto("/spreadsheets/")
    assert axe_scan() == []

    bad = tmp_path / "results.csv"
    bad.write_text("code,period,value\nICT01,2019-12,lots\n")
    page.get_by_label("Workbook or CSV file").first.set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()
    assert "'lots' is not a number." in page.locator("#errors").inner_text()
    assert axe_scan() == []

    bad.write_text("code,period,value\nICT01,2019-12,97.5\n")
    page.goto("/spreadsheets/")
    page.get_by_label("Workbook or CSV file").first.set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Check the changes"
    assert axe_scan() == []
    page.get_by_role("button", name="Import 1 row").click()
    assert "Imported results.csv: 1 row(s)" in page.locator(".govuk-notification-banner").inner_text()
    assert Result.objects.get(indicator__code="ICT01", period=date(2019, 12, 1)).value == 97.5
    assert ImportRecord.objects.get().user == user("performance")


def test_owner_downloads_fills_and_uploads_their_template(demo, page, sign_in, axe_scan, tmp_path):
    period_open(period=date(2019, 12, 1), deadline=date(2020, 1, 10), user=user("performance"))
    sign_in(user("owner"))
    page.goto("/spreadsheets/")
    assert axe_scan() == []
    with page.expect_download() as download:
        page.get_by_role("link", name="Download my returns template (XLSX)").click()
    path = tmp_path / "mine.xlsx"
    download.value.save_as(path)

    book = load_workbook(path)
    sheet = book["Results"]
    codes = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert codes and all(code.startswith("ICT") for code in codes)
    sheet.cell(row=2, column=4, value=99)
    sheet.cell(row=2, column=7, value="Steady month.")
    book.save(path)

    page.get_by_label("Workbook or CSV file").set_input_files(str(path))
    page.get_by_role("button", name="Check my returns").click()
    assert axe_scan() == []
    page.get_by_role("button", name="Import 1 row").click()
    assert Commentary.objects.get(indicator__code=codes[0], period=date(2019, 12, 1)).text == "Steady month."


def test_performance_team_imports_a_workbook_with_its_plan_and_a_new_directorate(
    demo, page, sign_in, axe_scan, tmp_path
):
    sign_in(user("performance"))
    page.goto("/spreadsheets/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the workbook (XLSX)").click()
    path = tmp_path / "kpidash.xlsx"
    download.value.save_as(path)
    book = load_workbook(path)
    actions = book["Actions"]
    status = [cell.value for cell in actions[1]].index("status") + 1
    actions.cell(row=2, column=status).value = "complete"
    indicators = book["Indicators"]
    indicators.append(["NEW01", "Libraries visited", *[None] * 7, "Community Services"])
    book.save(path)

    page.get_by_label("Workbook or CSV file").first.set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Check the changes"
    assert "Will create directorate “Community Services”" in page.locator("#creates").inner_text()
    assert axe_scan() == []
    page.get_by_role("button", name="Import 3 rows").click()
    assert "Imported kpidash.xlsx" in page.locator(".govuk-notification-banner").inner_text()
    assert Directorate.objects.filter(name="Community Services").exists()
    assert Action.objects.order_by("pk").first().status == "complete"
