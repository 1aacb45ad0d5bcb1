"""What the paper says about SPC, from a snapshot alone (no database)."""

from __future__ import annotations

import pytest

from indicators import wording
from indicators.wording import SpcCounts
from reports.content import activity_row, kpi_icons, spc_sentence, spc_words


def kpi(code: str, name: str, variation: str = "common_cause", assurance: str = "hit_and_miss", rag="green"):
    spc = {"variation": variation, "assurance": assurance, "reason": "" if variation else "Not enough data: 6 values."}
    return {"code": code, "name": name, "rag": rag, "value": "1", "spc": spc}


HELP_DESK = kpi("ICT02", "Positive feedback rating with the ICT help desk", "concern_low", rag="red")
SICKNESS = kpi("HR02", "Staff sickness absence", "concern_high")
INVOICES = kpi("FN04", "Average number of days to pay supplier invoices", "improvement_low")
PENSIONS = kpi("FN02", "Retirement benefits paid within 20 working days", assurance="fail")
QUARTERLY = kpi("HR03", "Staff who have completed all mandatory learning", "", "")
CALM = kpi("CS02", "Calls to Contact Point answered")


@pytest.mark.parametrize(
    ("kpis", "sentence"),
    [
        ([CALM, CALM], "Both KPIs show only common cause variation."),
        (
            [CALM, HELP_DESK],
            "Of the 2 KPIs, 1 shows special cause concern (the positive feedback rating with the ICT help desk).",
        ),
        (
            # the Red one named first, whatever its code
            [SICKNESS, HELP_DESK, INVOICES, PENSIONS, QUARTERLY],
            "Of the 5 KPIs, 2 show special cause concern (the positive feedback rating with the ICT help desk and "
            "the staff sickness absence) and 1 shows special cause improvement; 1 will consistently fail its "
            "target unless something changes. 1 has too few values for SPC.",
        ),
        (
            [SICKNESS, SICKNESS, SICKNESS, HELP_DESK, CALM],
            "Of the 5 KPIs, 4 show special cause concern (including the positive feedback rating with the ICT help "
            "desk and the staff sickness absence).",
        ),
        ([HELP_DESK], "The one KPI shows special cause concern (the positive feedback rating with the ICT help desk)."),
        (
            [PENSIONS],
            "The one KPI shows only common cause variation; it will consistently fail its target unless "
            "something changes.",
        ),
        (
            [QUARTERLY, QUARTERLY],
            "None of the 2 KPIs has enough values yet for statistical process control (SPC needs at least 13).",
        ),
        (
            [QUARTERLY],
            "The one KPI does not have enough values yet for statistical process control (SPC needs at least 13).",
        ),
        ([], ""),
    ],
)
def test_cover_sentence_counts_concern_improvement_failing_targets_and_short_histories(kpis, sentence):
    assert spc_sentence(kpis) == sentence


def test_the_cover_sentence_is_the_dashboards_line_with_the_concerns_named():
    kpis = [SICKNESS, HELP_DESK, INVOICES, PENSIONS, QUARTERLY, CALM]
    counts = SpcCounts(total=6, concern=2, improvement=1, neutral=0, common=2, not_enough=1, fail=1, passing=0)
    named = " (the positive feedback rating with the ICT help desk and the staff sickness absence)"
    assert spc_sentence(kpis) == wording.spc_sentence(counts).replace("cause concern", f"cause concern{named}")


def test_a_paper_made_before_spc_has_no_spc_sentence_and_dashes_not_not_enough_data():
    old = {k: v for k, v in CALM.items() if k != "spc"}
    assert spc_sentence([old]) == ""
    assert spc_words(old) == ["–", "–"]
    assert kpi_icons(old) == (None, None)


def test_icons_carry_a_letter_and_colour_and_the_words_say_the_same():
    variation, assurance = kpi_icons(PENSIONS)
    assert (variation.letter, assurance.letter, assurance.colour) == ("~", "F", "#ED8B00")
    assert spc_words(PENSIONS) == ["Common cause", "Consistently fails"]
    assert spc_words(QUARTERLY) == ["Not enough data", "–"]
    assert kpi_icons(QUARTERLY) == (None, None)
    assert spc_words({**HELP_DESK, "value": None}) == ["Data to be supplied", "–"]


def _latest_item(**fields) -> dict:
    return {"value": "91.5", "value_text": "91.5%", "period_label": "September 2019", "stale": False} | fields


@pytest.mark.parametrize(
    ("item", "printed"),
    [
        (_latest_item(value_status="current", period_label="November 2019"), "91.5%"),
        (_latest_item(value_status="latest available"), "91.5% (September 2019)"),
        (_latest_item(value_status="stale", stale=True), "91.5% (September 2019)"),
        # a paper made before value_status was stored: the month only for a stale value, as it printed then
        (_latest_item(), "91.5%"),
        (_latest_item(stale=True), "91.5% (September 2019)"),
    ],
)
def test_a_latest_value_not_the_papers_own_month_carries_its_month(item, printed):
    assert (
        activity_row(
            item | {"code": "X", "name": "X", "lower_text": "", "upper_text": "", "range": "", "previous_year_text": ""}
        )[2]
        == printed
    )
