"""Every number that leaves kpidash is the number the page shows: rounded half-up (`rules.round_for_display`).

Each figure below sits exactly half-way at its indicator's decimal places, on a
digit where Decimal's default (half-even) rounding would go down instead.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from indicators.exports import COLUMNS
from indicators.models import Indicator, Result, Threshold
from indicators.rules import round_for_display
from indicators.units import format_value

NOV, NOV_BEFORE = date(2019, 11, 1), date(2018, 11, 1)
FY = 2019
COMMITTEE, DIRECTORATE = "policy-and-resources", "strategic-and-corporate-services"
KPI = {"latest_value": "88.45", "ytd_value": "88.45", "target": "90.25", "floor": "80.45", "previous_year": "77.65"}
ACTIVITY = {"latest_value": "5.125", "lower_threshold": "0.125", "upper_threshold": "10.005", "previous_year": "1.145"}
# What the page prints, without its unit: 1 place for the KPI, 2 for the activity indicator.
SHOWN = {
    "KPI": {"latest_value": "88.5", "ytd_value": "88.5", "target": "90.3", "floor": "80.5", "previous_year": "77.7"},
    "ACT": {"latest_value": "5.13", "lower_threshold": "0.13", "upper_threshold": "10.01", "previous_year": "1.15"},
}


def _figures(indicator: Indicator, now: str, before: str) -> None:
    for period, value in ((NOV, now), (NOV_BEFORE, before)):
        Result.objects.update_or_create(
            indicator=indicator,
            period=period,
            defaults={"value": Decimal(value), "numerator": None, "denominator": None},
        )


@pytest.fixture
def halfway(demo):
    """A KPI and an activity indicator of the committee whose every figure is half-way."""
    kpi = Indicator.objects.filter(kind="kpi", directorate__committees__slug=COMMITTEE, frequency="monthly").first()
    kpi.polarity, kpi.unit, kpi.decimals, kpi.ytd_method = "H", "percentage", 1, "latest"
    kpi.save()
    _figures(kpi, KPI["latest_value"], KPI["previous_year"])
    Threshold.objects.update_or_create(
        indicator=kpi,
        financial_year=FY,
        defaults={"scheme": "floor", "target": Decimal(KPI["target"]), "floor": Decimal(KPI["floor"])},
    )
    activity = Indicator.objects.filter(
        kind="activity", directorate__committees__slug=COMMITTEE, frequency="monthly"
    ).first()
    activity.unit, activity.decimals = "number", 2
    activity.save()
    _figures(activity, ACTIVITY["latest_value"], ACTIVITY["previous_year"])
    Threshold.objects.update_or_create(
        indicator=activity,
        financial_year=FY,
        defaults={"lower": Decimal(ACTIVITY["lower_threshold"]), "upper": Decimal(ACTIVITY["upper_threshold"])},
    )
    return {"KPI": kpi, "ACT": activity}


def test_the_cases_are_half_way_and_the_page_rounds_them_up():
    for raw, decimals, shown in [(KPI, 1, SHOWN["KPI"]), (ACTIVITY, 2, SHOWN["ACT"])]:
        for key, value in raw.items():
            assert Decimal(value).quantize(Decimal(1).scaleb(-decimals)) != Decimal(shown[key])  # half-even differs
            assert str(round_for_display(Decimal(value), decimals)) == shown[key]
            assert format_value(Decimal(value), "number", decimals) == shown[key]


def _by_ref(rows: list[dict], halfway: dict) -> dict[str, dict]:
    return {name: next(row for row in rows if row["ref"] == indicator.code) for name, indicator in halfway.items()}


def _assert_shown(rows: dict[str, dict], text=str) -> None:
    for name, expected in SHOWN.items():
        assert {key: text(rows[name][key]) for key in expected} == expected, name


@pytest.mark.parametrize("scope", [f"committees/{COMMITTEE}", f"directorates/{DIRECTORATE}"])
def test_every_number_in_the_csv_download_is_rounded_as_the_page_shows_it(client, viewer_user, halfway, scope):
    client.force_login(viewer_user)
    response = client.get(f"/{scope}/2019-11/dashboard.csv")
    assert response.status_code == 200
    _assert_shown(_by_ref(list(csv.DictReader(io.StringIO(response.content.decode()))), halfway))


@pytest.mark.parametrize("scope", [f"committees/{COMMITTEE}", f"directorates/{DIRECTORATE}"])
def test_every_number_in_the_xlsx_download_is_rounded_as_the_page_shows_it(client, viewer_user, halfway, scope):
    client.force_login(viewer_user)
    response = client.get(f"/{scope}/2019-11/dashboard.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    headings = rows[1]
    keys = {label: key for key, label in COLUMNS}
    records = [{keys[h]: v for h, v in zip(headings, row, strict=True)} for row in rows[2:]]
    # A cell holds the number; its format shows as many places as the indicator has.
    _assert_shown(_by_ref(records, halfway), text=lambda value: f"{Decimal(str(value)):f}" if value else value)
    for name, indicator in halfway.items():
        row = next(r for r in sheet.iter_rows(min_row=3) if r[headings.index("Ref")].value == indicator.code)
        target = row[headings.index("Target" if name == "KPI" else "Upper threshold")]
        assert target.number_format == "0." + "0" * indicator.decimals


def test_the_dashboard_command_rounds_every_number_as_the_page_shows_it(halfway):
    out = io.StringIO()
    call_command("dashboard", "--committee", COMMITTEE, "--period", "2019-11", stdout=out)
    _assert_shown(_by_ref(list(csv.DictReader(io.StringIO(out.getvalue()))), halfway))
    out = io.StringIO()
    call_command("dashboard", "--committee", COMMITTEE, "--period", "2019-11", "--format", "json", stdout=out)
    document = json.loads(out.getvalue())
    _assert_shown(_by_ref(document["rows"], halfway), text=lambda value: f"{Decimal(str(value)):f}")


def test_the_paper_prints_every_number_as_the_page_shows_it(halfway):
    from reports.content import paper_content
    from reports.services import paper_settings_for
    from reports.snapshot import build_snapshot

    committee = halfway["KPI"].directorate.committees.get(slug=COMMITTEE)
    snapshot = build_snapshot(
        committee=committee, settings=paper_settings_for(committee), period=NOV, meeting_date=date(2020, 1, 20)
    )
    kpi = next(item for item in snapshot["kpis"] if item["code"] == halfway["KPI"].code)
    activity = next(item for item in snapshot["activities"] if item["code"] == halfway["ACT"].code)
    assert [kpi[k] for k in ("value_text", "ytd_value_text", "target_text", "floor_text", "previous_year_text")] == [
        "88.5%",
        "88.5%",
        "90.3%",
        "80.5%",
        "77.7%",
    ]
    assert [activity[k] for k in ("value_text", "lower_text", "upper_text", "previous_year_text")] == [
        "5.13",
        "0.13",
        "10.01",
        "1.15",
    ]
    content = paper_content(snapshot)
    kpi_row = next(row for row in content.kpi_rows if row[0] == halfway["KPI"].code)
    activity_row = next(row for row in content.activity_rows if row[0] == halfway["ACT"].code)
    assert {"88.5%", "90.3%", "80.5%", "77.7%"} <= set(kpi_row)
    assert {"5.13", "0.13", "10.01", "1.15"} <= set(activity_row)
    section = next(s for s in content.sections if s.item["code"] == halfway["KPI"].code)
    assert {"88.5%", "90.3%", "80.5%", "77.7%"} <= {text for _, text in section.figures}
