"""SPC on the dashboard (issue 16 item 2): icons per row, the summary line, the filter, downloads and the command.

Every output reads the icons stored with the ratings; the indicator page draws its chart from the history
(`spc_chart.indicator_xmr`). They must agree.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date

import pytest
from django.core.management import call_command

from indicators.dashboard import build_dashboard
from indicators.guidance import spc_counts, spc_sentence
from indicators.models import Committee, Indicator, Phase, Rating, Result
from indicators.spc import Assurance, Variation
from indicators.spc_chart import indicator_xmr

NOV = date(2019, 11, 1)
COMMITTEE = "policy-and-resources"
NOVEMBER = f"/committees/{COMMITTEE}/2019-11/"


@pytest.fixture
def viewer(client, demo):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="viewer"))
    return client


def page_icons(indicator: Indicator, period: date) -> tuple[Variation, Assurance]:
    results = list(indicator.results.order_by("period"))
    chart = indicator_xmr(indicator, results, list(indicator.thresholds.all()), period, list(indicator.phases.all()))
    return (chart.result.variation, chart.result.assurance) if chart else (Variation.NONE, Assurance.NONE)


def test_every_demo_row_shows_the_icons_of_its_indicator_pages_chart(demo):
    dashboard = build_dashboard(Indicator.objects.active(), NOV)
    assert len(dashboard.kpis) >= 25
    for row in dashboard.rows:
        variation, assurance = page_icons(row.indicator, row.period or NOV)
        assert row.variation == variation, row.indicator.code
        if row in dashboard.kpis:
            assert row.assurance == assurance, row.indicator.code


def test_every_rating_of_every_month_agrees_with_the_chart_ending_that_month(demo):
    for rating in Rating.objects.select_related("indicator").filter(indicator__code__in=["ICT02", "FN01", "HR07"]):
        variation, assurance = page_icons(rating.indicator, rating.period)
        assert (rating.variation, rating.assurance if rating.indicator.is_kpi else "") == (
            variation,
            assurance if rating.indicator.is_kpi else "",
        ), (rating.indicator.code, rating.period)


def test_page_csv_xlsx_json_and_command_carry_the_same_icons(viewer):
    dashboard = build_dashboard(Indicator.objects.active().for_committee(Committee.objects.get(slug=COMMITTEE)), NOV)
    expected = {row.indicator.code: row.variation.value for row in dashboard.rows}
    assurances = {row.indicator.code: row.assurance.value for row in dashboard.kpis}
    rows = list(csv.DictReader(io.StringIO(viewer.get(f"{NOVEMBER}dashboard.csv").content.decode("utf-8-sig"))))
    assert {r["ref"]: r["variation"] for r in rows} == expected
    assert {r["ref"]: r["assurance"] for r in rows if r["kind"] == "kpi"} == assurances
    out = io.StringIO()
    call_command("dashboard", "--committee", COMMITTEE, "--period", "2019-11", "--format", "json", stdout=out)
    document = json.loads(out.getvalue())
    assert {r["ref"]: r["variation"] for r in document["rows"]} == expected
    html = viewer.get(NOVEMBER).content.decode()
    for code, variation in expected.items():
        row_html = html.split(f'id="row-{code}"')[1].split("</tr>")[0]
        assert f"kp-spc-icon--{variation}" in row_html or (variation == "" and "Not enough data" in row_html), code


def test_the_summary_line_counts_the_kpis_by_cause_and_assurance(viewer):
    dashboard = build_dashboard(Indicator.objects.active().for_committee(Committee.objects.get(slug=COMMITTEE)), NOV)
    counts = spc_counts(dashboard)
    assert counts.total == len(dashboard.kpis)
    assert counts.concern + counts.improvement + counts.neutral + counts.common + counts.not_enough == counts.total
    assert spc_sentence(counts) in viewer.get(NOVEMBER).content.decode()
    assert spc_sentence(counts) == (
        "Of the 25 KPIs, 2 show special cause concern, 2 show special cause improvement and 1 shows a special "
        "cause neither better nor worse; 1 will consistently fail its target unless something changes. 3 have too "
        "few values for SPC."
    )


@pytest.mark.parametrize("wanted", ["concern", "improvement", "common_cause", "none"])
def test_the_variation_filter_keeps_only_the_rows_with_that_variation(viewer, wanted):
    dashboard = build_dashboard(Indicator.objects.active().for_committee(Committee.objects.get(slug=COMMITTEE)), NOV)

    def matches(variation):
        return variation is Variation.NONE if wanted == "none" else variation.value.startswith(wanted)

    expected = sorted(r.indicator.code for r in dashboard.rows if matches(r.variation))
    rows = list(
        csv.DictReader(
            io.StringIO(viewer.get(f"{NOVEMBER}dashboard.csv?variation={wanted}").content.decode("utf-8-sig"))
        )
    )
    assert sorted(r["ref"] for r in rows) == expected
    assert viewer.get(f"{NOVEMBER}?variation={wanted}").status_code == 200


def test_an_unknown_variation_filter_is_an_error_not_a_wrong_page(viewer):
    response = viewer.get(f"{NOVEMBER}?variation=sparkly")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_a_new_phase_re_rates_the_icons(demo):
    ict02 = Indicator.objects.get(code="ICT02")
    before = Rating.objects.get(indicator=ict02, period=NOV)
    Phase.objects.create(indicator=ict02, start=date(2019, 6, 1), reason="New help desk system")
    after = Rating.objects.get(indicator=ict02, period=NOV)
    assert (after.variation, after.assurance) == (Variation.NONE, Assurance.NONE)  # six values in the new phase
    assert (after.variation, after.assurance) == page_icons(ict02, NOV)
    assert before.variation != "" or before.assurance != ""


def test_a_committee_on_the_statistical_basis_gets_its_direction_from_spc(viewer):
    from indicators.models import DirectionBasis
    from indicators.rules import Direction

    committee = Committee.objects.get(slug=COMMITTEE)
    committee.direction_basis = DirectionBasis.SPC
    committee.save()
    dashboard = build_dashboard(Indicator.objects.active().for_committee(committee), NOV, direction_basis="spc")
    expected = {"improvement": Direction.IMPROVED, "concern": Direction.WORSENED, "common": Direction.UNCHANGED}
    for row in dashboard.kpis:
        cause = row.variation.value.split("_")[0]
        assert row.direction == (expected.get(cause, Direction.UNCHANGED) if row.variation else Direction.NONE)
    assert any(row.direction is Direction.UNCHANGED for row in dashboard.kpis)
    html = viewer.get(NOVEMBER).content.decode()
    assert "No significant change" in html
    assert "Direction of travel is statistical (SPC)" in html
    rows = list(csv.DictReader(io.StringIO(viewer.get(f"{NOVEMBER}dashboard.csv").content.decode("utf-8-sig"))))
    assert {r["ref"]: r["direction"] for r in rows if r["kind"] == "kpi"} == {
        row.indicator.code: row.direction.value for row in dashboard.kpis
    }


def test_the_paper_carries_the_icons_the_dashboard_shows_for_november_2019(demo):
    from reports.models import PaperSettings
    from reports.snapshot import build_snapshot

    committee = Committee.objects.get(slug=COMMITTEE)
    dashboard = build_dashboard(Indicator.objects.active().for_committee(committee), NOV)
    settings, _ = PaperSettings.objects.get_or_create(committee=committee)
    snapshot = build_snapshot(committee=committee, settings=settings, period=NOV, meeting_date=date(2020, 1, 21))
    shown = {row.indicator.code: (row.variation.value, row.assurance.value) for row in dashboard.kpis}
    papered = {
        kpi["code"]: ((kpi["spc"] or {}).get("variation", ""), (kpi["spc"] or {}).get("assurance", ""))
        for kpi in snapshot["kpis"]
    }
    assert papered == shown
    assert {"concern_low", "concern_high", "improvement_low", "common_cause"} <= {v for v, _ in shown.values()}
    assert "fail" in {a for _, a in shown.values()}


def test_a_paper_on_the_statistical_basis_words_the_direction_as_spc_does(demo):
    from reports.content import kpi_row
    from reports.models import PaperSettings
    from reports.snapshot import build_snapshot

    committee = Committee.objects.get(slug=COMMITTEE)
    committee.direction_basis = "spc"
    committee.save()
    settings, _ = PaperSettings.objects.get_or_create(committee=committee)
    snapshot = build_snapshot(committee=committee, settings=settings, period=NOV, meeting_date=date(2020, 1, 21))
    words = {kpi["code"]: kpi["direction_text"] for kpi in snapshot["kpis"]}
    assert words["ICT02"] == "Concerning"  # the demo's outlier below its lower limit
    assert set(words.values()) <= {"Improving", "Concerning", "No significant change", "–"}
    assert "No significant change" in kpi_row(next(k for k in snapshot["kpis"] if k["direction_text"].startswith("No")))


# --- a clear message, not a wrong icon (issue 16, "done means") ------------------------------------

ICONS = [v.value for v in Variation if v is not Variation.NONE] + [
    a.value for a in Assurance if a is not Assurance.NONE
]
GAPS = (
    "No value for 2 months (February 2019 and March 2019): the chart uses the values it has, with no moving range "
    "across a gap, and a gap neither breaks nor extends a run."
)


def _too_few(ict02):
    Result.objects.filter(indicator=ict02, period__lt=date(2019, 1, 1)).delete()


def _short_phase(ict02):
    Phase.objects.create(indicator=ict02, start=date(2019, 6, 1), reason="New help desk system")


def _missing_months(ict02):
    Result.objects.filter(indicator=ict02, period__lt=date(2018, 11, 1)).delete()  # 13 months to November 2019
    Result.objects.filter(indicator=ict02, period__in=[date(2019, 2, 1), date(2019, 3, 1)]).delete()  # 11 values


def _snapshot_kpi(code: str) -> dict:
    from reports.models import PaperSettings
    from reports.snapshot import build_snapshot

    committee = Committee.objects.get(slug=COMMITTEE)
    settings, _ = PaperSettings.objects.get_or_create(committee=committee)
    snapshot = build_snapshot(committee=committee, settings=settings, period=NOV, meeting_date=date(2020, 1, 21))
    return next(kpi for kpi in snapshot["kpis"] if kpi["code"] == code)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_too_few, "Not enough data: 11 values; SPC needs at least 13 to show whether a change is real."),
        (
            _short_phase,
            "Not enough data: 6 values in the current phase; SPC needs at least 13 to show whether a change is real.",
        ),
        (_missing_months, "Not enough data: 11 values; SPC needs at least 13 to show whether a change is real."),
    ],
    ids=["too-few-values", "a-phase-under-13", "missing-months"],
)
def test_too_little_data_says_so_on_every_surface_and_shows_no_icon(viewer, change, reason):
    from reports.content import spc_words

    ict02 = Indicator.objects.get(code="ICT02")
    change(ict02)

    row_html = viewer.get(NOVEMBER).content.decode().split('id="row-ICT02"')[1].split("</tr>")[0]
    assert "Not enough data" in row_html
    assert not [icon for icon in ICONS if f"kp-spc-icon--{icon}" in row_html]
    rows = csv.DictReader(io.StringIO(viewer.get(f"{NOVEMBER}dashboard.csv").content.decode("utf-8-sig")))
    assert [(r["variation"], r["assurance"]) for r in rows if r["ref"] == "ICT02"] == [("", "")]

    page = viewer.get("/indicators/ICT02/").content.decode()
    variation = page[page.index('id="spc-variation"') : page.index('id="spc-assurance"')]
    assert reason in variation and "kp-spc-icon" not in variation
    assert reason in page[page.index('id="xmr-table"') :]  # the chart's description under its table
    assert (GAPS in page) is (change is _missing_months)

    kpi = _snapshot_kpi("ICT02")
    assert (kpi["spc"]["variation"], kpi["spc"]["assurance"], kpi["spc"]["reason"]) == ("", "", reason)
    assert spc_words(kpi) == ["Not enough data", "–"]
    assert reason in kpi["spc"]["description"]  # the paper's XmR chart's alt text


def test_with_enough_values_a_gap_is_left_out_and_the_icons_come_from_the_values_there_are(viewer):
    ict02 = Indicator.objects.get(code="ICT02")
    before = Rating.objects.get(indicator=ict02, period=NOV).variation
    Result.objects.filter(indicator=ict02, period__in=[date(2019, 2, 1), date(2019, 3, 1)]).delete()
    after = Rating.objects.get(indicator=ict02, period=NOV)
    assert after.variation == before == Variation.CONCERN_LOW  # the outlier is still below the lower limit
    assert (after.variation, after.assurance) == page_icons(ict02, NOV)

    page = viewer.get("/indicators/ICT02/").content.decode()
    assert f'<p class="govuk-body-s" id="xmr-gaps">{GAPS}</p>' in page
    table = page[page.index('id="xmr-table"') : page.index("</table>", page.index('id="xmr-table"'))]
    signals = dict(re.findall(r'header">([A-Z][a-z]+ \d{4})</th>\s*<td[^>]*>[^<]*</td>\s*<td[^>]*>([^<]*)</td>', table))
    assert [month for month, signal in signals.items() if signal == "No value"] == ["February 2019", "March 2019"]
    assert signals["November 2019"].startswith("Concern (low): beyond a process limit")
    assert _snapshot_kpi("ICT02")["spc"]["variation"] == Variation.CONCERN_LOW
    assert GAPS in _snapshot_kpi("ICT02")["spc"]["description"]
