"""The import service: all-or-nothing, specific errors, round trips, history and the commands."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from indicators.dashboard import build_dashboard
from indicators.models import Commentary, Directorate, Indicator, Result, Threshold
from indicators.periods import add_months, format_period
from indicators.rules import Rag
from spreadsheets.models import ImportRecord
from spreadsheets.services import workbook_check, workbook_import
from spreadsheets.workbook import export_sheets, write_xlsx

LIBREOFFICE = shutil.which("libreoffice") or shutil.which("soffice")
RESULTS_HEADER = "code,period,value,numerator,denominator,commentary\n"


@pytest.fixture
def directorate(db):
    return Directorate.objects.create(name="Strategic and Corporate Services", slug="scs")


@pytest.fixture
def ict01(directorate):
    return Indicator.objects.create(code="ICT01", name="Calls resolved", directorate=directorate, polarity="H")


@pytest.fixture
def quarterly(directorate):
    return Indicator.objects.create(code="Q01", name="Quarterly", directorate=directorate, frequency="quarterly")


def csv_file(tmp_path: Path, text: str, name: str = "results.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def export_to(path: Path) -> Path:
    with path.open("wb") as out:
        write_xlsx(out, export_sheets())
    return path


def messages(plan) -> list[str]:
    return [f"{e.sheet}|{e.row}|{e.column}|{e.message}" for e in plan.errors]


def test_results_csv_creates_results_with_history_and_a_record(tmp_path, ict01, performance_user):
    path = csv_file(tmp_path, RESULTS_HEADER + "ICT01,2019-11,85.5,,,Good month\nICT01,2019-10,,17,20,\n")
    plan = workbook_import(path=path, file_name="results.csv", user=performance_user)
    assert plan.applied and plan.counts["Results"].created == 2
    assert Result.objects.get(period=date(2019, 10, 1)).value == Decimal("85")
    assert Commentary.objects.get(period=date(2019, 11, 1)).text == "Good month"
    history = Result.history.filter(period=date(2019, 11, 1)).get()
    assert (history.history_type, history.history_user, history.history_change_reason) == (
        "+",
        performance_user,
        "Imported from results.csv",
    )
    record = ImportRecord.objects.get()
    assert (record.user, record.file_name, record.counts["Results"]["created"]) == (performance_user, "results.csv", 2)


def test_importing_the_same_file_again_changes_nothing(tmp_path, ict01, performance_user):
    path = csv_file(tmp_path, RESULTS_HEADER + "ICT01,2019-11,85.5,,,Good month\n")
    workbook_import(path=path, file_name="results.csv", user=performance_user)
    history = Result.history.count()
    again = workbook_import(path=path, file_name="results.csv", user=performance_user)
    assert again.counts["Results"].unchanged == 1 and again.total_changed == 0
    assert Result.history.count() == history


def test_changed_commentary_sends_an_approved_return_back_and_forgets_its_approval(tmp_path, ict01, performance_user):
    Result.objects.create(indicator=ict01, period=date(2019, 11, 1), value=Decimal(80))
    approved = Commentary.objects.create(
        indicator=ict01,
        period=date(2019, 11, 1),
        text="Fine.",
        status="approved",
        approver=performance_user,
        approved_at=timezone.now(),
    )
    path = csv_file(tmp_path, RESULTS_HEADER + "ICT01,2019-11,80,,,Better explained.\n")

    workbook_import(path=path, file_name="results.csv", user=performance_user)

    approved.refresh_from_db()
    assert (approved.text, approved.status, approved.approver, approved.approved_at) == (
        "Better explained.",
        "submitted",
        None,
        None,
    )


def test_a_changed_value_updates_the_result_and_its_history(tmp_path, ict01, performance_user):
    Result.objects.create(indicator=ict01, period=date(2019, 11, 1), value=Decimal(80))
    path = csv_file(tmp_path, RESULTS_HEADER + "ICT01,2019-11,85.5,,,\n")
    plan = workbook_import(path=path, file_name="results.csv", user=performance_user)
    assert plan.counts["Results"].updated == 1
    assert Result.objects.get().value == Decimal("85.5")
    assert Result.history.latest("history_date").history_type == "~"


def test_a_changed_figure_sends_an_approved_return_back_for_review(tmp_path, ict01, performance_user):
    Result.objects.create(indicator=ict01, period=date(2019, 11, 1), value=Decimal(80))
    approved = Commentary.objects.create(
        indicator=ict01,
        period=date(2019, 11, 1),
        text="Fine.",
        status="approved",
        approver=performance_user,
        approved_at=timezone.now(),
    )
    path = csv_file(tmp_path, RESULTS_HEADER + "ICT01,2019-11,85.5,,,\n")

    workbook_import(path=path, file_name="results.csv", user=performance_user)

    approved.refresh_from_db()
    assert approved.status == "submitted"
    assert (approved.approver, approved.approved_at) == (None, None)  # as the return form does
    assert approved.version == 1
    assert "figure changed after approval" in approved.history.latest("history_date").history_change_reason


FUTURE = format_period(add_months(timezone.localdate().replace(day=1), 1))


@pytest.mark.parametrize(
    ("bad_row", "column", "message"),
    [
        ("NOPE1,2019-11,5,,,", "code", "Unknown indicator code “NOPE1”."),
        ("Q01,2019-11,5,,,", "period", "Quarterly indicators report only on quarter ends"),
        ("ICT01,2019-11,lots,,,", "value", "'lots' is not a number."),
        ("ICT01,2019-10,5,,,", "period", "Duplicate row: ICT01 2019-10 is already on row 2."),
        (f"ICT01,{FUTURE},5,,,", "period", "is in the future."),
        ("ICT01,2019-13,5,,,", "period", "'2019-13' is not a valid period: month must be 01–12"),
        ("ICT01,2019-11,,5,,", "denominator", "Enter the denominator too, or neither."),
        ("ICT01,2019-11,,5,0,", "denominator", "The denominator cannot be zero."),
        ("ICT01,2019-11,120,,,", "value", "A percentage must be between 0 and 100; 120 is not."),
        ("ICT01,2019-11,,21,20,", "numerator", "The numerator (21) must not be more than the denominator (20)"),
    ],
)
def test_each_bad_result_row_gets_its_own_error_and_nothing_is_written(
    tmp_path, ict01, quarterly, performance_user, bad_row, column, message
):
    path = csv_file(tmp_path, RESULTS_HEADER + "ICT01,2019-10,5,,,\n" + bad_row + "\n")
    plan = workbook_import(path=path, file_name="results.csv", user=performance_user)
    assert not plan.applied
    [error] = plan.errors
    assert (error.sheet, error.row, error.column) == ("Results", 3, column)
    assert message in error.message
    assert not Result.objects.exists() and not ImportRecord.objects.exists()


def test_a_floor_on_the_wrong_side_of_the_target_is_refused(tmp_path, ict01, performance_user):
    text = "code,financial_year,target,floor\nICT01,2019/20,90,95\n"
    plan = workbook_import(path=csv_file(tmp_path, text, "thresholds.csv"), file_name="t.csv", user=performance_user)
    assert messages(plan) == [
        "Thresholds|2|floor|For a higher-is-better indicator the floor standard (95) must not be above the target (90)."
    ]
    assert not Threshold.objects.exists()


def test_unknown_columns_are_reported_not_dropped(tmp_path, ict01, performance_user):
    path = csv_file(tmp_path, "Code, Period ,VALUE,notes\nICT01,2019-11,5,hello\n")
    plan = workbook_check(path=path, file_name="results.csv", user=performance_user)
    assert messages(plan) == [
        "Results|1|notes|Unknown column “notes”: the Results sheet has code, name, period, value, numerator, "
        "denominator, commentary."
    ]


def test_a_column_twice_and_a_missing_key_column_are_reported_by_heading(tmp_path, ict01, performance_user):
    path = csv_file(tmp_path, "Code,VALUE,Value\nICT01,5,6\n")
    plan = workbook_check(path=path, file_name="results.csv", user=performance_user)
    assert messages(plan) == [
        "Results|1|Value|The column Value appears twice.",
        "Results|1|period|The Results sheet needs a period column.",
    ]


def test_a_formula_cell_stops_the_whole_import(tmp_path, ict01, performance_user):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Results"
    book.active.append(["code", "period", "value"])
    book.active.append(["ICT01", "2019-10", 5])
    book.active.append(["ICT01", "2019-11", "=A1*2"])
    book.save(tmp_path / "f.xlsx")
    plan = workbook_import(path=tmp_path / "f.xlsx", file_name="f.xlsx", user=performance_user)
    assert "Cell C3 on sheet Results holds a formula" in plan.errors[0].message
    assert not Result.objects.exists()


def test_a_text_file_renamed_xlsx_gets_a_clear_error(tmp_path, performance_user):
    path = csv_file(tmp_path, "hello", "data.xlsx")
    plan = workbook_import(path=path, file_name="data.xlsx", user=performance_user)
    assert messages(plan) == ["|0||data.xlsx is not a spreadsheet: upload an Excel workbook (.xlsx) or a CSV file."]
    assert not plan.applied and not ImportRecord.objects.exists()


def test_an_oversized_file_gets_a_clear_error(tmp_path, performance_user, settings):
    settings.KPIDASH_IMPORT_MAX_BYTES = 10
    path = csv_file(tmp_path, RESULTS_HEADER + "ICT01,2019-11,5,,,\n")
    plan = workbook_import(path=path, file_name="results.csv", user=performance_user)
    assert "the largest file accepted is" in plan.errors[0].message
    assert not Result.objects.exists() and not ImportRecord.objects.exists()


def test_new_indicators_thresholds_and_results_import_together(tmp_path, directorate, owner_user, performance_user):
    book = tmp_path / "new.xlsx"
    with book.open("wb") as out:
        write_xlsx(
            out,
            {
                "Indicators": iter(
                    [
                        ["Code", "Name", "Kind", "Polarity", "Unit", "Directorate", "Owners"],
                        [
                            "NEW1",
                            "New one",
                            "KPI",
                            "l",
                            "days",
                            "strategic and corporate services",
                            "test-owner@example.gov.uk",
                        ],
                    ]
                ),
                "Thresholds": iter([["code", "financial_year", "target", "floor"], ["NEW1", "2019/20", 10, 15]]),
                "Results": iter([["code", "period", "value"], ["NEW1", "2019-11", 12]]),
            },
        )
    plan = workbook_import(path=book, file_name="new.xlsx", user=performance_user)
    assert plan.applied, messages(plan)
    indicator = Indicator.objects.get(code="NEW1")
    assert (indicator.polarity, indicator.unit, list(indicator.owners.all())) == ("L", "days", [owner_user])
    assert indicator.history.first().history_change_reason == "Imported from new.xlsx"
    assert Threshold.objects.get(indicator=indicator).floor == 15
    assert Result.objects.get(indicator=indicator).value == 12


def test_export_then_import_changes_nothing(tmp_path, demo, performance_user):
    path = export_to(tmp_path / "all.xlsx")
    plan = workbook_import(path=path, file_name="all.xlsx", user=performance_user)
    assert plan.ok, messages(plan)[:5]
    assert plan.total_changed == 0
    assert plan.counts["Results"].unchanged == Result.objects.count()


def test_export_round_trips_losslessly_into_an_empty_database(tmp_path, demo, performance_user):
    first = export_to(tmp_path / "first.xlsx")
    before = {name: list(rows) for name, rows in export_sheets().items()}
    Indicator.objects.all().delete()
    plan = workbook_import(path=first, file_name="first.xlsx", user=performance_user)
    assert plan.applied, messages(plan)[:5]
    after = {name: list(rows) for name, rows in export_sheets().items()}
    assert after == before


@pytest.mark.skipif(LIBREOFFICE is None, reason="LibreOffice is not installed")
def test_a_workbook_made_by_libreoffice_imports(tmp_path, ict01, quarterly, performance_user):
    csv_path = csv_file(tmp_path, "Code,Period,Value,Commentary\nICT01,2019-11,85.5,Fine\nQ01,2019-09-01,12,\n")
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
    plan = workbook_import(path=tmp_path / "results.xlsx", file_name="results.xlsx", user=performance_user)
    assert plan.applied, messages(plan)
    assert {(r.indicator.code, r.period, r.value) for r in Result.objects.all()} == {
        ("ICT01", date(2019, 11, 1), Decimal("85.5")),
        ("Q01", date(2019, 9, 1), Decimal("12")),
    }


SCHEMES = [
    # code, scheme, target, floor, green, amber, unit, value, last year, expected month RAG
    ("S-FLOOR", "floor", 90, 80, None, None, None, 85, None, Rag.AMBER),
    ("S-TOL", "tolerance", 100, None, 5, 10, "percent", 96, None, Rag.GREEN),
    ("S-TARGET", "target_only", 50, None, None, None, None, 49, None, Rag.RED),
    ("S-TREND", "tolerance_trend", 100, None, 5, None, "percent", 80, 70, Rag.AMBER),
    ("S-DATA", "data_only", None, None, None, None, None, 42, None, Rag.NONE),
]


def test_one_indicator_per_scheme_imports_rates_and_round_trips(tmp_path, directorate, performance_user):
    indicators = [["code", "name", "unit", "directorate"]]
    thresholds = [
        ["code", "financial_year", "target", "floor", "scheme", "green_tolerance", "amber_tolerance", "tolerance_unit"]
    ]
    results = [["code", "period", "value"]]
    for code, scheme, target, floor, green, amber, unit, value, last_year, _ in SCHEMES:
        indicators.append([code, f"{scheme} indicator", "number", directorate.name])
        thresholds.append([code, "2019/20", target, floor, scheme, green, amber, unit])
        thresholds.append([code, "2018/19", target, floor, scheme, green, amber, unit])
        results.append([code, "2019-11", value])
        if last_year is not None:
            results.append([code, "2018-11", last_year])
    path = tmp_path / "schemes.xlsx"
    with path.open("wb") as out:
        write_xlsx(out, {"Indicators": iter(indicators), "Thresholds": iter(thresholds), "Results": iter(results)})
    plan = workbook_import(path=path, file_name="schemes.xlsx", user=performance_user)
    assert plan.applied, messages(plan)

    dashboard = build_dashboard(Indicator.objects.filter(code__startswith="S-"), date(2019, 11, 1))
    rags = {row.indicator.code: row.month_rag for row in dashboard.kpis}
    assert rags == {code: expected for code, *_, expected in SCHEMES}

    again = export_to(tmp_path / "again.xlsx")
    replan = workbook_import(path=again, file_name="again.xlsx", user=performance_user)
    assert replan.ok and replan.total_changed == 0


def test_blank_scheme_means_the_organisation_default(tmp_path, ict01, performance_user, settings):
    settings.KPIDASH_DEFAULT_SCHEME = "target_only"
    text = "code,financial_year,target,scheme\nICT01,2019/20,90,\n"
    workbook_import(path=csv_file(tmp_path, text, "thresholds.csv"), file_name="t.csv", user=performance_user)
    threshold = Threshold.objects.get()
    assert threshold.scheme == ""
    assert threshold.rule("H").scheme == "target_only"


def test_import_command_prints_counts_and_fails_on_any_error(tmp_path, ict01):
    good = csv_file(tmp_path, RESULTS_HEADER + "ICT01,2019-11,5,,,\n")
    out = io.StringIO()
    call_command("import_workbook", str(good), "--dry-run", stdout=out)
    assert "Results: 1 created, 0 updated, 0 unchanged" in out.getvalue()
    assert not Result.objects.exists()
    call_command("import_workbook", str(good), stdout=io.StringIO())
    assert Result.objects.count() == 1
    assert ImportRecord.objects.get().source == ImportRecord.Source.COMMAND

    bad = csv_file(tmp_path, RESULTS_HEADER + "ICT99,2019-11,5,,,\n", "bad.csv")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_workbook", str(bad), stderr=err)
    assert "Results, row 2, code: Unknown indicator code “ICT99”." in err.getvalue()


def test_export_command_writes_a_workbook_the_import_accepts(tmp_path, ict01, performance_user):
    Result.objects.create(indicator=ict01, period=date(2019, 11, 1), value=Decimal(5))
    call_command("export_workbook", str(tmp_path / "all.xlsx"), stdout=io.StringIO())
    call_command("export_workbook", str(tmp_path / "results.csv"), "--sheet", "results", stdout=io.StringIO())
    assert (tmp_path / "results.csv").read_text(encoding="utf-8-sig").splitlines()[1] == (
        "ICT01,Calls resolved,2019-11,5,,,"
    )
    for name in ("all.xlsx", "results.csv"):
        plan = workbook_check(path=tmp_path / name, file_name=name, user=performance_user)
        assert plan.ok and plan.total_changed == 0, messages(plan)


def test_rows_of_a_new_indicator_with_errors_point_back_to_it(tmp_path, directorate, performance_user):
    book = tmp_path / "new.xlsx"
    with book.open("wb") as out:
        write_xlsx(
            out,
            {
                "Indicators": iter(
                    [["code", "name", "polarity", "directorate"], ["NEW2", "New", "up", directorate.name]]
                ),
                "Results": iter([["code", "period", "value"], ["NEW2", "2019-11", 1]]),
            },
        )
    plan = workbook_check(path=book, file_name="new.xlsx", user=performance_user)
    assert messages(plan) == [
        "Indicators|2|polarity|'up' is not allowed: use one of H, L, T.",
        "Results|2|code|Correct the errors in indicator NEW2 on the Indicators sheet first.",
    ]


def test_the_admin_resources_still_import_and_export_the_workbook_columns(ict01, owner_user):
    import tablib

    from spreadsheets.resources import IndicatorResource, ResultResource

    dataset = tablib.Dataset(headers=["code", "period", "value", "numerator", "denominator", "commentary"])
    dataset.append(["ICT01", "2019-11", "5", "", "", ""])
    result = ResultResource().import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert Result.objects.get().value == 5
    assert ResultResource().export().headers == ["code", "period", "value", "numerator", "denominator", "commentary"]

    ict01.owners.add(owner_user)
    exported = IndicatorResource().export().dict[0]
    assert (exported["code"], exported["owners"], exported["directorate"]) == (
        "ICT01",
        "test-owner",
        "Strategic and Corporate Services",
    )


def many_rows(indicator_codes: list[str], months: int) -> str:
    start = date(2000, 1, 1)
    lines = [f"{code},{format_period(add_months(start, m))},{m},,," for code in indicator_codes for m in range(months)]
    return RESULTS_HEADER + "\n".join(lines) + "\n"


def test_a_bad_row_after_thousands_of_good_ones_still_writes_nothing(tmp_path, directorate, performance_user):
    codes = [f"M{n}" for n in range(25)]
    for code in codes:
        Indicator.objects.create(code=code, name=code, directorate=directorate, unit="number")
    text = many_rows(codes, 200) + "M0,2000-13,5,,,\n"
    plan = workbook_import(path=csv_file(tmp_path, text), file_name="results.csv", user=performance_user)
    assert messages(plan) == ["Results|5002|period|'2000-13' is not a valid period: month must be 01–12"]
    assert not Result.objects.exists() and not Result.history.exists()
    good = workbook_import(path=csv_file(tmp_path, many_rows(codes, 200)), file_name="r.csv", user=performance_user)
    assert good.applied and Result.objects.count() == Result.history.count() == 5000


def test_a_failure_while_writing_rolls_everything_back(tmp_path, ict01, performance_user, monkeypatch):
    from django.db import connection

    from spreadsheets import apply

    if connection.vendor != "postgresql":
        pytest.skip("the streaming writer runs on PostgreSQL")

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(apply, "_copy_history", fail)
    text = "code,financial_year,target,floor\nICT01,2019/20,90,80\n"
    workbook_import(path=csv_file(tmp_path, text, "thresholds.csv"), file_name="t.csv", user=performance_user)
    plan = workbook_import(
        path=csv_file(tmp_path, RESULTS_HEADER + "ICT01,2019-11,5,,,\n"), file_name="r.csv", user=performance_user
    )
    assert not plan.applied
    assert "could not be saved (RuntimeError: disk full), so nothing was imported." in plan.errors[0].message
    assert not Result.objects.exists() and not ImportRecord.objects.filter(file_name="r.csv").exists()
