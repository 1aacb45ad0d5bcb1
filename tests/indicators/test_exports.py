"""CSV and XLSX downloads: same columns, spreadsheet-safe cells, numbers kept numeric."""

from __future__ import annotations

import csv
import io
from collections import Counter
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from indicators.exports import COLUMNS, KEYS, safe_cell
from indicators.models import Indicator

CSV_URL = "/committees/policy-and-resources/2019-11/dashboard.csv"
XLSX_URL = "/committees/policy-and-resources/2019-11/dashboard.xlsx"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+44 1622", "'+44 1622"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Invoices paid", "Invoices paid"),
        ("", ""),
        (None, ""),
        (Decimal("-5.5"), Decimal("-5.5")),
        (-3, -3),
        (2.5, 2.5),
    ],
)
def test_safe_cell_defuses_formula_text_and_keeps_numbers(value, expected):
    assert safe_cell(value) == expected


def read_csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_csv_download_has_every_row_and_the_counted_rags(client, demo, viewer_user):
    client.force_login(viewer_user)
    response = client.get(CSV_URL)
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="policy-and-resources-2019-11.csv"' in response["Content-Disposition"]
    rows = read_csv(response)
    assert list(rows[0].keys()) == KEYS
    kpis = [r for r in rows if r["kind"] == "kpi"]
    assert len(kpis) == 25 and len(rows) == 35
    assert Counter(r["rag"] for r in kpis) == {"green": 21, "amber": 3, "red": 1}
    ict02 = next(r for r in rows if r["ref"] == "ICT02")
    figures = (ict02["latest_value"], ict02["month_rag"], ict02["target"], ict02["floor"])
    assert figures == ("88.6", "red", "95.0", "90.0")


def test_csv_marks_a_quarterly_value_as_latest_available_with_its_own_period(client, demo, viewer_user):
    client.force_login(viewer_user)
    hr03 = next(r for r in read_csv(client.get(CSV_URL)) if r["ref"] == "HR03")
    assert (hr03["value_period"], hr03["value_status"]) == ("2019-09", "latest available")


def test_csv_download_applies_the_filters(client, demo, viewer_user):
    client.force_login(viewer_user)
    rows = read_csv(client.get(CSV_URL, {"rag": "amber"}))
    assert {r["rag"] for r in rows} == {"amber"} and len(rows) == 3


def test_formula_in_an_indicator_name_is_defused_in_csv_and_xlsx(client, demo, viewer_user):
    Indicator.objects.filter(code="ICT02").update(name='=HYPERLINK("http://evil.example","click")')
    client.force_login(viewer_user)
    ict02 = next(r for r in read_csv(client.get(CSV_URL)) if r["ref"] == "ICT02")
    assert ict02["indicator"] == '\'=HYPERLINK("http://evil.example","click")'
    sheet = load_workbook(io.BytesIO(client.get(XLSX_URL).content)).active
    names = [row[2] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert '\'=HYPERLINK("http://evil.example","click")' in names
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_xlsx_has_the_same_columns_and_numeric_values(client, demo, viewer_user):
    client.force_login(viewer_user)
    response = client.get(XLSX_URL)
    assert 'filename="policy-and-resources-2019-11.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Policy and Resources Cabinet Committee: performance dashboard, November 2019"
    assert list(rows[1]) == [label for _, label in COLUMNS]
    ict02 = next(r for r in rows[2:] if r[1] == "ICT02")
    record = dict(zip(KEYS, ict02, strict=True))
    assert record["latest_value"] == pytest.approx(88.6) and isinstance(record["latest_value"], float)
    assert record["month_rag"] == "red"
    assert len(rows) - 2 == 35


def test_page_csv_and_command_agree_row_by_row_for_november_2019(client, demo, viewer_user):
    from django.core.management import call_command

    client.force_login(viewer_user)
    html = client.get("/committees/policy-and-resources/2019-11/").content.decode()
    rows = read_csv(client.get(CSV_URL))
    out = io.StringIO()
    call_command("dashboard", "--committee", "policy-and-resources", "--period", "2019-11", stdout=out)
    assert list(csv.DictReader(io.StringIO(out.getvalue()))) == rows
    for row in (r for r in rows if r["kind"] == "kpi"):
        cells = html.split(f'id="row-{row["ref"]}"')[1].split("</tr>")[0]
        shown = [rag for rag in ("green", "amber", "red", "none") for _ in range(cells.count(f"kp-rag--{rag}"))]
        assert sorted(shown) == sorted([row["month_rag"] or "none", row["ytd_rag"] or "none"]), row["ref"]
        month_cell = cells.split("kp-rag--")[1]
        assert month_cell.startswith(row["month_rag"] or "none"), row["ref"]


# --- control characters stored before they were refused (issue 15 item 6) ---------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a\x0bb", "a\nb"),
        ("a\x0cb", "a\nb"),
        ("a\x1b[31mb", "a[31mb"),
        ("\x01=1+2", "'=1+2"),
        ("t\tn\nr\r", "t\tn\nr\r"),
    ],
)
def test_safe_cell_removes_characters_no_cell_may_hold_and_turns_words_breaks_into_newlines(value, expected):
    assert safe_cell(value) == expected


def test_every_download_still_answers_when_stored_text_holds_control_characters(
    client, demo, owner_user, performance_user, viewer_user
):
    from datetime import date

    from django.urls import reverse

    from indicators.models import Commentary
    from returns.models import PeriodStatus, ReportingPeriod

    nov = date(2019, 11, 1)
    ict02 = Indicator.objects.get(code="ICT02")
    ict02.owners.add(owner_user)
    Indicator.objects.filter(pk=ict02.pk).update(name="Calls\x1b answered")
    Commentary.objects.update_or_create(indicator=ict02, period=nov, defaults={"text": "Line\x0bbreak \x1b[0m"})
    ReportingPeriod.objects.create(period=nov, status=PeriodStatus.OPEN, deadline=date(2019, 12, 10))

    client.force_login(viewer_user)
    for url in (XLSX_URL, CSV_URL):
        response = client.get(url)
        assert response.status_code == 200, url
    names = [
        row[2] for row in load_workbook(io.BytesIO(client.get(XLSX_URL).content)).active.iter_rows(values_only=True)
    ]
    assert "Calls answered" in names

    client.force_login(performance_user)
    export = client.get(reverse("spreadsheet_export"))
    assert export.status_code == 200
    results = load_workbook(io.BytesIO(export.content))["Results"]
    assert "Line\nbreak [0m" in [row[6] for row in results.iter_rows(values_only=True)]
    assert client.get(reverse("spreadsheet_export_csv", args=["results"])).status_code == 200

    client.force_login(owner_user)
    template = client.get(reverse("spreadsheet_owner_template"))
    assert template.status_code == 200
    rows = load_workbook(io.BytesIO(template.content))["Results"].iter_rows(values_only=True)
    assert "Line\nbreak [0m" in [row[6] for row in rows]
