"""The return page's history: who, when, each field old → new (simple-history's diff), and why."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from indicators.history import FieldChange
from indicators.models import Commentary, Result
from returns.history import return_history
from returns.services import return_save, return_send_back
from tests.returns.conftest import DEC


def _changes(entry) -> list[tuple[str, str, str]]:
    return [(c.field, c.old, c.new) for c in entry.changes]


def test_a_first_save_lists_what_it_set_and_an_edit_lists_old_and_new(open_period, ict02, owner_user, performance_user):
    Result.objects.filter(indicator=ict02, period=DEC).delete()
    Commentary.objects.filter(indicator=ict02, period=DEC).delete()
    return_save(indicator=ict02, period=DEC, user=owner_user, value=Decimal("85"), commentary="Down.", submit=True)
    return_send_back(indicator=ict02, period=DEC, user=performance_user, reason="Say why it fell.")
    return_save(indicator=ict02, period=DEC, user=owner_user, value=Decimal("86.5"), commentary="Down: staff away.")
    newest, sent_back, first = return_history(ict02, DEC)

    # The result and the commentary saved together are one entry, the result's fields first, in the page's order.
    assert (first.who, first.reason) == ("test-owner", "Submitted")
    assert _changes(first) == [("Value", "", "85.0%"), ("Commentary", "", "Down."), ("Status", "", "Submitted")]
    assert sent_back.who == "test-performance"
    assert _changes(sent_back) == [
        ("Status", "Submitted", "Returned"),
        ("Reason for returning", "", "Say why it fell."),
    ]
    assert newest.reason == "Saved"
    assert _changes(newest) == [
        ("Value", "85.0%", "86.5%"),
        ("Commentary", "Down.", "Down: staff away."),
    ]


def test_a_figure_as_a_fraction_shows_its_parts_and_an_unchanged_field_is_not_listed(open_period, ict02, owner_user):
    Result.objects.filter(indicator=ict02, period=DEC).delete()
    return_save(indicator=ict02, period=DEC, user=owner_user, numerator=Decimal("17"), denominator=Decimal("20"))
    return_save(indicator=ict02, period=DEC, user=owner_user, numerator=Decimal("18"), denominator=Decimal("20"))
    (entry,) = return_history(ict02, DEC)  # one person's saves within seconds read as one entry
    assert entry.changes == [
        FieldChange("Value", "", "85.0%"),
        FieldChange("Numerator", "", "17"),
        FieldChange("Denominator", "", "20"),
        FieldChange("Status", "", "Draft"),
        FieldChange("Value", "85.0%", "90.0%"),
        FieldChange("Numerator", "17", "18"),  # the denominator, unchanged, is not listed again
    ]


def test_the_return_page_shows_the_history(client, open_period, ict02, owner_user):
    return_save(indicator=ict02, period=DEC, user=owner_user, value=Decimal("85"), commentary="Down.")
    client.force_login(owner_user)
    page = client.get(reverse("return_edit", args=[DEC, "ICT02"])).content.decode()
    assert "History of this return" in page
    assert "Value: (blank) → 85.0%" in page and "Commentary: (blank) → Down." in page
