"""The workbook's Plans, Priorities, Objectives and Actions sheets: round trips, edits, refusals (issue 17 item 1)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.models import Indicator
from plans.models import Action, Objective, Plan
from spreadsheets.services import workbook_check, workbook_import
from spreadsheets.workbook import ACTION_COLUMNS, export_sheets, open_workbook, write_xlsx
from tests.plans.dump import plan_dump

pytestmark = pytest.mark.django_db


def export_to(path: Path) -> Path:
    with path.open("wb") as out:
        write_xlsx(out, export_sheets())
    return path


def read_back(path: Path) -> dict[str, list]:
    return {s.name: [s.headings, *(values for _, values in s.rows)] for s in open_workbook(path, path.name)}


def edit(path: Path, sheet: str, row: int, column: str, value) -> None:
    book = openpyxl.load_workbook(path)
    ws = book[sheet]
    headings = [cell.value for cell in ws[1]]
    ws.cell(row=row, column=headings.index(column) + 1).value = value  # cell(value=None) would leave it
    book.save(path)


def append(path: Path, sheet: str, values: dict) -> None:
    book = openpyxl.load_workbook(path)
    ws = book[sheet]
    headings = [cell.value for cell in ws[1]]
    ws.append([values.get(h) for h in headings])
    book.save(path)


def messages(plan) -> list[str]:
    return [f"{e.sheet}|{e.row}|{e.column}|{e.message}" for e in plan.errors]


def test_the_export_carries_the_demo_plan_and_its_actions(demo, tmp_path):
    sheets = read_back(export_to(tmp_path / "kpidash.xlsx"))

    assert sheets["Actions"][0] == ACTION_COLUMNS
    assert len(sheets["Plans"]) == Plan.objects.count() + 1 == 2
    assert len(sheets["Priorities"]) == 5 and len(sheets["Actions"]) == Action.objects.count() + 1 == 8
    gl02 = next(row for row in sheets["Actions"][1:] if row[6] == "GL02")
    assert gl02[5] == "on_track"  # overdue is shown, never stored: the stored status goes out
    objectives = sheets["Objectives"]
    assert all(row[4] for row in objectives[1:])  # every demo objective has its indicators


def test_the_demo_round_trips_unchanged(demo, tmp_path, performance_user):
    path = export_to(tmp_path / "kpidash.xlsx")
    before = plan_dump()

    plan = workbook_import(path=path, file_name=path.name, user=performance_user)

    assert plan.applied, plan.errors
    assert {name: c.created + c.updated for name, c in plan.counts.items()} == dict.fromkeys(
        ["Indicators", "Thresholds", "Results", "Plans", "Priorities", "Objectives", "Actions"], 0
    )
    assert plan.counts["Actions"].unchanged == Action.objects.count()
    assert plan_dump() == before
    assert not Action.history.filter(history_change_reason__startswith="Imported").exists()
    assert read_back(export_to(tmp_path / "again.xlsx")) == read_back(path)


def test_an_edited_export_changes_exactly_the_edit(demo, tmp_path, performance_user):
    path = export_to(tmp_path / "kpidash.xlsx")
    first = read_back(path)
    action = Action.objects.order_by("pk").first()
    edit(path, "Actions", 2, "status", "at_risk")
    edit(path, "Actions", 2, "due", "2031-03-31")
    edit(path, "Priorities", 3, "title", "A safer county")
    edit(path, "Objectives", 2, "indicators", "ICT01; GT02")

    plan = workbook_import(path=path, file_name="edited.xlsx", user=performance_user)

    assert plan.applied, plan.errors
    counts = {name: (c.created, c.updated) for name, c in plan.counts.items() if c.created or c.updated}
    assert counts == {"Actions": (0, 1), "Priorities": (0, 1), "Objectives": (0, 1)}
    action.refresh_from_db()
    assert (action.status, action.due) == ("at_risk", date(2031, 3, 31))
    assert action.history.first().history_change_reason == "Imported from edited.xlsx"
    assert action.history.first().history_user == performance_user
    second = read_back(export_to(tmp_path / "again.xlsx"))
    changed = {
        (name, number): (row, second[name][number])
        for name, rows in first.items()
        for number, row in enumerate(rows)
        if second[name][number] != row
    }
    assert {key: (old[i], new[i]) for key, (old, new) in changed.items() for i in range(len(old)) if old[i] != new[i]}
    assert set(changed) == {("Actions", 1), ("Priorities", 2), ("Objectives", 1)}
    assert second["Actions"][1][ACTION_COLUMNS.index("status")] == "at_risk"
    assert second["Objectives"][1][4] == "GT02; ICT01"


def test_new_rows_on_every_sheet_make_a_new_plan_with_an_action(demo, tmp_path, performance_user):
    path = export_to(tmp_path / "kpidash.xlsx")
    append(path, "Plans", {"slug": "recovery", "name": "Recovery plan 2026"})
    append(path, "Priorities", {"plan": "recovery", "number": 1, "title": "Back on track"})
    append(
        path, "Objectives", {"plan": "recovery", "priority": 1, "number": 1, "title": "Calls", "indicators": "ICT01"}
    )
    append(
        path,
        "Actions",
        {
            "title": "Hire two more call handlers",
            "owner": "owner",
            "due": "2030-06-30",
            "indicators": "ICT01",
            "objectives": "recovery 1.1",
        },
    )

    plan = workbook_import(path=path, file_name=path.name, user=performance_user)

    assert plan.applied, plan.errors
    action = Action.objects.get(title="Hire two more call handlers")
    assert action.status == "not_started" and action.created_by == performance_user
    assert [str(o) for o in action.objectives.all()] == ["1.1 Calls"]
    assert Objective.objects.get(priority__plan__slug="recovery").indicators.get().code == "ICT01"


@pytest.mark.parametrize(
    ("sheet", "column", "value", "expected"),
    [
        ("Actions", "status", "overdue", "Overdue is worked out from the due date, never stored"),
        ("Actions", "status", "done", "'done' is not allowed"),
        ("Actions", "owner", "viewer", "cannot own an action: choose a service owner or someone in the performance"),
        ("Actions", "owner", "nobody", "No user has the username or email address “nobody”."),
        ("Actions", "due", "31/03/2030", "is not a day: write it as 2020-01-10."),
        ("Actions", "due", None, "Enter the due date."),
        ("Actions", "title", None, "Enter a title: say what will be done."),
        ("Actions", "indicators", "ZZ99", "Unknown indicator code ZZ99."),
        ("Actions", "indicators", None, "Choose at least one indicator the action is about."),
        ("Actions", "objectives", "nowhere 9.9", "Unknown objective “nowhere 9.9”"),
        ("Actions", "id", 99999, "No action has the id 99999: leave the id blank for a new action."),
        ("Actions", "title", "x" * 201, "Ensure this value has at most 200 characters"),
        ("Priorities", "title", "y" * 301, "Ensure this value has at most 300 characters"),
        ("Priorities", "plan", "nowhere", "Unknown plan “nowhere”: add it on the Plans sheet."),
        ("Objectives", "indicators", "ICT01; NOPE", "Unknown indicator code NOPE."),
        ("Plans", "name", None, "This field cannot be blank."),
    ],
)
def test_a_bad_cell_is_refused_with_its_sheet_row_and_column_and_nothing_is_written(
    demo, tmp_path, performance_user, sheet, column, value, expected
):
    path = export_to(tmp_path / "kpidash.xlsx")
    edit(path, "Actions", 3, "status", "complete")  # a good change beside the bad one
    edit(path, sheet, 2, column, value)
    before = plan_dump()

    plan = workbook_import(path=path, file_name=path.name, user=performance_user)

    assert not plan.applied
    assert any(m.startswith(f"{sheet}|2|{column}|") and expected in m for m in messages(plan)), messages(plan)
    assert plan_dump() == before


def _resolution_row(path: Path) -> int:
    """The spreadsheet row of the demo's committee resolution (an action with a source)."""
    resolution = Action.objects.get(source_committee__isnull=False)
    rows = read_back(path)["Actions"]
    return next(number for number, row in enumerate(rows[1:], start=2) if row[0] == resolution.pk)


def test_a_resolution_keeps_its_source_through_the_workbook_and_is_checked_as_the_clerk_is(
    demo, tmp_path, performance_user
):
    path = export_to(tmp_path / "kpidash.xlsx")
    row = _resolution_row(path)
    cells = dict(zip(read_back(path)["Actions"][0], read_back(path)["Actions"][row - 1], strict=True))
    assert cells["source_committee"] == "Policy and Resources Cabinet Committee"
    assert cells["source_meeting"] == "2020-01-21" and cells["resolution"]
    outside = Indicator.objects.exclude(directorate__committees__slug="policy-and-resources").first()
    edit(path, "Actions", row, "indicators", outside.code)
    before = plan_dump()

    plan = workbook_check(path=path, file_name=path.name, user=performance_user)

    assert messages(plan) == [
        f"Actions|{row}|indicators|{outside.code} is not reported to Policy and Resources Cabinet Committee: "
        "a resolution can only be about the committee's own indicators."
    ]
    edit(path, "Actions", row, "indicators", cells["indicators"])
    edit(path, "Actions", row, "source_committee", None)
    plan = workbook_check(path=path, file_name=path.name, user=performance_user)
    assert messages(plan) == [
        f"Actions|{row}|source_committee|Name the committee that made the resolution, or leave its meeting blank."
    ]
    assert plan_dump() == before


def test_the_preview_lists_the_changes_and_writes_nothing(demo, tmp_path, performance_user):
    path = export_to(tmp_path / "kpidash.xlsx")
    edit(path, "Actions", 2, "title", "A clearer title")
    before = plan_dump()

    plan = workbook_check(path=path, file_name=path.name, user=performance_user)

    assert plan.ok
    assert [(c.sheet, c.action) for c in plan.changes] == [("Actions", "updated")]
    assert plan.changes[0].key.endswith(": A clearer title")
    assert plan_dump() == before


def test_a_duplicate_action_id_is_refused(demo, tmp_path, performance_user):
    path = export_to(tmp_path / "kpidash.xlsx")
    first = Action.objects.order_by("pk").first()
    edit(path, "Actions", 3, "id", first.pk)

    plan = workbook_check(path=path, file_name=path.name, user=performance_user)

    assert f"Actions|3|id|Duplicate row: action {first.pk} is already on row 2." in messages(plan)


def test_an_actions_csv_with_a_control_character_is_refused_as_the_action_page_refuses_it(
    demo, tmp_path, performance_user
):
    path = tmp_path / "actions.csv"
    path.write_text("id,title,owner,due,indicators\n,Ring\x0bback,owner,2030-01-31,ICT02\n", encoding="utf-8")
    before = plan_dump()

    plan = workbook_import(path=path, file_name=path.name, user=performance_user)

    assert [(e.sheet, e.row, e.column) for e in plan.errors] == [("Actions", 2, "title")]
    assert "U+000B" in plan.errors[0].message
    assert plan_dump() == before


def _export_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("spreadsheet_export"))
        assert response.status_code == 200
    return len(queries)


def test_the_export_takes_the_same_queries_however_many_actions(demo, client, performance_user):
    client.force_login(performance_user)
    owner = get_user_model().objects.get(username="owner")
    objective = Objective.objects.first()

    def add(count: int) -> None:
        for n in range(count):
            action = Action.objects.create(title=f"Action {n}", owner=owner, due=date(2030, 1, 1))
            action.indicators.set(Indicator.objects.filter(code__in=["ICT01", "ICT02"]))
            action.objectives.set([objective])

    _export_queries(client)  # the first request also fills the session's and roles' caches
    add(2)
    few = _export_queries(client)
    add(20)
    assert _export_queries(client) == few
