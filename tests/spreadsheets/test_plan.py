"""The import checks every rule the database and the return form enforce, at the preview."""

from __future__ import annotations

import codecs
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.models import Commentary, CommentaryStatus, Indicator, Phase, Result, Threshold
from indicators.periods import add_months
from returns.models import PeriodStatus, ReportingPeriod
from returns.services import ReturnError, return_save
from spreadsheets.models import ImportRecord
from spreadsheets.services import workbook_check, workbook_import
from tests.spreadsheets.test_councilplan import append, edit, export_to, read_back
from tests.spreadsheets.test_services import RESULTS_HEADER, csv_file, messages
from tests.spreadsheets.test_services import directorate as _directorate
from tests.spreadsheets.test_services import ict01 as _ict01
from tests.spreadsheets.test_views import NOV, upload
from tests.spreadsheets.test_views import indicators as _indicators
from tests.spreadsheets.test_views import periods as _periods

directorate, ict01, indicators, periods = _directorate, _ict01, _indicators, _periods

INDICATORS_HEADER = "code,name,directorate\n"
DIRECTORATE = "Strategic and Corporate Services"


@pytest.fixture(autouse=True)
def _import_dir(settings, tmp_path):
    settings.KPIDASH_IMPORT_DIR = tmp_path / "imports"


@pytest.fixture
def count01(directorate):
    return Indicator.objects.create(code="NUM01", name="Visits", directorate=directorate, unit="number")


# --- codes (issue 15 item 2) and lengths (item 10) ------------------------------------------


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("ZZ/01", "“ZZ/01” cannot be a code: use letters and digits, optionally separated by “-”, “_” or “.”"),
        ("ZZ 01", "“ZZ 01” cannot be a code"),
        ("X" * 21, "Ensure this value has at most 20 characters (it has 21)."),
    ],
)
def test_an_indicator_code_the_site_cannot_link_to_or_store_is_refused_at_the_preview(
    tmp_path, directorate, performance_user, code, message
):
    path = csv_file(tmp_path, INDICATORS_HEADER + f"{code},Broken,{DIRECTORATE}\n", "indicators.csv")
    plan = workbook_check(path=path, file_name="indicators.csv", user=performance_user)
    [error] = plan.errors
    assert (error.sheet, error.row, error.column) == ("Indicators", 2, "code") and message in error.message
    plan = workbook_import(path=path, file_name="indicators.csv", user=performance_user)
    assert not plan.applied and not Indicator.objects.exists()


def test_every_field_length_of_an_indicator_is_checked_at_the_preview(tmp_path, directorate, performance_user):
    path = csv_file(tmp_path, INDICATORS_HEADER + f"OK01,{'n' * 301},{DIRECTORATE}\n", "indicators.csv")
    plan = workbook_check(path=path, file_name="indicators.csv", user=performance_user)
    assert messages(plan) == ["Indicators|2|name|Ensure this value has at most 300 characters (it has 301)."]


def test_a_code_with_the_documented_separators_imports_and_its_pages_answer(
    client, tmp_path, directorate, performance_user
):
    path = csv_file(tmp_path, INDICATORS_HEADER + f"ASC_3.1-b,Separators,{DIRECTORATE}\n", "indicators.csv")
    assert workbook_import(path=path, file_name="indicators.csv", user=performance_user).applied
    client.force_login(performance_user)
    assert client.get(reverse("indicator_detail", args=["ASC_3.1-b"])).status_code == 200


# --- numbers (item 12), denominators (item 13), value and fraction ------------------------------


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ("1,2,3,,", "value", "'1,2,3' is not a number: a comma may only separate thousands"),
        ("12,5,,", "value", "'12,5' is not a number: a comma may only separate thousands"),
        (",-900,-2", "denominator", "The denominator must be more than zero; -2 is not"),
        (",900,-2", "denominator", "The denominator must be more than zero; -2 is not"),
        ("7,3,2", "value", "The value (7) does not match the numerator and denominator (3 / 2 gives 1.5)"),
    ],
)
def test_a_stray_comma_a_negative_denominator_or_a_disagreeing_value_is_refused(
    tmp_path, count01, performance_user, cells, column, message
):
    Indicator.objects.filter(pk=count01.pk).update(numerator_le_denominator=False)
    quoted = ",".join(f'"{cell}"' if "," in cell else cell for cell in _split(cells))
    path = csv_file(tmp_path, "code,period,value,numerator,denominator\n" + f"NUM01,2019-11,{quoted}\n")
    plan = workbook_import(path=path, file_name="results.csv", user=performance_user)
    assert not plan.applied and not Result.objects.exists()
    [error] = plan.errors
    assert error.column == column and message in error.message


def _split(cells: str) -> list[str]:
    """'1,2,3,,' → the value '1,2,3' and two blanks; otherwise three cells."""
    parts = cells.split(",")
    return [",".join(parts[:-2]), *parts[-2:]] if len(parts) > 3 else parts


def test_numbers_with_thousands_commas_are_read_as_the_form_reads_them(tmp_path, count01, performance_user):
    path = csv_file(tmp_path, 'code,period,value\nNUM01,2019-11,"1,234,567.5"\nNUM01,2019-10,"1,234"\n')
    assert workbook_import(path=path, file_name="results.csv", user=performance_user).applied
    assert sorted(Result.objects.values_list("value", flat=True)) == [Decimal("1234"), Decimal("1234567.5")]


def test_an_export_holding_both_value_and_fraction_imports_unchanged(tmp_path, ict01, performance_user):
    Result.objects.create(indicator=ict01, period=NOV, value=Decimal("33.333333"), numerator=1, denominator=3)
    path = csv_file(tmp_path, RESULTS_HEADER + "ICT01,2019-11,33.333333,1,3,\n")
    plan = workbook_import(path=path, file_name="results.csv", user=performance_user)
    assert plan.ok and plan.counts["Results"].unchanged == 1


# --- commentary: control characters (item 6) and the limit (item 11) -----------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Line\x0bbreak", "control character (U+000B, vertical tab, Word's line break) at character 5"),
        ("\x1b[31mRed", "control character (U+001B, escape) at character 1"),
        ("x" * 5001, "Keep the commentary to 5,000 characters or fewer; it has 5,001."),
    ],
)
def test_the_performance_teams_import_refuses_commentary_the_return_form_would(
    tmp_path, ict01, performance_user, text, message
):
    path = csv_file(tmp_path, RESULTS_HEADER + f"ICT01,2019-11,85,,,{text}\n")
    plan = workbook_import(path=path, file_name="results.csv", user=performance_user)
    assert not plan.applied and not Result.objects.exists() and not Commentary.objects.exists()
    [error] = plan.errors
    assert error.column == "commentary" and message in error.message


def test_control_characters_in_an_indicators_text_are_refused(tmp_path, directorate, performance_user):
    path = csv_file(tmp_path, INDICATORS_HEADER + f"OK01,Bell\x07name,{DIRECTORATE}\n", "indicators.csv")
    plan = workbook_check(path=path, file_name="indicators.csv", user=performance_user)
    [error] = plan.errors
    assert error.column == "name" and "U+0007" in error.message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x" * 5001, "Keep the commentary to 5,000 characters or fewer; it has 5,001."),
        ("Pasted\x0bfrom Word", "control character (U+000B"),
    ],
)
def test_an_owner_upload_keeps_to_the_return_forms_commentary_rules(
    client, indicators, periods, owner_user, text, message
):
    client.force_login(owner_user)
    response = client.post(
        reverse("spreadsheet_owner_upload"), {"file": upload(RESULTS_HEADER + f"ICT01,2019-11,85,,,{text}\n")}
    )
    assert response.status_code == 400
    [error] = response.context["plan"].errors
    assert error.column == "commentary" and message in error.message
    assert not Result.objects.exists() and not Commentary.objects.exists() and not ImportRecord.objects.exists()


# --- UTF-16 (item 16) ------------------------------------------------------------------------------


@pytest.mark.parametrize(("bom", "encoding"), [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")])
@pytest.mark.parametrize("separator", [",", "\t"])
def test_a_utf16_csv_or_unicode_text_file_from_excel_is_read(
    tmp_path, ict01, performance_user, bom, encoding, separator
):
    text = separator.join(["code", "period", "value", "commentary"]) + "\r\n"
    text += separator.join(["ICT01", "2019-11", "85.5", "Diolch – ŵ"]) + "\r\n"
    path = tmp_path / "results.csv"
    path.write_bytes(bom + text.encode(encoding))
    plan = workbook_import(path=path, file_name="results.csv", user=performance_user)
    assert plan.applied, messages(plan)
    assert Result.objects.get().value == Decimal("85.5")
    assert Commentary.objects.get().text == "Diolch – ŵ"


def test_a_utf16_csv_without_its_mark_is_refused_saying_to_save_it_as_utf8(tmp_path, ict01, performance_user):
    path = tmp_path / "results.csv"
    path.write_bytes("code,period,value\r\nICT01,2019-11,85\r\n".encode("utf-16-le"))
    plan = workbook_check(path=path, file_name="results.csv", user=performance_user)
    assert messages(plan) == [
        "|0||results.csv looks like UTF-16 text without the mark that says so, which kpidash cannot read "
        "reliably: save it as “CSV UTF-8 (Comma delimited)” and upload that."
    ]


# --- target assurance (SPC, issue 16 item 5) -----------------------------------------------------------------

THRESHOLDS_HEADER = "code,financial_year,target,floor\n"


def steady(indicator, months: int = 14) -> None:
    """[90, 92] alternating from April 2018: mean 91, process limits 85.68 to 96.32 once there are two values."""
    Result.objects.bulk_create(
        Result(indicator=indicator, period=add_months(date(2018, 4, 1), m), value=Decimal(90 + 2 * (m % 2)))
        for m in range(months)
    )


def kpi(directorate, code: str, polarity: str = "H") -> Indicator:
    return Indicator.objects.create(code=code, name=f"KPI {code}", directorate=directorate, polarity=polarity)


def test_the_preview_says_where_each_new_target_sits_against_the_current_process_limits(
    tmp_path, directorate, performance_user
):
    for code in ("K1", "K2", "K3"):
        steady(kpi(directorate, code))
    steady(kpi(directorate, "K4"), months=9)
    rows = "K1,2020/21,99,97\nK2,2020/21,91,89\nK3,2020/21,80,75\nK4,2020/21,99,97\n"
    path = csv_file(tmp_path, THRESHOLDS_HEADER + rows, "thresholds.csv")

    plan = workbook_check(path=path, file_name="thresholds.csv", user=performance_user)

    limits = "the current process limits (85.7% to 96.3%, from the values to May 2019)"
    assert plan.ok, messages(plan)
    assert [(c.key, c.note) for c in plan.target_notes] == [
        ("K1 2020/21", f"A target of 99.0% is above {limits}: it will consistently fail unless the process changes."),
        ("K2 2020/21", f"A target of 91.0% is inside {limits}: hit and miss at current performance."),
        ("K3 2020/21", f"A target of 80.0% is below {limits}: it will consistently pass at current performance."),
        ("K4 2020/21", "Not enough data: 9 values; SPC needs at least 13 to show whether a change is real."),
    ]
    assert plan.counts["Thresholds"].created == 4  # informational only: nothing is refused


def test_a_lower_is_better_target_above_the_limits_consistently_passes(tmp_path, directorate, performance_user):
    steady(kpi(directorate, "L1", polarity="L"))
    path = csv_file(tmp_path, THRESHOLDS_HEADER + "L1,2020/21,99,100\n", "thresholds.csv")
    plan = workbook_check(path=path, file_name="thresholds.csv", user=performance_user)
    assert plan.target_notes[0].note.endswith("it will consistently pass at current performance.")


def test_only_a_new_or_changed_kpi_target_gets_a_note(tmp_path, directorate, performance_user):
    indicator = kpi(directorate, "K1")
    steady(indicator)
    Threshold.objects.create(indicator=indicator, financial_year=2019, target=Decimal(95), floor=Decimal(90))
    activity = Indicator.objects.create(code="A1", name="Calls", directorate=directorate, kind="activity")
    steady(activity)
    text = "code,financial_year,target,floor,lower,upper\nK1,2019/20,95,85,,\nA1,2019/20,,,80,100\n"
    plan = workbook_check(path=csv_file(tmp_path, text, "thresholds.csv"), file_name="t.csv", user=performance_user)
    assert plan.counts["Thresholds"].updated == 1 and plan.counts["Thresholds"].created == 1
    assert plan.target_notes == []  # K1's floor changed, not its target; A1 has no target


def test_the_target_notes_cost_the_same_queries_for_two_indicators_or_twenty(tmp_path, directorate, performance_user):
    def queries(count: int) -> int:
        rows = ""
        for n in range(count):
            code = f"Q{count}_{n}"
            steady(kpi(directorate, code))
            Phase.objects.create(indicator=Indicator.objects.get(code=code), start=date(2019, 1, 1), reason="New")
            rows += f"{code},2020/21,99,97\n"
        path = csv_file(tmp_path, THRESHOLDS_HEADER + rows, f"t{count}.csv")
        with CaptureQueriesContext(connection) as captured:
            plan = workbook_check(path=path, file_name="t.csv", user=performance_user)
        assert len(plan.target_notes) == count
        return len(captured)

    assert queries(20) == queries(2)


def test_the_preview_page_and_the_command_show_the_target_notes(client, tmp_path, directorate, performance_user):
    steady(kpi(directorate, "K1"))
    text = THRESHOLDS_HEADER + "K1,2020/21,99,97\n"
    client.force_login(performance_user)
    page = client.post(reverse("spreadsheet_import"), {"file": upload(text, "thresholds.csv")}).content.decode()
    assert "New targets against current performance" in page
    assert "K1 2020/21 (Thresholds row 2): A target of 99.0% is above the current process limits" in page

    out = io.StringIO()
    call_command("import_workbook", str(csv_file(tmp_path, text, "thresholds.csv")), "--dry-run", stdout=out)
    assert "K1 2020/21 target, by SPC: A target of 99.0% is above the current process limits" in out.getvalue()


# --- commentary for a special cause of concern (SPC, issue 16 item 6): the return form's rule --------------

DEC = date(2019, 12, 1)


@pytest.fixture
def k1(directorate):
    """A KPI (target 70, floor 65) whose history to November 2019 puts its process limits at 85.68 to 96.32,
    with December open for returns."""
    indicator = kpi(directorate, "K1")
    Threshold.objects.create(indicator=indicator, financial_year=2019, target=Decimal(70), floor=Decimal(65))
    Result.objects.bulk_create(
        Result(indicator=indicator, period=add_months(date(2019, 11, 1), -m), value=Decimal(92 - 2 * (m % 2)))
        for m in range(20)
    )
    ReportingPeriod.objects.create(period=DEC, deadline=date(2020, 1, 10), status=PeriodStatus.OPEN)
    return indicator


def december_return(indicator, status: str, text: str = "") -> None:
    Result.objects.create(indicator=indicator, period=DEC, value=Decimal(91))
    Commentary.objects.create(indicator=indicator, period=DEC, status=status, text=text, version=1)


def import_refusal(tmp_path, user, row: str) -> str | None:
    path = csv_file(tmp_path, RESULTS_HEADER + row, "results.csv")
    plan = workbook_check(path=path, file_name="results.csv", user=user)
    return plan.errors[0].message if plan.errors else None


def form_refusal(indicator, user, value: str) -> str | None:
    """The same change through the return form's service (the performance team saving, nothing else)."""
    try:
        with transaction.atomic():
            return_save(indicator=indicator, period=DEC, user=user, value=Decimal(value), commentary="")
            transaction.set_rollback(True)
    except ReturnError as exc:
        return exc.errors["commentary"][0]
    return None


CONCERN = (
    "Enter commentary: K1's figure for December 2019 shows special cause concern (lower) on its SPC chart, "
    "so explain the figure and what is being done about it."
)


@pytest.mark.parametrize(
    ("status", "value", "refused"),
    [
        (CommentaryStatus.SUBMITTED, "80", CONCERN),  # stays submitted: the rule applies
        (CommentaryStatus.APPROVED, "80", CONCERN),  # goes back to submitted: the rule applies
        (CommentaryStatus.SUBMITTED, "91", None),  # common cause
        (CommentaryStatus.SUBMITTED, "60", "Enter commentary: K1 is rated Red for December 2019 and shows special"),
        (CommentaryStatus.DRAFT, "80", None),  # a draft needs no commentary yet
        (CommentaryStatus.RETURNED, "80", None),  # waits for its owner to resubmit
    ],
)
def test_the_performance_teams_import_refuses_exactly_what_the_return_form_refuses(
    tmp_path, k1, performance_user, status, value, refused
):
    december_return(k1, status)
    by_import = import_refusal(tmp_path, performance_user, f"K1,2019-12,{value},,,\n")
    by_form = form_refusal(k1, performance_user, value)
    assert by_import == by_form
    assert (by_import or "").startswith(refused or "")
    assert (by_import is None) == (refused is None)


def test_an_imported_concern_with_commentary_or_with_the_rule_turned_off_is_accepted(
    tmp_path, k1, performance_user, settings
):
    december_return(k1, CommentaryStatus.SUBMITTED)
    assert import_refusal(tmp_path, performance_user, "K1,2019-12,80,,,The phones were down.\n") is None
    settings.KPIDASH_COMMENTARY_REQUIRED_FOR = ["amber", "red"]
    assert import_refusal(tmp_path, performance_user, "K1,2019-12,80,,,\n") is None


def test_a_refused_import_writes_nothing(tmp_path, k1, performance_user):
    december_return(k1, CommentaryStatus.SUBMITTED)
    path = csv_file(tmp_path, RESULTS_HEADER + "K1,2019-12,80,,,\n", "results.csv")
    plan = workbook_import(path=path, file_name="results.csv", user=performance_user)
    assert not plan.applied and messages(plan) == [f"Results|2|commentary|{CONCERN}"]
    assert Result.objects.get(indicator=k1, period=DEC).value == Decimal(91)


def test_the_import_judges_the_chart_as_the_file_leaves_it(tmp_path, k1, performance_user):
    """December's 86 is inside the limits and alone beyond the lower 2σ line: common cause. A file that
    also restates November at 86 makes two of three beyond it: a special cause of concern."""
    december_return(k1, CommentaryStatus.SUBMITTED)
    assert import_refusal(tmp_path, performance_user, "K1,2019-12,86,,,\n") is None
    restated = "K1,2019-11,86,,,Restated.\nK1,2019-12,86,,,\n"
    assert import_refusal(tmp_path, performance_user, restated) == CONCERN


def test_the_commentary_check_costs_the_same_queries_for_one_return_or_ten(tmp_path, directorate, performance_user):
    ReportingPeriod.objects.create(period=DEC, deadline=date(2020, 1, 10), status=PeriodStatus.OPEN)

    def queries(count: int) -> int:
        rows = ""
        for n in range(count):
            indicator = kpi(directorate, f"C{count}_{n}")
            steady(indicator, months=20)
            december_return(indicator, CommentaryStatus.SUBMITTED)
            rows += f"{indicator.code},2019-12,80,,,\n"
        path = csv_file(tmp_path, RESULTS_HEADER + rows, f"r{count}.csv")
        with CaptureQueriesContext(connection) as captured:
            plan = workbook_check(path=path, file_name="r.csv", user=performance_user)
        assert plan.error_count == count
        return len(captured)

    assert queries(10) == queries(1)


# --- an improvement action for a Red or concerning return the import leaves submitted ---------------------

RED = "K1 is Red and has no improvement action, and December 2019's return stays submitted: add an open"
CONCERNING = "K1 is a special cause of concern on its SPC chart and has no improvement action, and December 2019's"


def form_refuses_for_want_of_an_action(indicator, user, value: str) -> bool:
    """Whether the return form's service, the performance team saving this figure, asks for an action."""
    try:
        with transaction.atomic():
            return_save(indicator=indicator, period=DEC, user=user, value=Decimal(value), commentary="Down.")
            transaction.set_rollback(True)
    except ReturnError as exc:
        return "has no improvement action: add one" in str(exc)
    return False


@pytest.mark.parametrize(
    ("status", "value", "refused"),
    [
        (CommentaryStatus.SUBMITTED, "60", RED),  # left submitted
        (CommentaryStatus.APPROVED, "60", RED),  # back to submitted
        (CommentaryStatus.SUBMITTED, "80", CONCERNING),  # Green against its target, but a special cause
        (CommentaryStatus.SUBMITTED, "91", None),  # Green, common cause
        (CommentaryStatus.DRAFT, "60", None),  # a draft may be saved without one
        (CommentaryStatus.RETURNED, "60", None),  # waits for its owner to resubmit
    ],
)
def test_with_actions_required_the_import_refuses_what_the_return_form_refuses(
    tmp_path, k1, performance_user, settings, status, value, refused
):
    settings.KPIDASH_ACTION_REQUIRED_TO_SUBMIT = True
    december_return(k1, status, text="Down.")
    by_import = import_refusal(tmp_path, performance_user, f"K1,2019-12,{value},,,Down.\n")
    assert form_refuses_for_want_of_an_action(k1, performance_user, value) is (refused is not None)
    assert (by_import or "").startswith(refused or "") and (by_import is None) == (refused is None)


def test_an_open_action_or_one_the_file_adds_lets_the_import_leave_a_red_return_submitted(
    tmp_path, k1, performance_user, settings
):
    settings.KPIDASH_ACTION_REQUIRED_TO_SUBMIT = True
    december_return(k1, CommentaryStatus.SUBMITTED, text="Down.")
    assert import_refusal(tmp_path, performance_user, "K1,2019-12,60,,,Down.\n").startswith(RED)
    # An action on the file's own Actions sheet counts, as it is written in the same import.
    path = export_to(tmp_path / "kpidash.xlsx")
    december = next(n for n, row in enumerate(read_back(path)["Results"][1:], 2) if row[2] == "2019-12")
    edit(path, "Results", december, "value", 60)
    assert messages(workbook_check(path=path, file_name=path.name, user=performance_user))[0].startswith(
        f"Results|{december}|value|{RED}"
    )
    action = {"title": "Fix it", "owner": performance_user.username, "due": "2030-06-30", "indicators": "K1"}
    append(path, "Actions", action)
    plan = workbook_import(path=path, file_name=path.name, user=performance_user)
    assert plan.applied, plan.errors
    assert Result.objects.get(indicator=k1, period=DEC).value == Decimal(60)
    # An action already open counts too; one the file marks complete does not.
    assert import_refusal(tmp_path, performance_user, "K1,2019-12,61,,,Down.\n") is None
    path = export_to(tmp_path / "again.xlsx")
    edit(path, "Actions", 2, "status", "complete")
    edit(path, "Results", december, "value", 62)
    assert any(
        RED in message for message in messages(workbook_check(path=path, file_name=path.name, user=performance_user))
    )


# --- an indicator's new definition against its stored thresholds, as the admin checks them ------


def _workbook(path, sheets: dict[str, list[list]]):
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def ict01_thresholds(ict01):
    """ICT01 (higher is better) with 2018/19 and 2019/20 floors below their targets."""
    for year in (2018, 2019):
        Threshold.objects.create(
            indicator=ict01, financial_year=year, scheme="floor", target=Decimal(90), floor=Decimal(80)
        )
    return ict01


def test_a_polarity_its_stored_thresholds_do_not_fit_is_refused_naming_them(
    tmp_path, ict01_thresholds, performance_user
):
    # The admin refuses it (its thresholds inline is checked against the new polarity), so the import must.
    path = csv_file(tmp_path, "code,polarity\nICT01,L\n", "indicators.csv")

    plan = workbook_import(path=path, file_name="indicators.csv", user=performance_user)

    assert not plan.applied
    assert messages(plan) == [
        f"Indicators|2|polarity|ICT01 {year} thresholds: For a lower-is-better indicator the floor standard (80) "
        "must not be below the target (90). Change them on the Thresholds sheet of the same file."
        for year in ("2019/20", "2018/19")
    ]
    assert Indicator.objects.get(code="ICT01").polarity == "H"


def test_a_new_polarity_imports_with_the_thresholds_the_same_file_changes_to_fit(
    tmp_path, ict01_thresholds, performance_user
):
    path = _workbook(
        tmp_path / "kpidash.xlsx",
        {
            "Indicators": [["code", "polarity"], ["ICT01", "L"]],
            "Thresholds": [
                ["code", "financial_year", "target", "floor"],
                ["ICT01", "2018/19", 90, 95],
                ["ICT01", "2019/20", 90, 95],
            ],
        },
    )

    plan = workbook_import(path=path, file_name="kpidash.xlsx", user=performance_user)

    assert plan.applied, messages(plan)
    assert Indicator.objects.get(code="ICT01").polarity == "L"
    assert set(Threshold.objects.values_list("floor", flat=True)) == {Decimal(95)}


def test_a_new_polarity_is_refused_for_a_stored_year_the_file_leaves_out(tmp_path, ict01_thresholds, performance_user):
    path = _workbook(
        tmp_path / "kpidash.xlsx",
        {
            "Indicators": [["code", "polarity"], ["ICT01", "L"]],
            "Thresholds": [["code", "financial_year", "target", "floor"], ["ICT01", "2019/20", 90, 95]],
        },
    )

    plan = workbook_import(path=path, file_name="kpidash.xlsx", user=performance_user)

    assert [(e.sheet, e.row, e.column) for e in plan.errors] == [("Indicators", 2, "polarity")]
    assert "ICT01 2018/19 thresholds" in plan.errors[0].message
    assert not plan.applied and Threshold.objects.filter(floor=Decimal(95)).count() == 0


# --- an indicator's new definition against its stored figures, as the admin checks them -----------


@pytest.fixture
def growth(directorate):
    indicator = Indicator.objects.create(
        code="GR01", name="Growth", directorate=directorate, unit="percentage", allow_out_of_range=True
    )
    Result.objects.create(indicator=indicator, period=date(2019, 11, 1), value=Decimal(105))
    return indicator


def test_a_definition_its_stored_figures_break_is_refused_naming_them(tmp_path, growth, performance_user):
    path = csv_file(tmp_path, "code,allow_out_of_range\nGR01,no\n", "indicators.csv")

    plan = workbook_import(path=path, file_name="indicators.csv", user=performance_user)

    assert messages(plan) == [
        "Indicators|2|allow_out_of_range|GR01's figure for November 2019 would no longer be valid: A percentage "
        "must be between 0 and 100; 105 is not. Correct it on the Results sheet of the same file."
    ]
    assert not plan.applied and Indicator.objects.get(code="GR01").allow_out_of_range


def test_a_new_definition_imports_with_the_figures_the_same_file_corrects(tmp_path, growth, performance_user):
    path = _workbook(
        tmp_path / "kpidash.xlsx",
        {
            "Indicators": [["code", "allow_out_of_range"], ["GR01", "no"]],
            "Results": [["code", "period", "value"], ["GR01", "2019-11", 99]],
        },
    )

    plan = workbook_import(path=path, file_name="kpidash.xlsx", user=performance_user)

    assert plan.applied, messages(plan)
    assert not Indicator.objects.get(code="GR01").allow_out_of_range
    assert Result.objects.get(indicator__code="GR01").value == Decimal(99)


def test_a_frequency_its_stored_figures_do_not_report_is_refused_saying_to_withdraw_them(
    tmp_path, growth, performance_user
):
    path = csv_file(tmp_path, "code,frequency\nGR01,quarterly\n", "indicators.csv")

    plan = workbook_import(path=path, file_name="indicators.csv", user=performance_user)

    assert messages(plan) == [
        "Indicators|2|frequency|GR01's figure for November 2019 would no longer be valid: Quarterly indicators "
        "report only on quarter ends (June, September, December, March); November 2019 is not one. Withdraw it "
        "on its return page first."
    ]
    assert Indicator.objects.get(code="GR01").frequency == "monthly"


# --- commentary is kept as the return form keeps it (indicators.validators.tidy_text) ----------------


def test_commentary_with_windows_line_ends_is_kept_as_the_return_form_keeps_it(
    tmp_path, indicators, periods, owner_user, performance_user
):
    # A CSV saved on Windows has CRLF inside a quoted cell; the form stores LF, so the owner's unchanged
    # save of the imported return must change nothing (no new author, history entry or version).
    path = tmp_path / "results.csv"
    path.write_bytes(b'code,period,value,commentary\r\nICT01,2019-11,85,"Line one\r\nLine two  "\r\n')
    assert workbook_import(path=path, file_name="results.csv", user=performance_user).applied
    commentary = Commentary.objects.get(indicator__code="ICT01", period=NOV)
    assert commentary.text == "Line one\nLine two"
    records, version = commentary.history.count(), commentary.version

    return_save(
        indicator=commentary.indicator,
        period=NOV,
        user=owner_user,
        value=Decimal(85),
        commentary="Line one\r\nLine two",
    )

    commentary.refresh_from_db()
    assert (commentary.history.count(), commentary.version, commentary.author) == (records, version, performance_user)


def test_commentary_kept_with_windows_line_ends_before_is_unchanged_by_the_same_words(
    tmp_path, indicators, periods, performance_user
):
    indicator = indicators[0]
    Result.objects.create(indicator=indicator, period=NOV, value=Decimal(85))
    Commentary.objects.create(
        indicator=indicator, period=NOV, text="Line one\r\nLine two", status=CommentaryStatus.APPROVED
    )
    path = tmp_path / "results.csv"
    path.write_bytes(b'code,period,value,commentary\r\nICT01,2019-11,85,"Line one\r\nLine two"\r\n')

    plan = workbook_import(path=path, file_name="results.csv", user=performance_user)

    assert plan.applied and plan.counts["Results"].unchanged == 1
    assert Commentary.objects.get(indicator=indicator, period=NOV).status == CommentaryStatus.APPROVED


def test_a_frequency_its_stored_phases_do_not_start_on_is_refused_as_in_the_admin(
    tmp_path, directorate, performance_user
):
    # The admin's phases inline is checked against the new frequency (Phase.clean); a site restore checks it too.
    indicator = Indicator.objects.create(code="PH01", name="Phased", directorate=directorate)
    Phase.objects.create(indicator=indicator, start=date(2019, 11, 1), reason="New system.")
    path = csv_file(tmp_path, "code,frequency\nPH01,quarterly\n", "indicators.csv")

    plan = workbook_import(path=path, file_name="indicators.csv", user=performance_user)

    assert messages(plan) == [
        "Indicators|2|frequency|PH01's SPC phase from November 2019 would no longer be valid: Quarterly indicators "
        "report only on quarter ends (June, September, December, March); November 2019 is not one. Change the "
        "phase in the admin first."
    ]
    assert Indicator.objects.get(code="PH01").frequency == "monthly"
