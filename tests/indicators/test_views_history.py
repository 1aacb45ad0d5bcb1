"""The indicator page's audit history: who changed what, old → new, newest first."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from indicators.history import indicator_history
from indicators.models import Directorate, Indicator, Result, Threshold


@pytest.fixture
def ict01(db):
    directorate = Directorate.objects.create(name="Strategic and Corporate Services", slug="scs")
    return Indicator.objects.create(code="ICT01", name="Calls resolved", directorate=directorate, polarity="H")


def changes(indicator: Indicator) -> list[tuple]:
    return [(e.what, e.who, [(c.field, c.old, c.new) for c in e.changes]) for e in indicator_history(indicator)][::-1]


def test_each_change_lists_the_fields_that_changed_in_their_order_old_then_new(ict01, performance_user):
    threshold = Threshold.objects.create(indicator=ict01, financial_year=2019, target=Decimal(90), floor=Decimal(80))
    threshold._history_user = performance_user
    threshold.target, threshold.floor = Decimal(92), Decimal("85.5")
    threshold.save()
    result = Result.objects.create(indicator=ict01, period=date(2019, 11, 1), numerator=Decimal(17), denominator=20)
    result.value, result.numerator = Decimal(85), None
    result.save()
    result.save()  # saved again unchanged: an entry with nothing changed

    assert changes(ict01) == [
        ("Threshold 2019/20 (created)", "System", [("Target", "", "90"), ("Floor standard", "", "80")]),
        (
            "Threshold 2019/20 (changed)",
            performance_user.get_username(),
            [("Target", "90", "92"), ("Floor standard", "80", "85.5")],
        ),
        ("Result November 2019 (created)", "System", [("Numerator", "", "17"), ("Denominator", "", "20")]),
        ("Result November 2019 (changed)", "System", [("Value", "", "85"), ("Numerator", "17", "")]),
        ("Result November 2019 (changed)", "System", []),
    ]


def test_a_change_to_a_row_loaded_without_history_shows_its_old_values_as_not_recorded(ict01):
    [result] = Result.objects.bulk_create([Result(indicator=ict01, period=date(2019, 11, 1), value=Decimal(80))])
    result.value = Decimal(81)
    result.save()
    assert changes(ict01) == [("Result November 2019 (changed)", "System", [("Value", "not recorded", "81")])]


def test_an_entry_says_why_the_change_was_made(ict01):
    result = Result.objects.create(indicator=ict01, period=date(2019, 11, 1), value=Decimal(80))
    result.value, result._change_reason = Decimal(82), "Corrected: the October count was late"
    result.save()
    newest = indicator_history(ict01)[0]
    assert (newest.reason, newest.changes[0].old, newest.changes[0].new) == (
        "Corrected: the October count was late",
        "80",
        "82",
    )
