"""Imports stay bounded: problems listed, sheets' sizes, fields' sizes, stored uploads."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from indicators.models import Directorate, Indicator, Result
from spreadsheets.plan import MAX_ERRORS_SHOWN
from spreadsheets.services import workbook_check

HEADER = "code,period,value\n"


@pytest.fixture
def ict01(db):
    directorate = Directorate.objects.create(name="Corporate", slug="corporate")
    return Indicator.objects.create(code="ICT01", name="Calls resolved", directorate=directorate)


@pytest.fixture(autouse=True)
def _import_dir(settings, tmp_path):
    settings.KPIDASH_IMPORT_DIR = tmp_path / "imports"


def bad_rows(count: int) -> str:
    """`count` rows, each with one problem: a value that is not a number, then an unknown code, in turn."""
    return "".join("ICT01,2019-11,five\n" if n % 2 else f"NOPE{n},2019-11,5\n" for n in range(count))


def csv_path(tmp_path: Path, text: str, name: str = "results.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def pending_files(settings) -> list[str]:
    folder = Path(settings.KPIDASH_IMPORT_DIR)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --- item 5: a file of many bad rows ---------------------------------------------------


def test_a_file_of_a_thousand_bad_rows_lists_the_first_200_and_counts_the_rest_by_column(tmp_path, ict01):
    plan = workbook_check(path=csv_path(tmp_path, HEADER + bad_rows(1000)), file_name="results.csv", user=None)
    assert not plan.ok
    assert plan.error_count == 1000
    assert len(plan.errors) == MAX_ERRORS_SHOWN == 200
    assert [e.row for e in plan.errors[:3]] == [2, 3, 4]
    assert plan.unlisted_errors == [("Results", "code", 400), ("Results", "value", 400)]


def test_the_preview_of_many_bad_rows_says_how_many_and_stays_small(client, ict01, performance_user, settings):
    client.force_login(performance_user)
    file = SimpleUploadedFile("results.csv", (HEADER + bad_rows(5000)).encode())
    response = client.post(reverse("spreadsheet_import"), {"file": file})
    assert response.status_code == 400
    page = response.content.decode()
    assert "results.csv has 5000 problems: nothing was imported" in page
    assert "Problems to correct (the first 200 of 5000)" in page
    assert "The other 4800 problems, by sheet and column" in page
    assert page.count("is not a number") == 100
    assert len(response.content) < 200_000
    assert pending_files(settings) == []
    assert not Result.objects.exists()


def test_a_file_wide_problem_found_after_many_row_problems_is_still_listed_first(tmp_path, ict01, settings):
    settings.KPIDASH_IMPORT_MAX_ROWS = 300
    plan = workbook_check(path=csv_path(tmp_path, HEADER + bad_rows(400)), file_name="results.csv", user=None)
    assert "results.csv has more than 300 rows" in plan.errors[0].message
    assert len(plan.errors) <= MAX_ERRORS_SHOWN


def test_the_import_command_counts_every_error_and_lists_the_first_ones(tmp_path, ict01):
    err = io.StringIO()
    with pytest.raises(CommandError, match="1000 error"):
        call_command("import_workbook", str(csv_path(tmp_path, HEADER + bad_rows(1000))), stderr=err)
    assert err.getvalue().count("\n") == MAX_ERRORS_SHOWN + 2
    assert "Results, code: 400 more error(s), not listed" in err.getvalue()


def xlsx_path(tmp_path: Path, rows: list[list], name: str = "book.xlsx") -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Results"
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def test_a_workbook_sheet_over_the_row_limit_is_refused_before_any_row_is_checked(tmp_path, ict01, settings):
    settings.KPIDASH_IMPORT_MAX_ROWS = 10
    rows = [["code", "period", "value"], *[[f"NOPE{n}", "2019-11", 5] for n in range(30)]]
    plan = workbook_check(path=xlsx_path(tmp_path, rows), file_name="book.xlsx", user=None)
    assert [e.message for e in plan.errors] == ["book.xlsx has more than 10 rows; split it into smaller files."]
    assert plan.error_count == 1


def test_a_csv_file_over_the_row_limit_is_refused_before_any_row_is_checked(tmp_path, ict01, settings):
    settings.KPIDASH_IMPORT_MAX_ROWS = 10
    plan = workbook_check(path=csv_path(tmp_path, HEADER + bad_rows(30)), file_name="results.csv", user=None)
    assert [e.message for e in plan.errors] == ["results.csv has more than 10 rows; split it into smaller files."]


def test_a_value_beyond_column_100_is_refused_but_an_empty_formatted_cell_there_is_ignored(tmp_path, ict01):
    from openpyxl.styles import Font

    path = xlsx_path(tmp_path, [["code", "period", "value"], ["ICT01", "2019-11", 5]])
    from openpyxl import load_workbook

    book = load_workbook(path)
    book["Results"].cell(row=2, column=16384).font = Font(bold=True)  # XFD2: formatted, empty
    book.save(path)
    plan = workbook_check(path=path, file_name="book.xlsx", user=None)
    assert plan.ok, plan.errors
    book["Results"].cell(row=2, column=101, value="stray")
    book.save(path)
    plan = workbook_check(path=path, file_name="book.xlsx", user=None)
    [error] = plan.errors
    assert error.message.startswith("book.xlsx has a value in cell CW2 on sheet Results, beyond column 100;")
    assert "a kpidash sheet has at most 17 columns" in error.message


def test_a_cell_reference_far_to_the_right_is_refused_without_building_the_row(tmp_path, ict01):
    import zipfile

    source = xlsx_path(tmp_path, [["code", "period", "value"], ["ICT01", "2019-11", 5]])
    path = tmp_path / "far.xlsx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w") as new:
        for item in old.infolist():
            data = old.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'r="C2"', b'r="ZZZZ2"')  # column 475,254
            new.writestr(item, data)
    plan = workbook_check(path=path, file_name="far.xlsx", user=None)
    [error] = plan.errors
    assert "has a value in cell ZZZZ2 on sheet Results, beyond column 100" in error.message


def test_a_csv_file_with_values_beyond_column_100_is_refused(tmp_path, ict01):
    text = HEADER.strip() + "," * 120 + "notes\nICT01,2019-11,5\n"
    plan = workbook_check(path=csv_path(tmp_path, text), file_name="results.csv", user=None)
    [error] = plan.errors
    assert error.message.startswith("results.csv has values on line 1, beyond column 100;")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_huge_column_heading_is_refused_clearly(tmp_path, ict01, kind):
    heading = "x" * 5000
    if kind == "csv":
        path = csv_path(tmp_path, f"code,period,{heading}\nICT01,2019-11,5\n")
        where = "results.csv"
    else:
        path = xlsx_path(tmp_path, [["code", "period", heading], ["ICT01", "2019-11", 5]], "results.xlsx")
        where = "Sheet Results of results.xlsx"
    plan = workbook_check(path=path, file_name=path.name, user=None)
    [error] = plan.errors
    assert error.message.startswith(f"{where}: a column heading is 5,000 characters long (“xxxx")
    assert len(error.message) < 300


# --- item 8: an over-long CSV cell ----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "code,period,value,commentary\nICT01,2019-11,5," + "y" * 140_000 + "\n",
        "code,period," + "h" * 140_000 + "\nICT01,2019-11,5\n",
    ],
    ids=["cell", "heading"],
)
def test_a_csv_cell_over_131072_characters_is_refused_and_the_upload_removed(
    client, ict01, performance_user, settings, text
):
    client.force_login(performance_user)
    response = client.post(reverse("spreadsheet_import"), {"file": SimpleUploadedFile("results.csv", text.encode())})
    assert response.status_code == 400
    [error] = response.context["plan"].errors
    assert "results.csv cannot be read as CSV at line" in error.message
    assert "a cell is longer than 131,072 characters" in error.message
    assert pending_files(settings) == []
    assert not Result.objects.exists()


def test_an_upload_whose_check_crashes_is_removed_all_the_same(client, ict01, performance_user, settings, monkeypatch):
    def crash(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("spreadsheets.views.workbook_check", crash)
    client.raise_request_exception = False
    client.force_login(performance_user)
    file = SimpleUploadedFile("results.csv", (HEADER + "ICT01,2019-11,5\n").encode())
    assert client.post(reverse("spreadsheet_import"), {"file": file}).status_code == 500
    assert pending_files(settings) == []


def test_an_upload_whose_import_crashes_at_confirm_is_removed_all_the_same(
    client, ict01, performance_user, settings, monkeypatch
):
    client.force_login(performance_user)
    file = SimpleUploadedFile("results.csv", (HEADER + "ICT01,2019-11,5\n").encode())
    confirm_url = client.post(reverse("spreadsheet_import"), {"file": file}).context["confirm_url"]
    assert len(pending_files(settings)) == 2

    def crash(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("spreadsheets.views.workbook_import", crash)
    client.raise_request_exception = False
    assert client.post(confirm_url).status_code == 500
    assert pending_files(settings) == []


# --- item 9: simultaneous confirms of one upload ---------------------------------------


@pytest.mark.django_db(transaction=True)
def test_four_simultaneous_confirms_of_one_upload_import_it_once_and_tell_the_others_it_was_imported(
    ict01, performance_user, settings, monkeypatch
):
    import threading
    import time

    from django.contrib.messages import get_messages
    from django.test import Client

    from spreadsheets import plan
    from spreadsheets.models import ImportRecord
    from tests.threads import run_together

    def slow_open(*args):
        time.sleep(0.3)  # a big file: every confirm arrives while the first is still reading it
        return real_open(*args)

    real_open = plan.open_workbook
    monkeypatch.setattr(plan, "open_workbook", slow_open)

    first = Client()
    first.force_login(performance_user)
    file = SimpleUploadedFile("results.csv", (HEADER + "ICT01,2019-11,5\n").encode())
    confirm_url = first.post(reverse("spreadsheet_import"), {"file": file}).context["confirm_url"]
    clients = [first]
    for _ in range(3):
        clients.append(Client())
        clients[-1].force_login(performance_user)
    barrier = threading.Barrier(4)
    outcomes: list[tuple[int, list[str]]] = []

    def confirm(client):
        def body():
            barrier.wait(timeout=10)
            response = client.post(confirm_url)
            outcomes.append((response.status_code, [str(m) for m in get_messages(response.wsgi_request)]))

        return body

    assert run_together(*(confirm(client) for client in clients)) == []
    assert sorted(status for status, _ in outcomes) == [302, 302, 302, 302]
    said = sorted(message for _, messages in outcomes for message in messages)
    assert said[0] == "Imported results.csv: 1 row(s) created or updated."
    # Each of the others is told so, whether it came while the first was importing or just after.
    assert len(said) == 4 and all("already imported" in message for message in said[1:])
    assert Result.objects.count() == 1
    assert ImportRecord.objects.count() == 1
    assert pending_files(settings) == []


def test_checking_many_rows_with_the_same_bad_cell_holds_no_memory_per_row(tmp_path, ict01):
    import tracemalloc

    path = csv_path(tmp_path, HEADER + "ICT01,2019-13,5\n" * 30_000)  # one bad period, parsed once and raised again
    tracemalloc.start()
    try:
        plan = workbook_check(path=path, file_name="results.csv", user=None)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert plan.error_count == 30_000
    assert peak < 4_000_000, f"{peak / 1e6:.1f} MB"


def test_an_upload_that_fails_while_being_stored_leaves_nothing_behind(ict01, performance_user, settings):
    from spreadsheets.uploads import upload_store

    class Broken:
        name = "results.csv"

        def chunks(self):
            yield b"code,period,value\n"
            raise OSError("No space left on device")

    with pytest.raises(OSError):
        upload_store(uploaded_file=Broken(), user=performance_user, owner=False)
    assert pending_files(settings) == []


def test_a_problem_quoting_a_huge_cell_is_shortened_in_the_list(tmp_path, ict01):
    path = csv_path(tmp_path, HEADER + ("ICT01,2019-11," + "9x" * 50_000 + "\n") * 40)
    plan = workbook_check(path=path, file_name="results.csv", user=None)
    assert plan.error_count == 40
    assert all(len(error.message) <= 1000 for error in plan.errors)
    assert plan.errors[0].message.startswith("'9x9x9x") and plan.errors[0].message.endswith("…")
