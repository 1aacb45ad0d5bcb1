"""The performance team's import corrects a closed month only with a reason, as the return form does."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from indicators.models import Commentary, Directorate, Indicator, Result
from returns.models import PeriodStatus, ReportingPeriod
from spreadsheets import services
from spreadsheets.models import ImportRecord
from spreadsheets.services import workbook_check, workbook_import

NOV, OCT = date(2019, 11, 1), date(2019, 10, 1)
MISSING = (
    "The file changes returns for October 2019, which is closed: give a reason for the correction. "
    "It is recorded in the history of each change, as on the return form."
)


@pytest.fixture
def ict01(db):
    directorate = Directorate.objects.create(name="Corporate", slug="corporate")
    indicator = Indicator.objects.create(code="ICT01", name="Calls resolved", directorate=directorate)
    ReportingPeriod.objects.create(period=NOV, status=PeriodStatus.OPEN, deadline=date(2019, 12, 10))
    ReportingPeriod.objects.create(period=OCT, status=PeriodStatus.CLOSED, deadline=date(2019, 11, 10))
    Result.objects.create(indicator=indicator, period=OCT, value=Decimal(70))
    return indicator


@pytest.fixture(autouse=True)
def _import_dir(settings, tmp_path):
    settings.KPIDASH_IMPORT_DIR = tmp_path / "imports"


def csv_path(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "results.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_import_changing_a_closed_month_without_a_reason_is_refused_and_changes_nothing(
    tmp_path, ict01, performance_user
):
    path = csv_path(tmp_path, "code,period,value\nICT01,2019-10,75\nICT01,2019-11,80\n")
    plan = workbook_import(path=path, file_name="results.csv", user=performance_user)
    assert not plan.applied
    assert [(e.column, e.message) for e in plan.errors] == [("reason", MISSING)]
    assert Result.objects.get(period=OCT).value == 70
    assert not Result.objects.filter(period=NOV).exists()
    assert not ImportRecord.objects.exists()


def test_with_a_reason_the_closed_month_is_corrected_and_the_reason_is_in_its_history(
    tmp_path, ict01, performance_user
):
    path = csv_path(tmp_path, "code,period,value,commentary\nICT01,2019-10,75,Restated by finance\n")
    plan = workbook_import(path=path, file_name="results.csv", user=performance_user, reason=" Finance restated ")
    assert plan.applied, plan.errors
    result = Result.objects.get(period=OCT)
    assert result.value == 75
    assert result.history.first().history_change_reason == "Imported from results.csv: Finance restated"
    commentary = Commentary.objects.get(period=OCT)
    assert commentary.history.first().history_change_reason == "Imported from results.csv: Finance restated"


@pytest.mark.parametrize(
    "rows",
    [
        "ICT01,2019-10,70\nICT01,2019-11,80\n",  # the closed month as stored, the open one changed
        "ICT01,2019-11,80\n",
    ],
)
def test_a_file_leaving_closed_months_as_they_are_needs_no_reason(tmp_path, ict01, performance_user, rows):
    plan = workbook_import(path=csv_path(tmp_path, "code,period,value\n" + rows), file_name="r.csv", user=None)
    assert plan.applied, plan.errors
    assert Result.objects.get(period=NOV).value == 80


def test_a_new_figure_or_new_commentary_in_a_closed_month_needs_a_reason_too(tmp_path, ict01, performance_user):
    other = Indicator.objects.create(code="ICT02", name="Feedback", directorate=ict01.directorate)
    for rows in (f"{other.code},2019-10,5,\n", "ICT01,2019-10,70,Now explained\n"):
        path = csv_path(tmp_path, "code,period,value,commentary\n" + rows)
        plan = workbook_import(path=path, file_name="results.csv", user=performance_user)
        assert [e.message for e in plan.errors] == [MISSING]
    assert not Result.objects.filter(indicator=other).exists()
    assert not Commentary.objects.exists()


def test_the_preview_asks_for_a_reason_and_a_confirm_without_one_keeps_the_upload_for_another_try(
    client, ict01, performance_user
):
    client.force_login(performance_user)
    file = SimpleUploadedFile("results.csv", b"code,period,value\nICT01,2019-10,75\n")
    response = client.post(reverse("spreadsheet_import"), {"file": file})
    assert response.status_code == 200
    page = response.content.decode()
    assert "October 2019 is closed: like a correction on the return form, this import needs a reason." in page
    assert "Reason for changing closed months" in page
    confirm_url = response.context["confirm_url"]

    response = client.post(confirm_url, {"reason": "  "})
    assert response.status_code == 400
    assert response.context["confirm_url"] == confirm_url
    assert MISSING in response.content.decode()
    assert "There is a problem" in response.content.decode()
    assert Result.objects.get(period=OCT).value == 70

    response = client.post(confirm_url, {"reason": "Finance restated October"})
    assert response.status_code == 302
    result = Result.objects.get(period=OCT)
    assert result.value == 75
    assert result.history.first().history_change_reason == "Imported from results.csv: Finance restated October"
    assert ImportRecord.objects.count() == 1


def test_the_import_command_refuses_a_reason_over_the_forms_limit_and_changes_nothing(
    tmp_path, ict01, performance_user
):
    path = csv_path(tmp_path, "code,period,value\nICT01,2019-10,75\n")
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_workbook", str(path), "--reason", "r" * 501, stderr=io.StringIO(), stdout=io.StringIO())
    assert Result.objects.get(period=OCT).value == 70


def test_the_import_command_takes_a_reason_for_closed_months(tmp_path, ict01, performance_user):
    path = csv_path(tmp_path, "code,period,value\nICT01,2019-10,75\n")
    err = io.StringIO()
    call_command("import_workbook", str(path), "--dry-run", stderr=err)
    assert f"{MISSING} Use --reason." in err.getvalue()
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_workbook", str(path), stderr=io.StringIO())
    assert Result.objects.get(period=OCT).value == 70
    call_command("import_workbook", str(path), "--reason", "Restated", stdout=io.StringIO())
    assert Result.objects.get(period=OCT).history.first().history_change_reason == "Imported from results.csv: Restated"


def test_a_long_reason_keeps_its_start_in_the_history(tmp_path, ict01, performance_user):
    path = csv_path(tmp_path, "code,period,value\nICT01,2019-10,75\n")
    reason = "Finance restated every month after the audit " * 3
    plan = workbook_check(path=path, file_name="results.csv", user=None, reason=reason)
    assert plan.ok
    workbook_import(path=path, file_name="results.csv", user=None, reason=reason)
    recorded = Result.objects.get(period=OCT).history.first().history_change_reason
    assert recorded.startswith("Imported: Finance restated every month after the audit")
    assert len(recorded) == 100


def test_a_reason_over_500_characters_is_refused_on_the_form_and_the_upload_kept(client, ict01, performance_user):
    client.force_login(performance_user)
    file = SimpleUploadedFile("results.csv", b"code,period,value\nICT01,2019-10,75\n")
    confirm_url = client.post(reverse("spreadsheet_import"), {"file": file}).context["confirm_url"]
    response = client.post(confirm_url, {"reason": "x" * 501})
    assert response.status_code == 400
    assert "Keep the reason to 500 characters or fewer." in response.content.decode()
    assert response.context["confirm_url"] == confirm_url
    assert Result.objects.get(period=OCT).value == 70
    assert client.post(confirm_url, {"reason": "Restated"}).status_code == 302
    assert Result.objects.get(period=OCT).value == 75


def test_a_performance_team_member_who_owns_indicators_gives_a_reason_on_the_owner_upload_too(
    client, ict01, performance_user
):
    from django.contrib.auth.models import Group

    from accounts.roles import SERVICE_OWNER

    performance_user.groups.add(Group.objects.get(name=SERVICE_OWNER))
    ict01.owners.add(performance_user)
    client.force_login(performance_user)
    file = SimpleUploadedFile("mine.csv", b"code,period,value,Version (do not edit)\nICT01,2019-10,75,0\n")
    response = client.post(reverse("spreadsheet_owner_upload"), {"file": file})
    assert response.status_code == 200, response.context["plan"].errors
    assert "Reason for changing closed months" in response.content.decode()
    confirm_url = response.context["confirm_url"]
    response = client.post(confirm_url, {"reason": ""})
    assert response.status_code == 400
    assert MISSING in response.content.decode()
    assert Result.objects.get(period=OCT).value == 70
    assert client.post(confirm_url, {"reason": "Restated"}).status_code == 302
    result = Result.objects.get(period=OCT)
    assert (result.value, result.history.first().history_change_reason) == (75, "Saved: Restated")


def test_a_month_closed_between_the_check_and_the_import_asks_for_a_reason_and_changes_nothing(
    monkeypatch, tmp_path, ict01, performance_user
):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL checks and applies in one transaction, under the months' locks")
    path = csv_path(tmp_path, "code,period,value\nICT01,2019-11,80\n")
    check = services.workbook_check

    def check_then_close(**kwargs):
        plan = check(**kwargs)
        ReportingPeriod.objects.filter(period=NOV).update(status=PeriodStatus.CLOSED)
        return plan

    monkeypatch.setattr(services, "workbook_check", check_then_close)
    plan = workbook_import(path=path, file_name="results.csv", user=performance_user)
    assert not plan.applied
    assert [(e.column, e.message) for e in plan.errors] == [("reason", MISSING.replace("October", "November"))]
    assert not Result.objects.filter(period=NOV).exists()
