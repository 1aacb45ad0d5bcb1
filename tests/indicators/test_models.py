from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from indicators.models import Directorate, Indicator, Kind, Result, Threshold
from indicators.rules import Scheme


@pytest.fixture
def directorate(db):
    return Directorate.objects.create(name="Corporate Services", slug="corporate-services")


def make_indicator(directorate, **fields):
    defaults = {"code": "KPI01", "name": "Invoices paid on time", "directorate": directorate}
    return Indicator.objects.create(**{**defaults, **fields})


def clean_errors(instance) -> dict:
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    return caught.value.message_dict


def test_higher_is_better_floor_above_target_is_refused_with_both_numbers(directorate):
    indicator = make_indicator(directorate, polarity="H")
    threshold = Threshold(indicator=indicator, financial_year=2019, target=Decimal(90), floor=Decimal(95))

    errors = clean_errors(threshold)

    assert "floor" in errors
    assert "95" in errors["floor"][0] and "90" in errors["floor"][0]


def test_lower_is_better_floor_below_target_is_refused(directorate):
    indicator = make_indicator(directorate, polarity="L", unit="days")
    threshold = Threshold(indicator=indicator, financial_year=2019, target=Decimal(20), floor=Decimal(15))

    assert "floor" in clean_errors(threshold)


def test_lower_is_better_floor_above_target_is_accepted(directorate):
    indicator = make_indicator(directorate, polarity="L", unit="days")
    Threshold(indicator=indicator, financial_year=2019, target=Decimal(20), floor=Decimal(25)).full_clean()


def test_tolerance_scheme_needs_green_no_wider_than_amber(directorate):
    indicator = make_indicator(directorate)
    threshold = Threshold(
        indicator=indicator,
        financial_year=2019,
        scheme=Scheme.TOLERANCE,
        target=Decimal(90),
        green_tolerance=Decimal(10),
        amber_tolerance=Decimal(5),
    )

    assert "green_tolerance" in clean_errors(threshold)


def test_activity_lower_threshold_above_upper_is_refused(directorate):
    indicator = make_indicator(directorate, kind=Kind.ACTIVITY, unit="number")
    threshold = Threshold(indicator=indicator, financial_year=2019, lower=Decimal(500), upper=Decimal(400))

    assert "upper" in clean_errors(threshold)


def test_blank_scheme_uses_the_organisation_default(directorate, settings):
    settings.KPIDASH_DEFAULT_SCHEME = "target_only"
    indicator = make_indicator(directorate)
    threshold = Threshold(indicator=indicator, financial_year=2019, target=Decimal(90))

    assert threshold.rule(indicator.polarity).scheme is Scheme.TARGET_ONLY


def test_quarterly_indicator_refuses_a_result_for_a_month_that_is_not_a_quarter_end(directorate):
    indicator = make_indicator(directorate, frequency="quarterly")
    result = Result(indicator=indicator, period=date(2019, 11, 1), value=Decimal(90))

    errors = clean_errors(result)

    assert "Quarterly" in errors["period"][0] and "November 2019" in errors["period"][0]


def test_result_value_follows_from_numerator_and_denominator(directorate):
    indicator = make_indicator(directorate, unit="percentage")
    result = Result(indicator=indicator, period=date(2019, 11, 1), numerator=Decimal(45), denominator=Decimal(50))

    result.full_clean()

    assert result.value == Decimal(90)


def test_result_needs_a_value_or_both_parts_of_a_fraction(directorate):
    indicator = make_indicator(directorate)

    assert "value" in clean_errors(Result(indicator=indicator, period=date(2019, 11, 1)))
    assert "denominator" in clean_errors(Result(indicator=indicator, period=date(2019, 11, 1), numerator=1))
    zero = Result(indicator=indicator, period=date(2019, 11, 1), numerator=1, denominator=0)
    assert "denominator" in clean_errors(zero)


def test_result_for_a_future_month_is_refused(directorate):
    indicator = make_indicator(directorate)
    result = Result(indicator=indicator, period=date(2999, 1, 1), value=Decimal(1))

    assert "future" in clean_errors(result)["period"][0]


def test_duplicate_result_for_the_same_period_is_refused(directorate):
    indicator = make_indicator(directorate)
    Result.objects.create(indicator=indicator, period=date(2019, 11, 1), value=Decimal(90))

    errors = clean_errors(Result(indicator=indicator, period=date(2019, 11, 1), value=Decimal(91)))

    assert "already exists" in " ".join(errors["__all__"])


def test_changes_to_thresholds_are_kept_in_the_audit_history(directorate):
    indicator = make_indicator(directorate)
    threshold = Threshold.objects.create(indicator=indicator, financial_year=2019, target=90, floor=85)
    threshold.target = Decimal(92)
    threshold.save()

    assert [h.target for h in threshold.history.order_by("history_date")] == [Decimal(90), Decimal(92)]
