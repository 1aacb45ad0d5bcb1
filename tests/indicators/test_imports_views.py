"""Spreadsheet pages: who may use them, upload → preview → confirm, and owner templates."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from indicators.models import Commentary, CommentaryStatus, Directorate, ImportRecord, Indicator, Result
from returns.models import PeriodStatus, ReportingPeriod
from tests.conftest import make_user

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


PERSONAS = ["owner_user", "other_owner_user", "performance_user", "clerk_user", "viewer_user", None]


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
    assert rows[0] == ("code", "name", "period", "value", "numerator", "denominator", "commentary")
    assert rows[1:] == [("ICT01", "Calls resolved", "2019-11", 7, None, None, None)]


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
