"""What counts as a change between a paper's snapshot and today's (reports.changes): no database."""

from __future__ import annotations

import copy

import pytest

from reports.changes import changes_sentence, has_changes, snapshot_changes


def _kpi(code: str = "ICT02", **changes) -> dict:
    item = {
        "code": code,
        "name": "Positive feedback rating with the ICT help desk",
        "period": "2019-11",
        "period_label": "November 2019",
        "value": "88.6",
        "value_text": "88.6%",
        "month_rag": "red",
        "ytd_value_text": "95.4%",
        "ytd_rag": "green",
        "rag": "red",
        "target_text": "95.0%",
        "floor_text": "90.0%",
        "previous_year_text": "96.1%",
        "direction": "worsened",
        "direction_text": "Worsened",
        "commentary": "Laptop repairs took too long.",
        "spc": {"variation": "concern_low", "assurance": "hit_and_miss"},
    }
    return {**item, **changes}


def _activity(code: str = "ICT04", **changes) -> dict:
    item = {
        "code": code,
        "name": "Calls to the ICT help desk",
        "period": "2019-11",
        "period_label": "November 2019",
        "value": "12000",
        "value_text": "12,000",
        "range": "within",
        "lower_text": "10,000",
        "upper_text": "14,000",
        "previous_year_text": "11,500",
    }
    return {**item, **changes}


def _snapshot(kpis: list[dict], activities: list[dict] | None = None) -> dict:
    return {"kpis": kpis, "activities": activities or []}


def test_a_snapshot_compared_with_itself_has_no_changes():
    paper = _snapshot([_kpi(), _kpi("FN01")], [_activity()])
    changes = snapshot_changes(paper, copy.deepcopy(paper))
    assert changes == {"figures": [], "commentary": []}
    assert not has_changes(changes)
    assert changes_sentence(changes) == "Nothing has changed since this paper was generated."


def test_a_corrected_value_lists_old_and_new_with_the_rag_and_everything_it_moved():
    paper = _snapshot([_kpi()])
    now = _snapshot(
        [
            _kpi(
                value="96.0",
                value_text="96.0%",
                month_rag="green",
                rag="green",
                ytd_value_text="96.2%",
                spc={"variation": "common_cause", "assurance": "hit_and_miss"},
            )
        ]
    )
    [figure] = snapshot_changes(paper, now)["figures"]
    assert (figure["code"], figure["month"], figure["old_value"], figure["new_value"]) == (
        "ICT02",
        "November 2019",
        "88.6%",
        "96.0%",
    )
    assert (figure["old_rag"], figure["new_rag"]) == ("Red", "Green")
    assert figure["fields"] == [
        ["Latest value", "88.6%", "96.0%"],
        ["Month RAG", "Red", "Green"],
        ["YTD value", "95.4%", "96.2%"],
    ]


def test_a_target_that_moved_without_changing_the_rag_is_not_a_change():
    paper = _snapshot([_kpi()])
    now = _snapshot([_kpi(target_text="96.0%")])
    assert not has_changes(snapshot_changes(paper, now))


def test_a_threshold_that_changed_the_rag_counts_and_shows_the_new_target():
    paper = _snapshot([_kpi()])
    now = _snapshot([_kpi(floor_text="85.0%", month_rag="amber", rag="amber")])
    [figure] = snapshot_changes(paper, now)["figures"]
    assert (figure["old_rag"], figure["new_rag"]) == ("Red", "Amber")
    assert figure["fields"] == [["Month RAG", "Red", "Amber"], ["Floor", "90.0%", "85.0%"]]


def test_a_late_figure_for_a_missing_month_says_data_to_be_supplied_then_the_value():
    paper = _snapshot([_kpi(value=None, value_text="–", month_rag="", rag="", ytd_value_text="–", ytd_rag="")])
    [figure] = snapshot_changes(paper, _snapshot([_kpi()]))["figures"]
    assert (figure["old_value"], figure["new_value"]) == ("Data to be supplied", "88.6%")
    assert (figure["old_rag"], figure["new_rag"]) == ("No RAG", "Red")


def test_a_stale_row_that_gets_its_months_figure_names_both_months():
    paper = _snapshot([_kpi(period="2019-10", period_label="October 2019", value_text="90.1%", value="90.1")])
    [figure] = snapshot_changes(paper, _snapshot([_kpi()]))["figures"]
    assert figure["month"] == "November 2019"
    assert (figure["old_value"], figure["new_value"]) == ("90.1% (October 2019)", "88.6% (November 2019)")
    assert figure["fields"][0] == ["Month", "October 2019", "November 2019"]


@pytest.mark.parametrize(
    ("before", "after", "kind", "label"),
    [
        ("Laptop repairs took too long.", "Laptop repairs took too long; spares now held.", "edited", "Edited"),
        ("Laptop repairs took too long.", None, "withdrawn", "Withdrawn (no longer approved)"),
        (None, "Laptop repairs took too long.", "approved", "Newly approved"),
    ],
)
def test_approved_commentary_edited_withdrawn_or_newly_approved_is_a_change(before, after, kind, label):
    changes = snapshot_changes(_snapshot([_kpi(commentary=before)]), _snapshot([_kpi(commentary=after)]))
    assert changes["figures"] == []
    [note] = changes["commentary"]
    assert (note["kind"], note["kind_label"], note["old"], note["new"]) == (kind, label, before, after)


def test_an_activity_indicator_leaving_its_expected_range_is_a_figure_change():
    paper = _snapshot([], [_activity()])
    now = _snapshot([], [_activity(value="15000", value_text="15,000", range="above")])
    [figure] = snapshot_changes(paper, now)["figures"]
    assert (figure["kind"], figure["old_rag"], figure["new_rag"]) == ("activity", "Within", "Above")
    assert figure["fields"] == [["Latest value", "12,000", "15,000"], ["Expected range", "Within", "Above"]]


def test_indicators_that_joined_or_left_the_committee_are_not_changes_to_the_papers_figures():
    paper = _snapshot([_kpi("ICT01"), _kpi("ICT02")])
    now = _snapshot([_kpi("ICT02"), _kpi("ICT03")])
    assert not has_changes(snapshot_changes(paper, now))


def test_changes_keep_the_papers_order():
    paper = _snapshot([_kpi("B1"), _kpi("A1")])
    now = _snapshot([_kpi("A1", value_text="1.0%"), _kpi("B1", value_text="2.0%")])
    assert [figure["code"] for figure in snapshot_changes(paper, now)["figures"]] == ["B1", "A1"]


@pytest.mark.parametrize(
    ("figures", "commentary", "sentence"),
    [
        (1, 0, "1 figure changed since this paper was generated."),
        (3, 0, "3 figures changed since this paper was generated."),
        (0, 1, "The approved commentary of 1 indicator changed since this paper was generated."),
        (0, 2, "The approved commentary of 2 indicators changed since this paper was generated."),
        (2, 1, "2 figures and the approved commentary of 1 indicator changed since this paper was generated."),
    ],
)
def test_the_sentence_counts_figures_and_commentary_with_proper_plurals(figures, commentary, sentence):
    changes = {"figures": [{}] * figures, "commentary": [{}] * commentary}
    assert changes_sentence(changes) == sentence


def test_a_withdrawn_figure_says_the_value_then_data_to_be_supplied():
    paper = _snapshot([_kpi()])
    now = _snapshot([_kpi(value=None, value_text="–", month_rag="", rag="", ytd_value_text="–", ytd_rag="")])
    [figure] = snapshot_changes(paper, now)["figures"]
    assert (figure["old_value"], figure["new_value"]) == ("88.6%", "Data to be supplied")
    assert (figure["old_rag"], figure["new_rag"]) == ("Red", "No RAG")
