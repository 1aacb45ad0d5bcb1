"""The workbook format: reading uploads (safely) and writing exports."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from spreadsheets.workbook import (
    RESULTS,
    WorkbookError,
    normalise,
    open_workbook,
    sheet_name,
    write_csv,
    write_xlsx,
)

LIBREOFFICE = shutil.which("libreoffice") or shutil.which("soffice")


def xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def rows_of(path: Path, name: str = "x.xlsx") -> dict[str, list]:
    return {sheet.name: [values for _, values in sheet.rows] for sheet in open_workbook(path, name)}


def test_column_names_ignore_case_and_spacing():
    assert normalise(" Financial Year ") == "financial_year"
    assert normalise("YTD-method") == "ytd_method"
    assert sheet_name(" results ") == RESULTS


def test_cells_come_back_as_text_numbers_and_dates(tmp_path):
    path = xlsx(tmp_path / "a.xlsx", {"Results": [["code", "period", "value"], ["ICT01", date(2019, 11, 1), 85.5]]})
    [sheet] = open_workbook(path, "a.xlsx")
    assert sheet.columns == ["code", "period", "value"]
    assert list(sheet.rows) == [(2, ["ICT01", date(2019, 11, 1), Decimal("85.5")])]


def test_empty_cells_keep_later_cells_in_their_columns(tmp_path):
    path = xlsx(tmp_path / "a.xlsx", {"Results": [["code", "period", "value", "commentary"], ["A", None, None, "x"]]})
    assert rows_of(path)["Results"] == [["A", None, None, "x"]]


def test_a_formula_cell_is_refused_with_its_reference(tmp_path):
    path = xlsx(tmp_path / "f.xlsx", {"Results": [["code", "period", "value"], ["ICT01", "2019-11", "=1+1"]]})
    with pytest.raises(WorkbookError, match="Cell C2 on sheet Results holds a formula"):
        rows_of(path)


def test_a_text_file_renamed_xlsx_is_refused(tmp_path):
    path = tmp_path / "notes.xlsx"
    path.write_text("These are my notes, not a spreadsheet.")
    with pytest.raises(WorkbookError, match="notes.xlsx is not a spreadsheet"):
        open_workbook(path, "notes.xlsx")


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(WorkbookError, match="a zip file but not an Excel workbook"):
        open_workbook(path, "archive.xlsx")


def test_an_oversized_file_is_refused_before_it_is_read(tmp_path, settings):
    settings.KPIDASH_IMPORT_MAX_BYTES = 1000
    path = xlsx(tmp_path / "big.xlsx", {"Results": [["code"], *[[f"X{n}"] for n in range(500)]]})
    with pytest.raises(WorkbookError, match=r"the largest file accepted is 0\.0 MB"):
        open_workbook(path, "big.xlsx")


def test_a_zip_bomb_is_refused(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 300_000_000)
    assert path.stat().st_size < 1_000_000
    with pytest.raises(WorkbookError, match="zip bomb"):
        open_workbook(path, "bomb.xlsx")


def test_xml_with_entity_declarations_is_refused(tmp_path):
    source = xlsx(tmp_path / "ok.xlsx", {"Results": [["code"], ["A"]]})
    path = tmp_path / "laughs.xlsx"
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>'
    )
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as copy:
        for item in original.infolist():
            data = laughs if item.filename == "xl/worksheets/sheet1.xml" else original.read(item)
            copy.writestr(item, data)
    with pytest.raises(WorkbookError, match="damaged or unsafe"):
        rows_of(path)


def test_rows_beyond_the_limit_are_refused_while_streaming(tmp_path, settings):
    settings.KPIDASH_IMPORT_MAX_ROWS = 3
    path = xlsx(tmp_path / "rows.xlsx", {"Results": [["code"], *[[f"X{n}"] for n in range(5)]]})
    with pytest.raises(WorkbookError, match="more than 3 rows"):
        rows_of(path)


def test_a_csv_file_is_one_sheet_named_by_its_columns(tmp_path):
    path = tmp_path / "upload.csv"
    path.write_text("\ufeffCode,Financial Year,Target\nICT01,2019/20,90\n", encoding="utf-8")
    [sheet] = open_workbook(path, "upload.csv")
    assert sheet.name == "Thresholds"
    assert list(sheet.rows) == [(2, ["ICT01", "2019/20", "90"])]


@pytest.mark.skipif(LIBREOFFICE is None, reason="LibreOffice is not installed")
def test_a_workbook_made_by_libreoffice_reads_with_shared_strings_and_date_cells(tmp_path):
    csv_path = tmp_path / "results.csv"
    csv_path.write_text("Code,Period,Value\nICT01,2019-11,85.5\nICT02,2019-09-01,12\n")
    subprocess.run(
        [
            LIBREOFFICE,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(tmp_path),
            str(csv_path),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    [sheet] = open_workbook(tmp_path / "results.xlsx", "results.xlsx")
    assert sheet_name(sheet.name) == RESULTS
    assert list(sheet.rows) == [
        (2, ["ICT01", "2019-11", Decimal("85.5")]),
        (3, ["ICT02", date(2019, 9, 1), Decimal("12")]),
    ]


def test_export_neutralises_formula_text_and_keeps_numbers_numeric(tmp_path):
    out = io.BytesIO()
    rows = [["code", "name", "value"], ["X1", '=HYPERLINK("http://evil")', Decimal("-5")], ["X2", "@SUM", None]]
    write_xlsx(out, {"Results": iter(rows)})
    sheet = load_workbook(io.BytesIO(out.getvalue()))["Results"]
    assert sheet["B2"].value == '\'=HYPERLINK("http://evil")'
    assert sheet["B2"].data_type == "s"
    assert sheet["C2"].value == -5 and sheet["C2"].data_type == "n"
    assert sheet["B3"].value == "'@SUM"


def test_csv_export_neutralises_every_formula_start(tmp_path):
    out = io.StringIO()
    write_csv(out, [["name", "value"], *[[f"{start}x", Decimal("-1.50")] for start in "=+-@\t\r"]])
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert rows[1] == ["'=x", "-1.50"]
    assert [row[0] for row in rows[1:]] == [f"'{start}x" for start in "=+-@\t\r"]
