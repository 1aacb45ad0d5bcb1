"""The import commands' shared output: every problem on a line saying where, then a non-zero exit."""

from __future__ import annotations

import io

import pytest
from django.core.management.base import CommandError, OutputWrapper

from spreadsheets.cli import command_file, command_user, error_lines, fail_on_errors
from spreadsheets.plan import MAX_ERRORS_SHOWN, ImportPlan


def test_each_problem_says_its_sheet_row_and_column_as_far_as_known():
    plan = ImportPlan(file_name="kpis.xlsx", user=None)
    plan.error("Results", 7, "value", "'abc' is not a number.")
    plan.error("Results", 0, "", "The sheet has no header row.")
    plan.error("", 0, "", "The file is not a workbook.", first=True)
    assert error_lines(plan) == [
        "The file is not a workbook.",
        "Results, row 7, value: 'abc' is not a number.",
        "Results: The sheet has no header row.",
    ]


def test_problems_beyond_the_list_are_counted_by_sheet_and_column_most_first():
    plan = ImportPlan(file_name="kpis.xlsx", user=None)
    for row in range(MAX_ERRORS_SHOWN + 3):
        plan.error("Results", row + 2, "value", "Not a number.")
    plan.error("Thresholds", 9, "target", "Not a number.")
    lines = error_lines(plan)
    assert len(lines) == MAX_ERRORS_SHOWN + 2
    assert lines[-2:] == [
        "Results, value: 3 more error(s), not listed",
        "Thresholds, target: 1 more error(s), not listed",
    ]


def test_a_plan_with_problems_prints_them_and_fails_and_a_clean_one_prints_nothing():
    err = io.StringIO()
    fail_on_errors(OutputWrapper(err), ImportPlan(file_name="ok.xlsx", user=None))
    assert err.getvalue() == ""
    plan = ImportPlan(file_name="bad.xlsx", user=None)
    plan.error("Results", 3, "period", "No such month.")
    with pytest.raises(CommandError, match=r"^1 error\(s\): nothing was imported\.$"):
        fail_on_errors(OutputWrapper(err), plan)
    assert err.getvalue() == "Results, row 3, period: No such month.\n"


def test_a_missing_file_or_user_is_named(tmp_path, db):
    with pytest.raises(CommandError, match="does not exist or is not a file"):
        command_file(str(tmp_path / "nope.xlsx"))
    with pytest.raises(CommandError, match="No user is called 'nobody'"):
        command_user("nobody")
    assert command_user(None) is None
