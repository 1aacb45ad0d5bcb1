"""Spreadsheet pages: who may use them, upload → preview → confirm, and owner templates."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from indicators.models import Commentary, CommentaryStatus, Directorate, Indicator, Result
from returns.models import PeriodStatus, ReportingPeriod
from spreadsheets.models import ImportRecord
from tests.conftest import make_user
from tests.personas import PERSONAS

NOV, OCT = date(2019, 11, 1), date(2019, 10, 1)


@pytest.fixture
def indicators(db, owner_user, other_owner_user):
    directorate = Directorate.objects.create(name="Corporate", slug="corporate")
    mine = Indicator.objects.create(code="ICT01", name="Calls resolved", directorate=directorate)
    theirs = Indicator.objects.create(code="FIN01", name="Invoices paid", directorate=directorate)
    mine.owners.add(owner_user)
    theirs.owners.add(other_owner_user)
    return mine, theirs


@pytest.fixture
def periods(db):
    ReportingPeriod.objects.create(period=NOV, status=PeriodStatus.OPEN, deadline=date(2019, 12, 10))
    ReportingPeriod.objects.create(period=OCT, status=PeriodStatus.CLOSED, deadline=date(2019, 11, 10))


@pytest.fixture(autouse=True)
def _import_dir(settings, tmp_path):
    settings.KPIDASH_IMPORT_DIR = tmp_path / "imports"


def upload(text: str, name: str = "results.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def pending_files(settings) -> list:
    folder = settings.KPIDASH_IMPORT_DIR
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("spreadsheets", {"owner_user", "other_owner_user", "performance_user"}),
        ("spreadsheet_export", {"performance_user"}),
        ("spreadsheet_template", {"performance_user"}),
        ("spreadsheet_owner_template", {"owner_user", "other_owner_user"}),
    ],
)
@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_open_each_spreadsheet_page(client, request, indicators, periods, url, allowed, persona):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse(url))
    if persona is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == (200 if persona in allowed else 403)


@pytest.mark.parametrize("persona", ["owner_user", "clerk_user", "viewer_user"])
def test_only_the_performance_team_may_import_a_whole_workbook(client, request, indicators, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(reverse("spreadsheet_import"), {"file": upload("code,period,value\nICT01,2019-11,5\n")})
    assert response.status_code == 403
    assert not Result.objects.exists()


def test_export_csv_of_one_sheet_and_unknown_sheets(client, indicators, performance_user):
    Result.objects.create(indicator=indicators[0], period=NOV, value=Decimal("-3"))
    client.force_login(performance_user)
    response = client.get(reverse("spreadsheet_export_csv", args=["results"]))
    assert response["Content-Type"] == "text/csv"
    assert "ICT01,Calls resolved,2019-11,-3,,," in response.content.decode("utf-8-sig")
    assert client.get(reverse("spreadsheet_export_csv", args=["secrets"])).status_code == 404


def test_export_workbook_query_count_does_not_grow_with_the_data(
    client, indicators, performance_user, django_assert_max_num_queries
):
    client.force_login(performance_user)
    for n in range(30):
        Indicator.objects.create(code=f"X{n:02d}", name="x", directorate=indicators[0].directorate)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("spreadsheet_export"))
    assert set(load_workbook(io.BytesIO(response.content)).sheetnames) == {
        "Indicators",
        "Thresholds",
        "Results",
        "Plans",
        "Priorities",
        "Objectives",
        "Actions",
        "About",
    }


def test_upload_previews_then_confirm_imports_and_deletes_the_file(client, indicators, performance_user, settings):
    client.force_login(performance_user)
    response = client.post(reverse("spreadsheet_import"), {"file": upload("Code,Period,Value\nICT01,2019-11,5\n")})
    assert response.status_code == 200
    assert not Result.objects.exists()
    plan, confirm_url = response.context["plan"], response.context["confirm_url"]
    assert plan.counts["Results"].created == 1
    assert b"Import 1 row" in response.content
    response = client.post(confirm_url)
    assert response.status_code == 302
    assert Result.objects.get().value == 5
    assert ImportRecord.objects.get().user == performance_user
    assert pending_files(settings) == []
    assert client.post(confirm_url).status_code == 302  # a second click imports nothing more
    assert Result.objects.count() == 1


def test_an_invalid_upload_shows_every_error_and_keeps_nothing(client, indicators, performance_user, settings):
    client.force_login(performance_user)
    text = "code,period,value\nICT01,2019-11,five\nNOPE,2019-11,5\n"
    response = client.post(reverse("spreadsheet_import"), {"file": upload(text)})
    assert response.status_code == 400
    content = response.content.decode()
    assert "&#x27;five&#x27; is not a number." in content
    assert "Unknown indicator code “NOPE”." in content
    assert response.context["confirm_url"] is None
    assert pending_files(settings) == []
    assert not Result.objects.exists()


def test_a_missing_file_is_a_form_error(client, performance_user):
    client.force_login(performance_user)
    response = client.post(reverse("spreadsheet_import"), {})
    assert response.status_code == 400
    assert "Choose a file to upload." in response.content.decode()


def test_someone_elses_upload_token_cannot_be_confirmed(client, indicators, performance_user):
    client.force_login(performance_user)
    response = client.post(reverse("spreadsheet_import"), {"file": upload("code,period,value\nICT01,2019-11,5\n")})
    confirm_url = response.context["confirm_url"]
    other = make_user("another-performance", "Performance team")
    client.force_login(other)
    client.post(confirm_url)
    assert not Result.objects.exists()


def test_old_uploads_are_deleted(client, indicators, performance_user, settings):
    settings.KPIDASH_IMPORT_MAX_AGE = -1
    client.force_login(performance_user)
    client.post(reverse("spreadsheet_import"), {"file": upload("code,period,value\nICT01,2019-11,5\n")})
    client.post(reverse("spreadsheet_import"), {"file": upload("code,period,value\nICT01,2019-11,6\n")})
    assert len(pending_files(settings)) == 2  # the first upload's two files went when the second came


def test_owner_template_lists_only_my_indicators_for_the_open_period(client, indicators, periods, owner_user):
    Result.objects.create(indicator=indicators[0], period=NOV, value=Decimal(7))
    client.force_login(owner_user)
    response = client.get(reverse("spreadsheet_owner_template"))
    sheet = load_workbook(io.BytesIO(response.content))["Results"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "code",
        "name",
        "period",
        "value",
        "numerator",
        "denominator",
        "commentary",
        "Version (do not edit)",
    )
    assert rows[1:] == [("ICT01", "Calls resolved", "2019-11", 7, None, None, None, 0)]


def test_owner_upload_saves_drafts_through_the_return_rules(client, indicators, periods, owner_user):
    client.force_login(owner_user)
    text = "code,name,period,value,commentary\nICT01,Calls resolved,2019-11,88,Busy month\n"
    response = client.post(reverse("spreadsheet_owner_upload"), {"file": upload(text)})
    assert response.status_code == 200, response.context["plan"].errors
    assert not Result.objects.exists()
    client.post(response.context["confirm_url"])
    assert Result.objects.get().value == 88
    commentary = Commentary.objects.get()
    assert (commentary.text, commentary.status) == ("Busy month", CommentaryStatus.DRAFT)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("FIN01,2019-11,5", "is not your indicator"),
        ("ICT01,2019-10,5", "October 2019 is closed"),
        ("ICT01,2019-09,5", "September 2019 is not open for returns"),
    ],
)
def test_owner_upload_refuses_other_indicators_and_locked_periods(
    client, indicators, periods, owner_user, row, message
):
    client.force_login(owner_user)
    text = f"code,period,value\nICT01,2019-11,5\n{row}\n"
    response = client.post(reverse("spreadsheet_owner_upload"), {"file": upload(text)})
    assert response.status_code == 400
    [error] = response.context["plan"].errors
    assert error.row == 3 and message in error.message
    assert not Result.objects.exists()


def test_owner_upload_may_not_carry_other_sheets(client, indicators, periods, owner_user):
    client.force_login(owner_user)
    thresholds = upload("code,financial_year,target\nICT01,2019/20,5\n", "thresholds.csv")
    response = client.post(reverse("spreadsheet_owner_upload"), {"file": thresholds})
    assert response.status_code == 400
    assert "Only the Results sheet can be uploaded" in response.context["plan"].errors[0].message


def test_an_oversized_upload_is_refused_before_it_is_stored(client, indicators, performance_user, settings):
    settings.KPIDASH_IMPORT_MAX_BYTES = 20
    client.force_login(performance_user)
    response = client.post(reverse("spreadsheet_import"), {"file": upload("code,period,value\nICT01,2019-11,5\n")})
    assert response.status_code == 400
    assert "the largest file accepted is 0.0 MB" in response.content.decode()
    assert pending_files(settings) == []


@pytest.mark.parametrize("extra", [0, 25])
def test_spreadsheet_pages_take_a_constant_number_of_queries(
    client, indicators, periods, owner_user, performance_user, django_assert_max_num_queries, extra
):
    for n in range(extra):
        indicator = Indicator.objects.create(code=f"X{n:02d}", name="x", directorate=indicators[0].directorate)
        indicator.owners.add(owner_user)
        Result.objects.create(indicator=indicator, period=NOV, value=n)
        ImportRecord.objects.create(user=performance_user, file_name=f"f{n}.xlsx", counts={})
    client.force_login(performance_user)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("spreadsheets")).status_code == 200
    client.force_login(owner_user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("spreadsheet_owner_template"))
    assert len(list(load_workbook(io.BytesIO(response.content))["Results"].iter_rows())) == 2 + extra


# --- owner templates carry each return's version: no lost updates ----------------------


def _template(client) -> object:
    """The owner's template as an openpyxl workbook, as downloaded now."""
    response = client.get(reverse("spreadsheet_owner_template"))
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def _upload_workbook(client, workbook, name: str = "my-returns.xlsx"):
    out = io.BytesIO()
    workbook.save(out)
    file = SimpleUploadedFile(name, out.getvalue(), content_type="application/octet-stream")
    return client.post(reverse("spreadsheet_owner_upload"), {"file": file})


def _set_value(workbook, code: str, value) -> None:
    sheet = workbook["Results"]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == code:
            row[3].value = value
            return
    raise AssertionError(f"{code} is not in the template")


def _saved_by(user, indicator, value: str, commentary: str = "") -> None:
    from returns.services import return_save

    return_save(indicator=indicator, period=NOV, user=user, value=Decimal(value), commentary=commentary)


def test_a_template_changed_by_someone_else_after_download_is_refused_and_nothing_is_written(
    client, indicators, periods, owner_user, performance_user
):
    performance_user.first_name, performance_user.last_name = "Rachel", "Analyst"
    performance_user.save()
    _saved_by(owner_user, indicators[0], "70", "First go")
    client.force_login(owner_user)
    workbook = _template(client)  # 10:00: the owner downloads the template
    _saved_by(performance_user, indicators[0], "75", "Corrected")  # 10:05: a colleague changes the figure
    _set_value(workbook, "ICT01", 80)  # 10:10: the owner uploads the 10:00 template
    response = _upload_workbook(client, workbook)
    assert response.status_code == 400
    assert response.context["confirm_url"] is None
    [error] = response.context["plan"].errors
    assert error.row == 2 and error.column == "Version (do not edit)"
    assert error.message.startswith("ICT01 November 2019 was changed by Rachel Analyst on ")
    assert "to 75.0% after this template was downloaded" in error.message
    assert "Download a fresh template" in error.message
    assert "Download a fresh template (XLSX)</a>" in response.content.decode()
    assert Result.objects.get().value == Decimal("75")
    assert Commentary.objects.get().text == "Corrected"


def test_a_change_between_preview_and_confirm_is_refused_at_confirm(
    client, indicators, periods, owner_user, performance_user
):
    _saved_by(owner_user, indicators[0], "70")
    client.force_login(owner_user)
    workbook = _template(client)
    _set_value(workbook, "ICT01", 80)
    response = _upload_workbook(client, workbook)
    assert response.status_code == 200, response.context["plan"].errors
    _saved_by(performance_user, indicators[0], "75")
    response = client.post(response.context["confirm_url"])
    assert response.status_code == 400
    [error] = response.context["plan"].errors
    assert "ICT01 November 2019 was changed by test-performance" in error.message
    assert Result.objects.get().value == Decimal("75")
    assert not ImportRecord.objects.exists()


def test_one_conflicting_row_stops_the_whole_upload(client, indicators, periods, owner_user, performance_user):
    second = Indicator.objects.create(code="ICT02", name="Feedback", directorate=indicators[0].directorate)
    second.owners.add(owner_user)
    _saved_by(owner_user, indicators[0], "70")
    client.force_login(owner_user)
    workbook = _template(client)
    _saved_by(performance_user, indicators[0], "75")
    _set_value(workbook, "ICT01", 80)
    _set_value(workbook, "ICT02", 60)  # a new return, no conflict on its own
    response = _upload_workbook(client, workbook)
    assert response.status_code == 400
    assert [e.row for e in response.context["plan"].errors] == [2]
    assert not Result.objects.filter(indicator=second).exists()


def test_an_up_to_date_template_imports_its_changes(client, indicators, periods, owner_user, performance_user):
    _saved_by(performance_user, indicators[0], "70")
    client.force_login(owner_user)
    workbook = _template(client)  # downloaded after the colleague's change: no conflict
    _set_value(workbook, "ICT01", 80)
    response = _upload_workbook(client, workbook)
    assert response.status_code == 200, response.context["plan"].errors
    assert response.context["plan"].counts["Results"].updated == 1
    response = client.post(response.context["confirm_url"])
    assert response.status_code == 302
    assert Result.objects.get().value == Decimal("80")
    commentary = Commentary.objects.get()
    assert (commentary.status, commentary.version) == (CommentaryStatus.DRAFT, 2)


def test_reimporting_an_unchanged_template_writes_nothing(client, indicators, periods, owner_user):
    _saved_by(owner_user, indicators[0], "70", "Steady")
    client.force_login(owner_user)
    response = _upload_workbook(client, _template(client))  # downloaded and uploaded untouched
    assert response.status_code == 200, response.context["plan"].errors
    assert response.context["plan"].total_changed == 0
    assert "there is nothing to import" in response.content.decode()
    history = (Result.history.count(), Commentary.history.count())
    client.post(response.context["confirm_url"])
    assert (Result.history.count(), Commentary.history.count()) == history
    assert Commentary.objects.get().version == 1


def test_uploading_the_same_template_twice_changes_nothing_the_second_time(client, indicators, periods, owner_user):
    _saved_by(owner_user, indicators[0], "70")
    client.force_login(owner_user)
    workbook = _template(client)
    _set_value(workbook, "ICT01", 80)
    response = _upload_workbook(client, workbook)
    client.post(response.context["confirm_url"])
    assert Commentary.objects.get().version == 2
    response = _upload_workbook(client, workbook)  # its version (1) is now old, but its rows match what is stored
    assert response.status_code == 200, response.context["plan"].errors
    assert response.context["plan"].total_changed == 0


def test_a_stale_row_that_matches_what_is_stored_is_not_a_conflict(
    client, indicators, periods, owner_user, performance_user
):
    _saved_by(owner_user, indicators[0], "70")
    client.force_login(owner_user)
    workbook = _template(client)
    _saved_by(performance_user, indicators[0], "80")
    _set_value(workbook, "ICT01", 80)  # the owner enters the same figure the colleague did
    response = _upload_workbook(client, workbook)
    assert response.status_code == 200, response.context["plan"].errors
    assert response.context["plan"].total_changed == 0


def test_a_performance_team_import_makes_owner_templates_from_before_it_stale(
    client, indicators, periods, owner_user, performance_user
):
    _saved_by(owner_user, indicators[0], "70")
    client.force_login(owner_user)
    workbook = _template(client)
    client.force_login(performance_user)
    response = client.post(reverse("spreadsheet_import"), {"file": upload("code,period,value\nICT01,2019-11,72\n")})
    client.post(response.context["confirm_url"])
    assert Result.objects.get().value == Decimal("72")
    client.force_login(owner_user)
    _set_value(workbook, "ICT01", 80)
    response = _upload_workbook(client, workbook)
    assert response.status_code == 400
    assert "was changed by test-performance" in response.context["plan"].errors[0].message
    assert Result.objects.get().value == Decimal("72")


def test_a_file_without_versions_may_add_returns_but_not_change_existing_ones(client, indicators, periods, owner_user):
    second = Indicator.objects.create(code="ICT02", name="Feedback", directorate=indicators[0].directorate)
    second.owners.add(owner_user)
    _saved_by(owner_user, indicators[0], "70")
    client.force_login(owner_user)
    text = "code,period,value\nICT01,2019-11,80\nICT02,2019-11,60\n"
    response = client.post(reverse("spreadsheet_owner_upload"), {"file": upload(text)})
    assert response.status_code == 400
    [error] = response.context["plan"].errors
    assert error.row == 2
    assert "ICT01 November 2019 already has a figure (70.0%, last changed by test-owner on " in error.message
    assert "this file has no “Version (do not edit)” column" in error.message
    text = "code,period,value\nICT02,2019-11,60\n"
    response = client.post(reverse("spreadsheet_owner_upload"), {"file": upload(text)})
    assert response.status_code == 200, response.context["plan"].errors


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("", "this row's version is blank"),
        ("two", "is not a version kpidash wrote"),
        ("1.5", "is not a version kpidash wrote"),
        ("9", "this row's version (9) is not one kpidash gave this return (it is at version 1)"),
    ],
)
def test_an_edited_version_cell_is_refused(client, indicators, periods, owner_user, cell, message):
    _saved_by(owner_user, indicators[0], "70")
    client.force_login(owner_user)
    text = f"code,period,value,Version (do not edit)\nICT01,2019-11,80,{cell}\n"
    response = client.post(reverse("spreadsheet_owner_upload"), {"file": upload(text)})
    assert response.status_code == 400
    assert message in response.context["plan"].errors[0].message
    assert Result.objects.get().value == Decimal("70")


def test_the_performance_teams_import_does_not_take_a_version_column(client, indicators, performance_user):
    client.force_login(performance_user)
    text = "code,period,value,Version (do not edit)\nICT01,2019-11,80,0\n"
    response = client.post(reverse("spreadsheet_import"), {"file": upload(text)})
    assert response.status_code == 400
    assert "Unknown column “Version (do not edit)”" in response.context["plan"].errors[0].message
