"""`manage.py dashboard`: the download's rows on the command line, and clear errors."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

import pytest
from django.core.management import CommandError, call_command


def run(*args) -> str:
    out = io.StringIO()
    call_command("dashboard", *args, stdout=out)
    return out.getvalue()


def test_csv_output_is_byte_for_byte_the_csv_download(client, demo, viewer_user):
    client.force_login(viewer_user)
    download = client.get("/committees/policy-and-resources/2019-11/dashboard.csv").content.decode()
    assert run("--committee", "policy-and-resources", "--period", "2019-11") == download


def test_committee_can_be_named_in_full_and_period_defaults_to_latest(demo):
    by_name = run("--committee", "Policy and Resources Cabinet Committee")
    assert by_name == run("--committee", "policy-and-resources", "--period", "2019-11")


def test_json_output_has_machine_readable_rag_and_direction(demo):
    document = json.loads(run("--committee", "policy-and-resources", "--period", "2019-11", "--format", "json"))
    assert document["period"] == "2019-11"
    kpis = [row for row in document["rows"] if row["kind"] == "kpi"]
    assert Counter(row["rag"] for row in kpis) == {"green": 21, "amber": 3, "red": 1}
    assert {row["direction"] for row in kpis} <= {"improved", "unchanged", "worsened", ""}
    ict02 = next(row for row in document["rows"] if row["ref"] == "ICT02")
    assert ict02["latest_value"] == 88.6 and ict02["month_rag"] == "red"
    assert ict02["lower_threshold"] is None and ict02["expected_range"] == ""


def test_earlier_period_gives_that_periods_figures(demo):
    rows = list(csv.DictReader(io.StringIO(run("--committee", "policy-and-resources", "--period", "2019-05"))))
    assert {row["value_period"] for row in rows if row["kind"] == "kpi" and row["data_period"] == "MS"} == {"2019-05"}


def test_directorate_dashboard_on_the_command_line(demo):
    rows = list(csv.DictReader(io.StringIO(run("--directorate", "growth-environment-and-transport"))))
    assert {row["ref"] for row in rows} >= {"GT01", "GT09"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--committee", "nope"],
            "There is no committee 'nope'. Committees: environment-and-transport, policy-and-resources.",
        ),
        (["--committee", "policy-and-resources", "--period", "2019-13"], "month must be 01–12"),
        (["--committee", "policy-and-resources", "--period", "Nov 2019"], "expected YYYY-MM"),
        (["--committee", "policy-and-resources", "--period", "2020-02"], "the latest is November 2019"),
        (
            ["--committee", "policy-and-resources", "--period", "2001-01"],
            "There is no data for Policy and Resources Cabinet Committee for January 2001.",
        ),
        (["--directorate", "nope"], "There is no directorate 'nope'."),
    ],
)
def test_bad_arguments_are_command_errors_that_say_why(demo, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(".", r"\.")):
        run(*args)


def test_output_file_gets_exactly_what_standard_output_would(demo, tmp_path):
    target = tmp_path / "dashboard.json"
    call_command(
        "dashboard",
        "--committee",
        "policy-and-resources",
        "--format",
        "json",
        "-o",
        str(target),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert target.read_text(encoding="utf-8") == run("--committee", "policy-and-resources", "--format", "json")


def test_an_unwritable_output_file_is_a_command_error(demo, tmp_path):
    with pytest.raises(CommandError, match="Cannot write"):
        run("--committee", "policy-and-resources", "-o", str(tmp_path / "missing" / "x.csv"))
