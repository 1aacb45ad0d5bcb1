"""The one rule for what the public may see, case by case (public/selectors.py)."""

from __future__ import annotations

from datetime import date

import pytest

from indicators.models import Commentary, CommentaryStatus, Indicator
from public.models import Publication
from public.selectors import public_figures

SEPTEMBER, OCTOBER, NOVEMBER = date(2019, 9, 1), date(2019, 10, 1), date(2019, 11, 1)


def figures(code: str) -> dict:
    return {f.period: f for f in public_figures(Indicator.objects.filter(code=code))}


@pytest.mark.parametrize("status", [CommentaryStatus.DRAFT, CommentaryStatus.SUBMITTED, CommentaryStatus.RETURNED])
def test_a_figure_whose_return_is_not_approved_is_not_public(published, status):
    Commentary.objects.filter(indicator__code="ICT01", period=OCTOBER).update(status=status)

    assert OCTOBER not in figures("ICT01")
    assert SEPTEMBER in figures("ICT01") and NOVEMBER in figures("ICT01")


def test_a_figure_with_no_return_at_all_is_not_public(published):
    Commentary.objects.filter(indicator__code="ICT01", period=OCTOBER).delete()

    assert OCTOBER not in figures("ICT01")


def test_the_year_to_date_stops_being_public_at_the_first_unapproved_month_of_the_year(published):
    Commentary.objects.filter(indicator__code="ICT01", period=OCTOBER).update(status=CommentaryStatus.SUBMITTED)
    found = figures("ICT01")

    assert found[SEPTEMBER].ytd_value is not None and found[SEPTEMBER].ytd_rag.value
    assert found[NOVEMBER].ytd_value is None and found[NOVEMBER].ytd_rag.value == ""
    assert found[NOVEMBER].value is not None  # the month itself is approved
    assert found[date(2019, 4, 1)].ytd_value is not None


def test_the_previous_year_is_public_only_when_that_figure_is(published):
    assert figures("ICT01")[NOVEMBER].previous_year is not None
    Commentary.objects.filter(indicator__code="ICT01", period=date(2018, 11, 1)).update(
        status=CommentaryStatus.SUBMITTED
    )
    assert figures("ICT01")[NOVEMBER].previous_year is None

    Commentary.objects.filter(indicator__code="ICT01", period=date(2018, 11, 1)).update(
        status=CommentaryStatus.APPROVED
    )
    Publication.objects.filter(indicator__code="ICT01", financial_year=2018).delete()

    found = figures("ICT01")
    assert found[NOVEMBER].previous_year is None
    assert not [p for p in found if p < date(2019, 4, 1)]  # nothing of the unpublished year


def test_an_inactive_indicator_is_not_public_whatever_its_publications(published):
    Indicator.objects.filter(code="ICT01").update(active=False)

    assert figures("ICT01") == {}
    assert Publication.objects.filter(indicator__code="ICT01").exists()


def test_commentary_is_public_only_when_approved(published):
    comment = Commentary.objects.get(indicator__code="ICT02", period=NOVEMBER)

    assert figures("ICT02")[NOVEMBER].commentary == comment.text != ""
    comment.status = CommentaryStatus.RETURNED
    comment.save()
    assert NOVEMBER not in figures("ICT02")


def test_nothing_is_public_before_anything_is_published(demo):
    assert public_figures() == []
