from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.models import Commentary, Committee, Directorate, Indicator, Result, Threshold

MODELS = [Directorate, Committee, Indicator, Threshold, Result, Commentary]


def admin_url(model, action="changelist", *args):
    return reverse(f"admin:indicators_{model._meta.model_name}_{action}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_performance_team_can_open_every_admin_list_and_add_form(demo, client, performance_user, model):
    client.force_login(performance_user)

    assert client.get(admin_url(model)).status_code == 200
    assert client.get(admin_url(model, "add")).status_code == 200


def test_indicator_list_shows_the_latest_value_and_rag(demo, client, performance_user):
    client.force_login(performance_user)

    page = client.get(admin_url(Indicator), {"q": "ICT02"}).content.decode()

    assert "88.6% (November 2019)" in page
    assert "Red" in page


def test_indicator_change_page_has_thresholds_results_and_history(demo, client, performance_user):
    client.force_login(performance_user)
    indicator = Indicator.objects.get(code="ICT02")

    page = client.get(admin_url(Indicator, "change", indicator.pk)).content.decode()
    history = client.get(admin_url(Indicator, "history", indicator.pk))

    assert "2019/20" in page and "Results (last 24 months)".lower() in page.lower()
    assert history.status_code == 200


@pytest.mark.parametrize("persona", ["owner_user", "clerk_user", "viewer_user"])
def test_admin_is_refused_to_users_without_staff_rights(demo, client, request, persona):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(admin_url(Indicator))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def result_form(indicator, **overrides):
    return {
        "indicator": indicator.pk,
        "period": "2019-12",
        "value": "90",
        "numerator": "",
        "denominator": "",
        **overrides,
    }


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"value": "ninety"}, "value", "Enter a number."),
        ({"period": "2019-13"}, "period", "month must be 01–12"),
        ({"period": "December"}, "period", "expected YYYY-MM"),
        ({"period": "2019-11"}, None, "already exists"),
    ],
    ids=["non-number", "bad-month", "not-a-period", "duplicate"],
)
def test_bad_result_in_the_admin_gets_a_clear_error_and_saves_nothing(
    demo, client, performance_user, overrides, field, message
):
    client.force_login(performance_user)
    indicator = Indicator.objects.get(code="ICT01")
    before = Result.objects.count()

    response = client.post(admin_url(Result, "add"), result_form(indicator, **overrides))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors.get(field or "__all__", []))
    assert Result.objects.count() == before


def test_result_for_a_month_a_quarterly_indicator_does_not_report_is_refused_in_the_admin(
    demo, client, performance_user
):
    client.force_login(performance_user)
    quarterly = Indicator.objects.get(code="HR03")
    Result.objects.filter(indicator=quarterly, period=date(2019, 10, 1)).delete()

    response = client.post(admin_url(Result, "add"), result_form(quarterly, period="2019-10"))

    assert "quarter ends" in " ".join(response.context["adminform"].form.errors["period"])
    assert not Result.objects.filter(indicator=quarterly, period=date(2019, 10, 1)).exists()


def test_floor_on_the_wrong_side_of_target_in_the_admin_saves_nothing(demo, client, performance_user):
    client.force_login(performance_user)
    indicator = Indicator.objects.get(code="FN04")  # lower is better: floor must not be below target

    response = client.post(
        admin_url(Threshold, "add"),
        {"indicator": indicator.pk, "financial_year": "2020/21", "scheme": "floor", "target": "20", "floor": "15"},
    )

    assert response.status_code == 200
    assert "floor" in response.context["adminform"].form.errors
    assert not Threshold.objects.filter(indicator=indicator, financial_year=2020).exists()


def test_performance_team_adds_a_threshold_for_a_new_year(demo, client, performance_user):
    client.force_login(performance_user)
    indicator = Indicator.objects.get(code="FN04")

    response = client.post(
        admin_url(Threshold, "add"),
        {"indicator": indicator.pk, "financial_year": "2020/21", "scheme": "floor", "target": "20", "floor": "25"},
    )

    assert response.status_code == 302
    threshold = Threshold.objects.get(indicator=indicator, financial_year=2020)
    assert (threshold.target, threshold.floor) == (Decimal(20), Decimal(25))


@pytest.mark.parametrize("model", [Result, Threshold, Commentary], ids=lambda m: m.__name__)
def test_a_saved_figure_keeps_its_indicator_in_the_admin(demo, client, performance_user, model):
    """Moving it would leave the first indicator's cached pages showing it."""
    client.force_login(performance_user)
    obj = model.objects.filter(indicator__code="ICT02").first()
    page = client.get(admin_url(model, "change", obj.pk)).content.decode()
    assert 'name="indicator"' not in page  # shown, not editable
    assert 'name="indicator"' in client.get(admin_url(model, "add")).content.decode()
