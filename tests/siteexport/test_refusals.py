"""A bad site export, or a site that is not empty, is refused: nothing changes and the error says where and why."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from indicators.models import Directorate, Indicator, Result
from questions.models import Meeting, Question
from siteexport.export import export_site
from siteexport.restore import occupied, site_import
from tests.siteexport.site import enrich_demo, find_row, rewrite, wipe_site, write_zip

pytestmark = pytest.mark.django_db


_exported: bytes | None = None


@pytest.fixture
def export(request, tmp_path):
    """The enriched demo's export, and an empty site to restore it into.

    The demo is exported once (by the first test to ask); later tests start from an
    empty database and only write that file again.
    """
    global _exported
    path = tmp_path / "site.zip"
    if _exported is None:
        request.getfixturevalue("demo")
        enrich_demo()
        export_site(path)
        _exported = path.read_bytes()
        wipe_site()
    else:
        request.getfixturevalue("db")
        path.write_bytes(_exported)
    assert_nothing_written()
    return path


def messages(plan) -> list[str]:
    return [", ".join(str(p) for p in (e.sheet, e.row or "", e.column) if p) + ": " + e.message for e in plan.errors]


def assert_nothing_written() -> None:
    assert occupied() == []
    assert not get_user_model().objects.exists()


def test_a_site_with_data_is_refused_and_left_unchanged(demo, tmp_path):
    path = tmp_path / "site.zip"
    export_site(path)
    results, users = Result.objects.count(), get_user_model().objects.count()

    plan = site_import(path=path, file_name="site.zip")

    assert not plan.ok
    assert messages(plan) == [
        ": This site already holds data (2 directorates, 2 committees, 44 indicators, 920 results, "
        "1 plan, 7 improvement actions, 1 meeting): a site export "
        "is restored only into an empty, newly migrated database, so nothing was imported. Create a new database, "
        "run migrate, then import_site."
    ]
    assert (Result.objects.count(), get_user_model().objects.count()) == (results, users)


def test_an_administrator_made_before_the_restore_stays_but_a_clashing_username_is_refused(export):
    get_user_model().objects.create_superuser("admin", "it@example.gov.uk", "pw")

    plan = site_import(path=export, file_name="site.zip")

    assert any(m.startswith("People, 2, username: A user with that username already exists.") for m in messages(plan))
    assert occupied() == [] and list(get_user_model().objects.values_list("username", flat=True)) == ["admin"]


def test_an_unknown_role_is_named_by_sheet_row_and_column_and_nothing_is_written(export):
    def edit(book):
        sheet = book["People"]
        sheet.cell(find_row(sheet, "username", "clerk"), 5).value = "Committee clerk; Wizard"

    rewrite(export, "site.xlsx", edit)

    plan = site_import(path=export, file_name="site.zip")

    assert messages(plan) == [
        "People, 3, roles: Unknown role “Wizard”: the roles are "
        "Service owner, Performance team, Committee clerk, Viewer."
    ]
    assert_nothing_written()


def test_a_bad_result_in_the_workbook_rolls_back_the_directorates_and_people_already_written(export):
    def edit(book):
        book["Results"].cell(5, 4).value = "lots"

    rewrite(export, "workbook.xlsx", edit)

    plan = site_import(path=export, file_name="site.zip")

    assert messages(plan) == ["Results, 5, value: 'lots' is not a number."]
    assert_nothing_written()


def test_a_progress_note_on_no_action_or_by_nobody_is_refused_and_the_plan_is_not_left_behind(export):
    def edit(book):
        sheet = book["Action notes"]
        sheet.cell(2, 1).value = 999
        sheet.cell(3, 2).value = "nobody"

    rewrite(export, "site.xlsx", edit)

    plan = site_import(path=export, file_name="site.zip")

    assert messages(plan) == [
        "Action notes, 2, action: No action has the id 999 on the Actions sheet of workbook.xlsx.",
        "Action notes, 3, author: No user has the username “nobody”.",
    ]
    assert_nothing_written()  # no plan or action either (occupied() counts them)


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        (1, "XX99", "Publications, 2, code: Unknown indicator code “XX99”."),
        (2, "2019-20", "Publications, 2, financial_year: “2019-20”"),
        (3, "nobody", "Publications, 2, published_by: No user has the username “nobody”."),
    ],
)
def test_a_publication_of_an_unknown_indicator_year_or_person_is_refused(export, column, value, expected):
    def edit(book):
        book["Publications"].cell(2, column).value = value

    rewrite(export, "site.xlsx", edit)

    plan = site_import(path=export, file_name="site.zip")

    if column == 2:
        expected = f"Publications, 2, financial_year: {_year_message(value)}"
    assert messages(plan) == [expected]
    assert_nothing_written()


def test_a_publication_of_an_inactive_indicator_is_refused_as_on_the_publication_page(export):
    def edit(book):
        sheet = book["Indicators"]
        headings = [cell.value for cell in sheet[1]]
        code_column, active_column = headings.index("code") + 1, headings.index("active") + 1
        published = "FN01"  # the first row of the Publications sheet (enrich_demo)
        for row in range(2, sheet.max_row + 1):
            if sheet.cell(row, code_column).value == published:
                sheet.cell(row, active_column).value = "no"

    rewrite(export, "workbook.xlsx", edit)

    plan = site_import(path=export, file_name="site.zip")

    assert [m for m in messages(plan) if m.startswith("Publications")] == [
        "Publications, 2, code: FN01 is not active, so it cannot be published."
    ]
    assert_nothing_written()


def _year_message(text: str) -> str:
    from spreadsheets.resources import FinancialYearWidget

    try:
        FinancialYearWidget().clean(text)
    except ValueError as exc:
        return str(exc)
    raise AssertionError(f"{text} was taken for a financial year")


def test_an_export_made_before_publications_action_notes_and_questions_restores_without_them(export):
    def edit(book):
        for name in ("Publications", "Action notes", "Meetings", "Questions", "Answers"):
            del book[name]

    rewrite(export, "site.xlsx", edit)

    plan = site_import(path=export, file_name="site.zip")

    assert plan.ok, messages(plan)
    assert Indicator.objects.exists() and not Meeting.objects.exists()


def set_cells(book, sheet: str, row: int, **values) -> None:
    """Write `values` (column name → cell value) into one row of a site.xlsx sheet."""
    headings = [cell.value for cell in book[sheet][1]]
    for column, value in values.items():
        book[sheet].cell(row, headings.index(column) + 1).value = value


# The enriched demo's rows (tests/siteexport/site.py): Meetings 2 is Environment and Transport's, with no
# questions; Questions 4 is a councillor's own (on ICT01, answer returned), 5 Cllr Ann Other's on FN01 (no
# answer); Answers 2 and 3 are approved, 4 returned.
@pytest.mark.parametrize(
    ("sheet", "row", "values", "expected"),
    [
        ("Meetings", 2, {"committee": "planning"}, "Meetings, 2, committee: No committee has the slug “planning”."),
        (
            "Meetings",
            2,
            {"period": "2020-01"},
            "Meetings, 2, period: The paper for a meeting on 2020-01-23 reports up to an earlier month than "
            "January 2020.",
        ),
        ("Meetings", 2, {"created_by": "nobody"}, "Meetings, 2, created_by: No user has the username “nobody”."),
        # The meeting with questions: refused once, not again for each question and answer on it.
        ("Meetings", 3, {"created_by": "nobody"}, "Meetings, 3, created_by: No user has the username “nobody”."),
        (
            "Meetings",
            2,
            {"date": "23/01/2020"},
            "Meetings, 2, date: “23/01/2020” is not a day: write it as 2020-01-10.",
        ),
        (
            "Questions",
            5,
            {"code": "GT01"},
            "Questions, 5, code: GT01 is not reported to Policy and Resources Cabinet Committee: a question can "
            "only be on an indicator of the committee's paper.",
        ),
        (
            "Questions",
            5,
            {"meeting_date": "2020-01-22"},
            "Questions, 5, meeting_date: No meeting of “policy-and-resources” on 2020-01-22 on the Meetings sheet.",
        ),
        ("Questions", 5, {"recorded_by": "nobody"}, "Questions, 5, recorded_by: No user has the username “nobody”."),
        (
            "Questions",
            5,
            {"member_name": None},
            "Questions, 5, member_name: Enter the name of the member who asked, for example Cllr Jane Smith.",
        ),
        (
            "Questions",
            4,
            {"member_name": "Cllr Ann Other"},
            "Questions, 4, member_name: A member asking as themselves gives no member's name: leave it blank.",
        ),
        ("Questions", 5, {"text": " "}, "Questions, 5, text: Enter the question."),
        (
            "Questions",
            5,
            {"text": "Why\x7f?"},
            "Questions, 5, text: The text holds an invisible control character (U+007F, delete) at character 4, "
            "often pasted from another program: delete it (retype the text around it) and try again.",
        ),
        (
            "Questions",
            5,
            {"text": "Why? " * 801},
            "Questions, 5, text: A question can be at most 4000 characters; this is 4004.",
        ),
        (
            "Answers",
            4,
            {"status": "approved"},
            "Answers, 4, approver: An approved answer names the performance team member who approved it.",
        ),
        (
            "Answers",
            2,
            {"approved_at": None},
            "Answers, 2, approved_at: An approved answer has the time it was approved.",
        ),
        (
            "Answers",
            4,
            {"approver": "performance"},
            "Answers, 4, approver: Only an approved answer has an approver and an approval time; this one is returned.",
        ),
        ("Answers", 2, {"approver": "nobody"}, "Answers, 2, approver: No user has the username “nobody”."),
        (
            "Answers",
            2,
            {"question": 999},
            "Answers, 2, question: No question has the id 999 on the Questions sheet.",
        ),
        ("Answers", 3, {"text": None}, "Answers, 3, text: Enter the answer."),
        ("Answers", 3, {"status": "done"}, "Answers, 3, status: 'done' is not allowed"),
    ],
)
def test_a_bad_meeting_question_or_answer_is_refused_as_the_meeting_page_refuses_it(
    export, sheet, row, values, expected
):
    rewrite(export, "site.xlsx", lambda book: set_cells(book, sheet, row, **values))

    plan = site_import(path=export, file_name="site.zip")

    assert len(plan.errors) == 1 and messages(plan)[0].startswith(expected), messages(plan)
    assert_nothing_written()
    assert not Meeting.objects.exists() and not Question.objects.exists()


def test_people_whose_roles_changed_since_they_acted_still_restore(export):
    """An export records what was done: commentary and answers approved, months opened and closed and
    indicators published by someone who has left the performance team, and meetings and questions
    recorded by a clerk who is now only a viewer, restore as they were done."""

    def edit(book):
        for username in ("performance", "clerk"):
            set_cells(book, "People", find_row(book["People"], "username", username), roles="Viewer")

    rewrite(export, "site.xlsx", edit)

    plan = site_import(path=export, file_name="site.zip", dry_run=True)

    assert plan.ok, messages(plan)
    assert_nothing_written()


def test_a_question_id_given_twice_is_refused(export):
    def edit(book):
        first = book["Questions"].cell(2, 1).value
        set_cells(book, "Questions", 5, id=first)

    rewrite(export, "site.xlsx", edit)

    plan = site_import(path=export, file_name="site.zip")

    assert messages(plan) == ["Questions, 5, id: Question with this ID already exists."]
    assert_nothing_written()


def test_an_overdue_status_in_the_workbook_is_refused_as_on_the_spreadsheets_page(export):
    def edit(book):
        sheet = book["Actions"]
        sheet.cell(2, [c.value for c in sheet[1]].index("status") + 1).value = "overdue"

    rewrite(export, "workbook.xlsx", edit)

    plan = site_import(path=export, file_name="site.zip")

    assert [m.split(":")[0] for m in messages(plan)] == ["Actions, 2, status"]
    assert "Overdue is worked out from the due date, never stored" in messages(plan)[0]
    assert_nothing_written()


def test_approval_on_commentary_that_is_not_approved_is_refused(export):
    row = 0

    def edit(book):
        nonlocal row
        sheet = book["Commentary"]
        row = find_row(sheet, "status", "returned")
        sheet.cell(row, 7).value = "performance"  # approver
        sheet.cell(row, 8).value = "2019-12-12T10:00:00+00:00"

    rewrite(export, "site.xlsx", edit)

    plan = site_import(path=export, file_name="site.zip")

    assert [m.split(": ", 1)[0] for m in messages(plan)] == [f"Commentary, {row}, approver"]
    assert "Only approved commentary has an approver" in messages(plan)[0]
    assert_nothing_written()


def test_commentary_that_differs_between_the_two_workbooks_is_refused(export):
    def edit(book):
        sheet = book["Commentary"]
        sheet.cell(find_row(sheet, "code", "ICT02"), 4).value = "Something else."

    rewrite(export, "site.xlsx", edit)

    plan = site_import(path=export, file_name="site.zip")

    assert len(plan.errors) == 1
    error = plan.errors[0]
    assert (error.sheet, error.column) == ("Results", "commentary")
    assert "ICT02 2019-11 differs from row" in error.message and "the two must agree" in error.message
    assert_nothing_written()


@pytest.mark.parametrize(
    ("cell", "value", "expected"),
    [
        ("opened_at", "2019-11-25 08:00", "no time zone: write it as 2019-12-12T10:00:00+00:00"),
        ("deadline", "10/01/2020", "is not a day: write it as 2020-01-10"),
        ("status", "ajar", "'ajar' is not allowed: use one of open, closed."),
    ],
)
def test_a_bad_cell_in_reporting_periods_says_what_to_write(export, cell, value, expected):
    def edit(book):
        sheet = book["Reporting periods"]
        column = [c.value for c in sheet[1]].index(cell) + 1
        sheet.cell(2, column).value = value

    rewrite(export, "site.xlsx", edit)

    plan = site_import(path=export, file_name="site.zip")

    assert len(plan.errors) == 1 and messages(plan)[0].startswith(f"Reporting periods, 2, {cell}: ")
    assert expected in messages(plan)[0]
    assert_nothing_written()


def test_a_deadline_before_its_month_is_refused_by_the_models_own_rule(export):
    def edit(book):
        book["Reporting periods"].cell(2, 3).value = "2019-10-31"

    rewrite(export, "site.xlsx", edit)

    plan = site_import(path=export, file_name="site.zip")

    assert messages(plan) == ["Reporting periods, 2, deadline: The deadline cannot be before the month it is for."]
    assert_nothing_written()


def test_a_formula_in_the_site_workbook_is_refused(export):
    def edit(book):
        book["Directorates"]["A2"] = "=1+1"

    rewrite(export, "site.xlsx", edit)

    plan = site_import(path=export, file_name="site.zip")

    assert "Cell A2 on sheet Directorates holds a formula" in messages(plan)[0]
    assert_nothing_written()


def test_a_missing_sheet_and_an_unknown_column_are_refused(export):
    def edit(book):
        del book["Bank holiday changes"]
        book["Phases"]["D1"] = "colour"

    rewrite(export, "site.xlsx", edit)

    plan = site_import(path=export, file_name="site.zip")

    assert messages(plan) == [
        "Phases, 1, colour: Unknown column “colour”: the Phases sheet has code, start, reason.",
        "Bank holiday changes: site.xlsx has no Bank holiday changes sheet: every site export has one "
        "(it may have no rows).",
    ]
    assert_nothing_written()


def test_a_column_twice_or_a_key_column_missing_on_a_new_sheet_is_refused_as_the_workbook_refuses_it(export):
    def edit(book):
        set_cells(book, "Meetings", 1, created_at="Created By")  # created_by twice, under its own heading
        book["Answers"].delete_cols(1)  # the question column

    rewrite(export, "site.xlsx", edit)

    plan = site_import(path=export, file_name="site.zip")

    assert messages(plan) == [
        "Meetings, 1, Created By: The column Created By appears twice.",
        "Answers, 1, question: The Answers sheet needs a question column.",
    ]
    assert_nothing_written()


def _contents(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda c: c | {"notes.txt": b"hello"}, "it also holds notes.txt"),
        (lambda c: {k: v for k, v in c.items() if k != "site.xlsx"}, "it lacks site.xlsx"),
        (lambda c: c | {"manifest.json": b'{"format": "kpidash-site", "version": 9}'}, "a version 9 site export"),
        (lambda c: c | {"manifest.json": b"not json"}, "manifest.json in site.zip is not valid JSON"),
        (lambda c: c | {"site.xlsx": b"\0" * 5_000_000}, "(a “zip bomb”), so it was not opened"),
        (lambda c: c | {"site.xlsx": b"a,b\n1,2\n"}, "site.xlsx is not a spreadsheet"),
    ],
)
def test_a_file_that_is_not_a_site_export_is_refused_saying_why(export, change, expected):
    write_zip(export, change(_contents(export)))

    plan = site_import(path=export, file_name="site.zip")

    assert len(plan.errors) == 1 and expected in plan.errors[0].message
    assert_nothing_written()


def test_a_workbook_or_a_text_file_is_not_taken_for_a_site_export(export, tmp_path):
    workbook = tmp_path / "kpidash.zip"
    workbook.write_bytes(_contents(export)["workbook.xlsx"])
    text = tmp_path / "notes.zip"
    text.write_text("hello")

    assert (
        "is a spreadsheet workbook, not a site export"
        in site_import(path=workbook, file_name="kpidash.zip").errors[0].message
    )
    assert "it is not a zip file" in site_import(path=text, file_name="notes.zip").errors[0].message


def test_an_export_bigger_than_the_upload_limit_allows_is_refused_before_it_is_opened(export, settings):
    settings.KPIDASH_IMPORT_MAX_BYTES = 10_000

    plan = site_import(path=export, file_name="site.zip")

    assert len(plan.errors) == 1 and "a site export may be at most" in plan.errors[0].message
    assert_nothing_written()


def test_the_commands_restore_print_counts_and_fail_loudly(demo, tmp_path):
    path = tmp_path / "site.zip"
    call_command("export_site", str(path), stdout=io.StringIO())
    with pytest.raises(CommandError, match="1 error\\(s\\): nothing was imported"):
        call_command("import_site", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="PATH must end .zip"):
        call_command("export_site", str(tmp_path / "site.xlsx"))

    wipe_site()
    checked = io.StringIO()
    call_command("import_site", str(path), "--dry-run", stdout=checked)
    assert "site.zip: would restore 1,103 row(s)." in checked.getvalue()
    assert_nothing_written()

    out = io.StringIO()
    call_command("import_site", str(path), stdout=out)

    assert "Indicators: 44 created" in out.getvalue() and "People: 6 created" in out.getvalue()
    assert "Actions: 7 created" in out.getvalue() and "Action notes: 4 created" in out.getvalue()
    assert "Meetings: 1 created" in out.getvalue() and "Answers: 2 created" in out.getvalue()
    assert Directorate.objects.count() == 2 and Indicator.objects.count() == 44
