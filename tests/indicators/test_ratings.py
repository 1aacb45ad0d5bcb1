"""Stored ratings (indicators/ratings.py): every write path leaves them as a fresh rating of everything would."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from indicators import ratings
from indicators.dashboard import build_dashboard, latest_rags
from indicators.models import Directorate, Indicator, Rating, Result, Threshold
from indicators.periods import add_months
from indicators.rules import Direction, Rag
from returns.models import PeriodStatus, ReportingPeriod
from returns.services import return_save
from spreadsheets.services import workbook_import

NOV, DEC = date(2019, 11, 1), date(2019, 12, 1)
FIELDS = [f.name for f in Rating._meta.fields if f.name != "id"]


def stored() -> list[tuple]:
    return sorted(Rating.objects.values_list(*FIELDS))


def assert_current() -> None:
    """The stored ratings are exactly what rating every result from scratch gives."""
    before = stored()
    ratings.refresh_all()
    assert stored() == before


def performance():
    return get_user_model().objects.get(username="performance")


def test_the_demo_is_rated_and_every_recorded_figure_has_one_rating(demo):
    recorded = Result.objects.filter(value__isnull=False).count()
    assert recorded > 500
    assert Rating.objects.count() == recorded
    assert_current()


def test_ict02_november_2019_is_stored_as_the_seed_rates_it(demo):
    rating = Rating.objects.get(indicator__code="ICT02", period=NOV)
    assert rating.month_rag == Rag.RED
    assert rating.value is not None
    assert len(rating.trend) == 12  # monthly, every month recorded in the year to November
    assert rating.trend[-1][0] == NOV.isoformat()
    assert Decimal(rating.trend[-1][1]) == rating.value


def test_a_return_saved_through_the_service_is_rated_in_its_transaction(demo):
    ReportingPeriod.objects.create(period=DEC, deadline=date(2020, 1, 10), status=PeriodStatus.OPEN)
    ict02 = Indicator.objects.get(code="ICT02")
    return_save(indicator=ict02, period=DEC, user=performance(), value=Decimal("99"), approve=True, reason="test")
    assert Rating.objects.get(indicator=ict02, period=DEC).month_rag == Rag.GREEN
    assert_current()


@pytest.mark.parametrize(("change", "direction"), [(-10, Direction.IMPROVED), (10, Direction.WORSENED)])
def test_changing_an_earlier_month_re_rates_the_later_direction(demo, change, direction):
    ict02 = Indicator.objects.get(code="ICT02")
    assert ict02.polarity == "H"
    before = Rating.objects.get(indicator=ict02, period=NOV)
    october = Result.objects.get(indicator=ict02, period=date(2019, 10, 1))
    october.value = before.value + change
    october.save()
    after = Rating.objects.get(indicator=ict02, period=NOV)
    assert after.direction == direction
    assert_current()  # the year to date and the later months too


def test_a_threshold_changed_in_the_admin_re_rates_that_year(client, demo):
    threshold = Threshold.objects.get(indicator__code="ICT02", financial_year=2019)
    client.force_login(get_user_model().objects.get(username="admin"))
    url = reverse("admin:indicators_threshold_change", args=[threshold.pk])
    form = client.get(url).context["adminform"].form
    data = {name: "" if form[name].value() is None else form[name].value() for name in form.fields}
    data.update(target="80", floor="70")
    assert client.post(url, data).status_code == 302
    assert Rating.objects.get(indicator__code="ICT02", period=NOV).month_rag == Rag.GREEN
    assert_current()


def test_a_deleted_threshold_and_a_deleted_result_re_rate(demo):
    Threshold.objects.get(indicator__code="ICT02", financial_year=2019).delete()
    assert Rating.objects.get(indicator__code="ICT02", period=NOV).month_rag == Rag.NONE
    Result.objects.get(indicator__code="ICT02", period=NOV).delete()
    assert not Rating.objects.filter(indicator__code="ICT02", period=NOV).exists()
    assert_current()


def test_a_changed_polarity_re_rates_every_result_and_a_rename_re_rates_nothing(demo, django_assert_max_num_queries):
    ict02 = Indicator.objects.get(code="ICT02")
    ict02.name = "Renamed"
    with django_assert_max_num_queries(8):  # no re-rating: the rating reads no name
        ict02.save()
    ict02.polarity = "L" if ict02.polarity == "H" else "H"
    ict02.save()
    assert Rating.objects.get(indicator=ict02, period=NOV).month_rag != Rag.RED
    assert_current()


def test_a_cleared_value_leaves_no_rating(demo):
    result = Result.objects.get(indicator__code="ICT02", period=NOV)
    result.value = None
    result.save()
    assert not Rating.objects.filter(indicator__code="ICT02", period=NOV).exists()
    assert_current()


def test_a_spreadsheet_import_rates_what_it_wrote(demo, tmp_path):
    path = tmp_path / "results.csv"
    path.write_text("code,period,value,numerator,denominator,commentary\nICT02,2019-11,99,,,\nICT01,2019-04,1,,,\n")
    plan = workbook_import(path=path, file_name="results.csv", user=performance())
    assert plan.applied, plan.errors
    assert Rating.objects.get(indicator__code="ICT02", period=NOV).month_rag == Rag.GREEN
    assert_current()


def test_a_refused_import_leaves_the_ratings_as_they_were(demo, tmp_path):
    before = stored()
    path = tmp_path / "results.csv"
    path.write_text("code,period,value,numerator,denominator,commentary\nICT02,2019-11,99,,,\nNOPE,2019-11,1,,,\n")
    plan = workbook_import(path=path, file_name="results.csv", user=performance())
    assert not plan.applied
    assert stored() == before


def test_deferred_refreshes_once_at_the_end_and_not_at_all_on_an_error(demo):
    result = Result.objects.get(indicator__code="ICT02", period=NOV)
    before = Rating.objects.get(indicator__code="ICT02", period=NOV).value
    with pytest.raises(RuntimeError), ratings.deferred():
        Result.objects.filter(pk=result.pk).update(value=Decimal("12"))  # no signal
        ratings.refresh({result.indicator_id: NOV})
        raise RuntimeError
    assert Rating.objects.get(indicator__code="ICT02", period=NOV).value == before
    with ratings.deferred():
        ratings.refresh({result.indicator_id: NOV})
        assert Rating.objects.get(indicator__code="ICT02", period=NOV).value == before  # not yet
    assert Rating.objects.get(indicator__code="ICT02", period=NOV).value == Decimal("12.0")


def test_migrate_rates_figures_that_have_no_rating_and_rerate_redoes_them_all(demo, capsys):
    expected = stored()
    Rating.objects.filter(indicator__code__startswith="ICT").delete()
    assert ratings.refresh_missing() >= 2
    assert stored() == expected
    Rating.objects.update(month_rag="")
    call_command("rerate")
    assert stored() == expected
    assert "Rated" in capsys.readouterr().out


def test_the_home_counts_equal_the_dashboard_rows_for_every_directorate_and_month(demo):
    periods = sorted(set(Rating.objects.values_list("period", flat=True)))
    assert len(periods) >= 12
    for period in [*periods[-14:], add_months(periods[-1], 30)]:
        for directorate in Directorate.objects.all():
            indicators = Indicator.objects.active().filter(directorate=directorate)
            rows = build_dashboard(indicators, period).kpis
            assert sorted(rag for _, rag in latest_rags(indicators, period)) == sorted(row.rag for row in rows)


@pytest.mark.django_db(transaction=True)
def test_a_figure_saved_outside_any_transaction_is_locked_saved_and_rated_in_one(demo):
    """A shell or a script saves with no transaction open: the rating lock must not refuse it."""
    assert transaction.get_autocommit()
    result = Result.objects.get(indicator__code="ICT02", period=NOV)
    result.value = Decimal("99")
    result.save()  # on PostgreSQL, without its own transaction the lock raised TransactionManagementError
    assert Rating.objects.get(indicator__code="ICT02", period=NOV).month_rag == Rag.GREEN
    threshold = Threshold.objects.get(indicator__code="ICT02", financial_year=2019)
    threshold.target = Decimal("100")
    threshold.save()
    assert Rating.objects.get(indicator__code="ICT02", period=NOV).month_rag != Rag.GREEN
    assert_current()
