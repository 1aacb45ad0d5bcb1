"""The cover report's sentences for every combination of counts (no database)."""

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.template import Context, Template

from indicators.wording import (
    RagCounts,
    RedIndicator,
    SpcCounts,
    counts_sentence,
    fill,
    lower_first,
    ordinal,
    person_name,
    red_paragraphs,
    red_summary,
    spc_sentence,
    status_bullets,
)

SEED = (
    "21 of the 25 KPIs achieved target and were RAG rated Green, 3 were below target but did achieve the floor "
    "standard (Amber) and 1 did not achieve the floor standard (Red)."
)


@pytest.mark.parametrize(
    ("counts", "sentence"),
    [
        (RagCounts(21, 3, 1), SEED),
        (
            RagCounts(1, 1, 1),
            "1 of the 3 KPIs achieved target and was RAG rated Green, 1 was below target but did achieve the floor "
            "standard (Amber) and 1 did not achieve the floor standard (Red).",
        ),
        (
            RagCounts(20, 5, 0),
            "20 of the 25 KPIs achieved target and were RAG rated Green and 5 were below target but did achieve the "
            "floor standard (Amber).",
        ),
        (
            RagCounts(0, 4, 2),
            "4 of the 6 KPIs were below target but did achieve the floor standard (Amber) and 2 did not achieve the "
            "floor standard (Red).",
        ),
        (RagCounts(25, 0, 0), "All 25 KPIs achieved target and were RAG rated Green."),
        (RagCounts(0, 7, 0), "All 7 KPIs were below target but did achieve the floor standard (Amber)."),
        (RagCounts(0, 0, 4), "None of the 4 KPIs achieved the floor standard: all 4 were RAG rated Red."),
        (RagCounts(1, 0, 0), "The one KPI achieved target and was RAG rated Green."),
        (RagCounts(0, 0, 1), "The one KPI did not achieve the floor standard (Red)."),
        (RagCounts(0, 0, 0), "There are no KPIs on the dashboard for this period."),
        (
            RagCounts(20, 3, 1, 1),
            "20 of the 25 KPIs achieved target and were RAG rated Green, 3 were below target but did achieve the "
            "floor standard (Amber), 1 did not achieve the floor standard (Red) and 1 could not be RAG rated (data "
            "to be supplied).",
        ),
        (RagCounts(0, 0, 0, 3), "None of the 3 KPIs could be RAG rated (data to be supplied)."),
        (
            RagCounts(3, 0, 0, information=1),
            "3 of the 4 KPIs achieved target and were RAG rated Green and 1 was reported for information only "
            "(not RAG rated).",
        ),
        (
            RagCounts(2, 1, 0, untargeted=1),
            "2 of the 4 KPIs achieved target and were RAG rated Green, 1 was below target but did achieve the floor "
            "standard (Amber) and 1 had no target set, so was not RAG rated.",
        ),
    ],
    ids=[
        "seed",
        "one-of-each",
        "none-red",
        "none-green",
        "all-green",
        "all-amber",
        "all-red",
        "single-green",
        "single-red",
        "zero-kpis",
        "some-unrated",
        "all-unrated",
        "data-only",
        "no-target",
    ],
)
def test_counts_sentence_reads_like_the_seed_in_every_combination(counts, sentence):
    assert counts_sentence(counts) == sentence


def test_one_red_indicator_is_named_in_the_summary_in_lower_case():
    reds = [RedIndicator("Positive feedback rating with the ICT help desk", None)]
    assert red_summary(reds) == "The Red indicator is the positive feedback rating with the ICT help desk."


def test_several_red_indicators_are_listed_and_no_red_says_so():
    reds = [
        RedIndicator("Invoices paid on time", None),
        RedIndicator("Calls answered", None),
        RedIndicator("ICT calls resolved", None),
    ]
    assert red_summary(reds) == (
        "The Red indicators are the invoices paid on time, the calls answered and the ICT calls resolved."
    )
    assert red_summary([]) == "No KPI was RAG rated Red."


@pytest.mark.parametrize(
    ("counts", "lead", "bullets"),
    [
        (
            RagCounts(21, 3, 1),
            "Of the 25 KPIs, the latest RAG status are as follows:",
            [
                "21 are rated Green – the target was achieved or exceeded;",
                "3 are rated Amber – performance achieved or exceeded the expected floor standard but did not meet "
                "the target for Green;",
                "1 is rated Red – performance did not meet the expected floor standard.",
            ],
        ),
        (
            RagCounts(1, 0, 0),
            "Of the 1 KPI, the latest RAG status are as follows:",
            [
                "1 is rated Green – the target was achieved or exceeded.",
            ],
        ),
        (
            RagCounts(2, 0, 0, 1),
            "Of the 3 KPIs, the latest RAG status are as follows:",
            [
                "2 are rated Green – the target was achieved or exceeded;",
                "1 has no RAG rating – data to be supplied.",
            ],
        ),
        (RagCounts(), "There are no KPIs to RAG rate for this period.", []),
    ],
    ids=["seed", "single", "unrated", "zero"],
)
def test_status_bullets_count_each_colour_that_occurs(counts, lead, bullets):
    assert status_bullets(counts) == (lead, bullets)


def test_red_paragraph_names_the_indicator_then_its_approved_commentary():
    reds = [RedIndicator("Positive feedback rating with the ICT help desk", "  It rose in December.  ")]
    assert red_paragraphs(reds) == [
        "The positive feedback rating with the ICT help desk was the KPI RAG rated Red. It rose in December."
    ]


def test_red_paragraph_without_approved_commentary_says_it_is_to_be_supplied():
    reds = [RedIndicator("Calls answered", None), RedIndicator("Invoices paid", " ")]
    assert red_paragraphs(reds) == [
        "The calls answered was one of the 2 KPIs RAG rated Red; commentary is to be supplied.",
        "The invoices paid was one of the 2 KPIs RAG rated Red; commentary is to be supplied.",
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Positive feedback", "positive feedback"),
        ("ICT calls", "ICT calls"),
        ("FOI requests", "FOI requests"),
        ("É-mail", "é-mail"),
        ("", ""),
    ],
)
def test_lower_first_keeps_acronyms(name, expected):
    assert lower_first(name) == expected


@pytest.mark.parametrize(
    ("n", "word"),
    [(1, "first"), (2, "second"), (12, "twelfth"), (13, "13th"), (21, "21st"), (22, "22nd"), (111, "111th")],
)
def test_ordinal_words(n, word):
    assert ordinal(n) == word


def test_fill_replaces_known_placeholders_and_leaves_other_braces():
    assert fill("{committee} {unknown} {", {"committee": "P&R"}) == "P&R {unknown} {"


def test_status_bullets_say_why_a_kpi_is_not_rated():
    lead, bullets = status_bullets(RagCounts(1, 0, 0, unrated=1, untargeted=1, information=2))
    assert bullets[1:] == [
        "1 has no RAG rating – data to be supplied;",
        "1 has no RAG rating – no target set;",
        "2 are reported for information only – not RAG rated.",
    ]


def test_counts_under_other_schemes_do_not_speak_of_floor_standards():
    counts = RagCounts(green=3, amber=1, red=2, information=1, floor_scheme=False)

    assert counts_sentence(counts) == (
        "3 of the 7 KPIs were RAG rated Green, 1 was RAG rated Amber, 2 were RAG rated Red "
        "and 1 was reported for information only (not RAG rated)."
    )
    lead, bullets = status_bullets(counts)
    assert not any("floor standard" in bullet for bullet in bullets)


# --- the SPC line (dashboard and cover report) ----------------------------------------------


def spc(total=0, concern=0, improvement=0, neutral=0, common=0, not_enough=0, fail=0, passing=0) -> SpcCounts:
    return SpcCounts(total, concern, improvement, neutral, common, not_enough, fail, passing)


@pytest.mark.parametrize(
    ("counts", "sentence"),
    [
        (spc(), ""),
        # one KPI: "The one KPI", never "Of the 1 KPI"
        (
            spc(1, not_enough=1),
            "The one KPI does not have enough values yet for statistical process control (SPC needs at least 13).",
        ),
        (spc(1, common=1), "The one KPI shows only common cause variation."),
        (
            spc(1, concern=1, fail=1),
            "The one KPI shows special cause concern; it will consistently fail its target unless something changes.",
        ),
        (spc(1, improvement=1, passing=1), "The one KPI shows special cause improvement."),
        (spc(1, neutral=1), "The one KPI shows a special cause neither better nor worse."),
        # two, and many
        (spc(2, common=2), "Both KPIs show only common cause variation."),
        (
            spc(2, not_enough=2),
            "None of the 2 KPIs has enough values yet for statistical process control (SPC needs at least 13).",
        ),
        (
            spc(3, concern=1, common=2, fail=1),
            "Of the 3 KPIs, 1 shows special cause concern; 1 will consistently "
            "fail its target unless something changes.",
        ),
        (
            spc(25, common=25, fail=6),
            "All 25 KPIs show only common cause variation; 6 will consistently fail their "
            "target unless something changes.",
        ),
        (
            spc(25, common=24, not_enough=1),
            "Of the 25 KPIs, 24 show only common cause variation. 1 has too few values for SPC.",
        ),
        (
            spc(25, concern=4, improvement=2, neutral=1, common=15, not_enough=3, fail=6, passing=1),
            "Of the 25 KPIs, 4 show special cause concern, 2 show special cause improvement and 1 shows a special "
            "cause neither better nor worse; 6 will consistently fail their target unless something changes. 3 "
            "have too few values for SPC.",
        ),
        (
            spc(4, improvement=1, neutral=2, common=1),
            "Of the 4 KPIs, 1 shows special cause improvement and 2 show a special cause neither better nor worse.",
        ),
    ],
)
def test_the_spc_line_reads_right_for_none_one_and_many(counts, sentence):
    assert spc_sentence(counts) == sentence


@pytest.mark.parametrize(
    ("names", "listed"),
    [
        (["the a"], "(the a)"),
        (["the a", "the b", "the c"], "(the a, the b and the c)"),
        (["the a", "the b", "the c", "the d"], "(including the a and the b)"),
    ],
)
def test_the_spc_line_names_up_to_three_concerns_then_two(names, listed):
    counts = spc(len(names) + 1, concern=len(names), common=1)
    shows = "shows" if len(names) == 1 else "show"
    expected = f"Of the {len(names) + 1} KPIs, {len(names)} {shows} special cause concern {listed}."
    assert spc_sentence(counts, names) == expected


@pytest.mark.parametrize(
    ("user", "name"),
    [
        (User(username="jsmith", first_name="Jane", last_name="Smith"), "Jane Smith"),
        (User(username="jsmith"), "jsmith"),
        (None, ""),
        (AnonymousUser(), ""),
    ],
)
def test_a_person_is_named_by_their_full_name_else_their_username_in_code_and_templates(user, name):
    assert person_name(user) == name
    assert Template("{{ user|person_name|default:'nobody' }}").render(Context({"user": user})) == (name or "nobody")
