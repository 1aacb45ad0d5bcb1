from datetime import date
from decimal import Decimal

import pytest
from django.urls import NoReverseMatch, reverse

from indicators.models import Commentary, CommentaryStatus, Committee, Directorate, Indicator, Result, Threshold
from plans.models import Action
from returns.models import PeriodStatus, ReportingPeriod
from returns.services import return_approve, return_save

MODELS = [Directorate, Committee, Indicator, Threshold, Result, Commentary]
EDITABLE = [Directorate, Committee, Indicator, Threshold]  # results and commentary: on the return page
DEC = date(2019, 12, 1)


def admin_url(model, action="changelist", *args):
    return reverse(f"admin:indicators_{model._meta.model_name}_{action}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_performance_team_can_open_every_admin_list(demo, client, performance_user, model):
    client.force_login(performance_user)

    assert client.get(admin_url(model)).status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_performance_team_can_open_each_record_and_the_history_its_page_links_to(demo, client, performance_user, model):
    client.force_login(performance_user)
    record = model.objects.order_by("pk").first()

    change = client.get(admin_url(model, "change", record.pk))
    history = client.get(admin_url(model, "history", record.pk))

    assert change.status_code == 200
    assert admin_url(model, "history", record.pk) in change.content.decode()
    assert history.status_code == 200  # a directorate's was a 500: simple-history's page on a model without history


@pytest.mark.parametrize("model", EDITABLE, ids=lambda m: m.__name__)
def test_performance_team_can_open_the_add_form_of_what_the_admin_edits(demo, client, performance_user, model):
    client.force_login(performance_user)

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


# --- results and commentary: changed only on the return page (returns.services) -------------


@pytest.fixture
def approved_return(demo, owner_user, performance_user):
    """ICT02's December 2019 return, submitted by its owner and approved."""
    ReportingPeriod.objects.create(period=DEC, deadline=date(2020, 1, 10), status=PeriodStatus.OPEN)
    indicator = Indicator.objects.get(code="ICT02")
    indicator.owners.set([owner_user])
    return_save(indicator=indicator, period=DEC, user=owner_user, value=Decimal("96"), commentary="Good.", submit=True)
    return_approve(indicator=indicator, period=DEC, user=performance_user)
    return Result.objects.get(indicator=indicator, period=DEC), Commentary.objects.get(indicator=indicator, period=DEC)


def return_unchanged(result, commentary) -> bool:
    fresh_result, fresh_commentary = Result.objects.get(pk=result.pk), Commentary.objects.get(pk=commentary.pk)
    return (fresh_result.value, fresh_result.history.count()) == (Decimal("96"), result.history.count()) and (
        fresh_commentary.status,
        fresh_commentary.text,
        fresh_commentary.version,
    ) == (CommentaryStatus.APPROVED, "Good.", commentary.version)


@pytest.mark.parametrize("model", [Result, Commentary], ids=lambda m: m.__name__)
def test_the_admin_cannot_add_a_result_or_commentary_that_skips_the_return_rules(demo, client, performance_user, model):
    client.force_login(performance_user)
    indicator = Indicator.objects.get(code="ICT01")
    before = model.objects.count()

    response = client.post(
        admin_url(model, "add"), {"indicator": indicator.pk, "period": "2019-12", "value": "90", "text": "Typed in."}
    )

    assert response.status_code == 403
    assert model.objects.count() == before


def test_the_admin_cannot_change_an_approved_figure_without_it_going_back_for_approval(
    client, performance_user, approved_return
):
    """Through the admin the edit would keep the return approved and record no reason: it is refused."""
    result, commentary = approved_return
    client.force_login(performance_user)

    changed = client.post(admin_url(Result, "change", result.pk), {"period": "2019-12", "value": "10"})
    text = client.post(admin_url(Commentary, "change", commentary.pk), {"text": "Rewritten.", "status": "approved"})

    assert (changed.status_code, text.status_code) == (403, 403)
    assert return_unchanged(result, commentary)


def test_the_admin_cannot_revert_or_delete_a_return(client, performance_user, approved_return):
    result, commentary = approved_return
    client.force_login(performance_user)
    first = result.history.earliest()

    revert = client.post(admin_url(Result, "simple_history", result.pk, first.history_id), {})
    deleted = client.post(admin_url(Commentary, "delete", commentary.pk), {"post": "yes"})

    assert (revert.status_code, deleted.status_code) == (403, 403)
    assert return_unchanged(result, commentary)


def test_the_indicator_page_shows_recent_results_read_only_and_ignores_posted_ones(
    client, monkeypatch, performance_user, approved_return
):
    result, commentary = approved_return
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args: date(2020, 1, 15))  # December is recent
    client.force_login(performance_user)
    url = admin_url(Indicator, "change", result.indicator.pk)
    page = client.get(url)
    data = {**page.context["adminform"].form.initial, "results-0-id": result.pk, "results-0-value": "10"}
    data = {name: ("" if value is None else value) for name, value in data.items()}
    data["owners"] = [user.pk for user in result.indicator.owners.all()]
    data |= {"results-TOTAL_FORMS": "1", "results-INITIAL_FORMS": "1", "thresholds-TOTAL_FORMS": "0"}
    data |= {"thresholds-INITIAL_FORMS": "0", "results-0-indicator": result.indicator.pk}
    data |= {"phases-TOTAL_FORMS": "0", "phases-INITIAL_FORMS": "0"}

    client.post(url, data)

    assert "December 2019" in page.content.decode()  # shown
    assert 'name="results-0-value"' not in page.content.decode()  # not an input
    assert return_unchanged(result, commentary)


@pytest.mark.parametrize("model", [Result, Commentary], ids=lambda m: m.__name__)
def test_a_result_or_commentary_in_the_admin_links_to_its_return_page(client, performance_user, approved_return, model):
    client.force_login(performance_user)
    obj = next(item for item in approved_return if isinstance(item, model))

    page = client.get(admin_url(model, "change", obj.pk)).content.decode()

    assert f'href="{reverse("return_edit", args=[DEC, "ICT02"])}"' in page
    assert "the return page for ICT02 December 2019" in page


@pytest.mark.parametrize("model", [Indicator, Threshold, Result], ids=lambda m: m.__name__)
def test_the_admin_has_no_spreadsheet_import_or_export_of_its_own(demo, client, performance_user, model):
    """The Spreadsheets page imports and exports through the checked reader, writer and services."""
    client.force_login(performance_user)

    page = client.get(admin_url(model)).content.decode()

    for action in ("import", "export"):
        with pytest.raises(NoReverseMatch):
            admin_url(model, action)
        assert f'href="{action}/' not in page


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


def test_a_saved_threshold_keeps_its_indicator_in_the_admin(demo, client, performance_user):
    """Moving it would leave the first indicator's cached pages showing it."""
    client.force_login(performance_user)
    obj = Threshold.objects.filter(indicator__code="ICT02").first()
    page = client.get(admin_url(Threshold, "change", obj.pk)).content.decode()
    assert 'name="indicator"' not in page  # shown, not editable
    assert 'name="indicator"' in client.get(admin_url(Threshold, "add")).content.decode()


def indicator_form(directorate, **overrides):
    """The admin's add-indicator form, with its empty threshold, phase and result inlines."""
    data = {
        "code": "NEW01",
        "name": "New indicator",
        "kind": "kpi",
        "directorate": directorate.pk,
        "active": "on",
        "polarity": "H",
        "unit": "percentage",
        "decimals": "1",
        "frequency": "monthly",
        "ytd_method": "ratio",
        "headline": "month",
    }
    for prefix in ("thresholds", "phases", "results"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data | overrides


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"code": "ZZ/01"}, "code", "“ZZ/01” cannot be a code: use letters and digits"),
        ({"code": "X" * 21}, "code", "at most 20 characters"),
        ({"name": "Escape\x1b here"}, "name", "control character (U+001B, escape)"),
    ],
)
def test_an_indicator_the_site_could_not_link_to_or_export_is_refused_in_the_admin(
    demo, client, performance_user, overrides, field, message
):
    client.force_login(performance_user)
    directorate = Directorate.objects.first()
    response = client.post(admin_url(Indicator, "add"), indicator_form(directorate, **overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors[field])
    assert not Indicator.objects.filter(name__in=["New indicator", "Escape\x1b here"]).exists()


def test_an_indicator_code_with_the_documented_separators_is_saved_in_the_admin(demo, client, performance_user):
    client.force_login(performance_user)
    response = client.post(admin_url(Indicator, "add"), indicator_form(Directorate.objects.first(), code="ASC_3.1-b"))
    assert response.status_code == 302
    assert client.get(reverse("indicator_detail", args=["ASC_3.1-b"])).status_code == 200


# --- target assurance (SPC) on the thresholds form ------------------------------------------------


def steady_history(indicator, values=(90, 92) * 7):
    """Replace the indicator's results with a known history: [90, 92] × 7 from April 2018 gives
    mean 91 and process limits 85.68 to 96.32 (moving ranges all 2)."""
    Result.objects.filter(indicator=indicator).delete()
    Result.objects.bulk_create(
        Result(indicator=indicator, period=date(2018 + (3 + m) // 12, (3 + m) % 12 + 1, 1), value=Decimal(v))
        for m, v in enumerate(values)
    )


def as_posted(page) -> dict:
    """The change page's forms and inlines as the browser would post them unchanged."""
    data: dict = {}
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    for form in forms:
        for field in form:
            value = field.value()
            if isinstance(value, list):
                value = [getattr(v, "pk", v) for v in value]
            if value is not None and value is not False:
                data[field.html_name] = value
    return data


def shown_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.mark.parametrize(
    ("target", "floor", "said"),
    [
        (
            "99",
            "97",
            "is above the current process limits (85.7% to 96.3%, from the values to May 2019): it will "
            "consistently fail unless the process changes.",
        ),
        (
            "91",
            "89",
            "is inside the current process limits (85.7% to 96.3%, from the values to May 2019): hit and "
            "miss at current performance.",
        ),
        (
            "80",
            "75",
            "is below the current process limits (85.7% to 96.3%, from the values to May 2019): it will "
            "consistently pass at current performance.",
        ),
    ],
)
def test_saving_a_target_says_where_it_sits_against_the_process_limits_and_saves_it_anyway(
    demo, client, performance_user, target, floor, said
):
    client.force_login(performance_user)
    indicator = Indicator.objects.get(code="ICT02")  # higher is better
    steady_history(indicator)

    response = client.post(
        admin_url(Threshold, "add"),
        {"indicator": indicator.pk, "financial_year": "2020/21", "scheme": "floor", "target": target, "floor": floor},
        follow=True,
    )

    assert Threshold.objects.get(indicator=indicator, financial_year=2020).target == Decimal(target)
    assert f"ICT02 2020/21 target, by SPC: A target of {Decimal(target):.1f}% {said}" in shown_messages(response)


def test_the_threshold_page_shows_the_stored_targets_assurance_or_that_there_is_not_enough_data(
    demo, client, performance_user
):
    client.force_login(performance_user)
    indicator = Indicator.objects.get(code="ICT02")
    threshold = Threshold.objects.get(indicator=indicator, financial_year=2019)  # target 95
    steady_history(indicator, values=(90, 92) * 4)

    page = client.get(admin_url(Threshold, "change", threshold.pk)).content.decode()
    assert "Target assurance (SPC)" in page
    assert "Not enough data: 8 values; SPC needs at least 13" in page

    steady_history(indicator)
    page = client.get(admin_url(Threshold, "change", threshold.pk)).content.decode()
    assert "A target of 95.0% is inside the current process limits" in page


def test_a_target_changed_in_the_indicators_thresholds_inline_is_placed_against_the_limits(
    demo, client, performance_user
):
    client.force_login(performance_user)
    indicator = Indicator.objects.get(code="ICT02")
    steady_history(indicator)
    page = client.get(admin_url(Indicator, "change", indicator.pk))
    data = as_posted(page)
    thresholds = next(f.formset for f in page.context["inline_admin_formsets"] if f.formset.model is Threshold)
    index = next(i for i, f in enumerate(thresholds.forms) if f.instance.financial_year == 2019)
    data[f"thresholds-{index}-target"] = "99"
    data[f"thresholds-{index}-floor"] = "97"

    response = client.post(admin_url(Indicator, "change", indicator.pk), data, follow=True)

    assert Threshold.objects.get(indicator=indicator, financial_year=2019).target == Decimal(99)
    said = [m for m in shown_messages(response) if "target, by SPC" in m]
    assert said == [
        "ICT02 2019/20 target, by SPC: A target of 99.0% is above the current process limits (85.7% to 96.3%, "
        "from the values to May 2019): it will consistently fail unless the process changes."
    ]


# --- an indicator's new definition against its stored figures (indicators.models.stored_figure_errors) ----


@pytest.fixture
def growth(db):
    """A percentage that may pass 100 (growth on last year), with 105% stored for November 2019."""
    directorate = Directorate.objects.create(name="Corporate", slug="corporate")
    indicator = Indicator.objects.create(
        code="GR01", name="Growth", directorate=directorate, unit="percentage", allow_out_of_range=True
    )
    Result.objects.create(indicator=indicator, period=date(2019, 11, 1), value=Decimal(105))
    return indicator


def test_a_frequency_its_stored_figures_break_is_refused_in_the_admin_and_writes_nothing(
    client, performance_user, growth
):
    # The Spreadsheets import refuses the same change (spreadsheets.plan), and a site restore would refuse the figure.
    client.force_login(performance_user)
    url = admin_url(Indicator, "change", growth.pk)
    data = as_posted(client.get(url)) | {"frequency": "quarterly"}
    records = growth.history.count()

    response = client.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "GR01's figure for November 2019 would no longer be valid: Quarterly indicators report only on quarter "
        "ends (June, September, December, March); November 2019 is not one. Correct or withdraw them on their "
        "return pages first, or keep the definition as it was."
    ]
    growth.refresh_from_db()
    assert (growth.allow_out_of_range, growth.frequency, growth.history.count()) == (True, "monthly", records)


def test_a_new_unit_that_would_scale_stored_fractions_differently_is_refused_in_the_admin(
    client, performance_user, growth
):
    visits = Indicator.objects.create(code="NUM01", name="Ratio", directorate=growth.directorate, unit="ratio")
    Result.objects.create(
        indicator=visits, period=date(2019, 11, 1), value=Decimal("0.5"), numerator=Decimal(1), denominator=Decimal(2)
    )
    client.force_login(performance_user)
    url = admin_url(Indicator, "change", visits.pk)
    data = as_posted(client.get(url)) | {"unit": "percentage"}

    response = client.post(url, data)

    assert response.status_code == 200
    assert "The value (0.5) does not match the numerator and denominator (1 / 2 gives 50)" in " ".join(
        response.context["adminform"].form.non_field_errors()
    )
    assert Indicator.objects.get(pk=visits.pk).unit == "ratio"


def test_a_definition_change_its_stored_figures_fit_is_saved_in_the_admin(client, performance_user, growth):
    client.force_login(performance_user)
    url = admin_url(Indicator, "change", growth.pk)
    data = as_posted(client.get(url)) | {"decimals": "2", "polarity": "L"}

    response = client.post(url, data)

    assert response.status_code == 302
    growth.refresh_from_db()
    assert (growth.decimals, growth.polarity) == (2, "L")


def test_a_polarity_its_stored_thresholds_do_not_fit_is_refused_in_the_admin(client, performance_user, growth):
    # As the Spreadsheets import refuses it (spreadsheets.plan._check_stored_thresholds).
    Threshold.objects.create(
        indicator=growth, financial_year=2019, scheme="floor", target=Decimal(90), floor=Decimal(80)
    )
    client.force_login(performance_user)
    url = admin_url(Indicator, "change", growth.pk)
    data = as_posted(client.get(url)) | {"polarity": "L"}

    response = client.post(url, data)

    assert response.status_code == 200
    [thresholds] = [
        inline.formset for inline in response.context["inline_admin_formsets"] if inline.formset.prefix == "thresholds"
    ]
    assert thresholds.errors[0]["floor"] == [
        "For a lower-is-better indicator the floor standard (80) must not be below the target (90)."
    ]
    assert Indicator.objects.get(pk=growth.pk).polarity == "H"


# --- deleting an indicator: only one that holds no returns, questions or actions ---------------------


def test_deleting_an_indicator_an_action_is_about_is_refused_in_the_admin_and_deletes_nothing(
    client, performance_user, owner_user, growth
):
    # The team may not delete figures (roles), so Django refuses an indicator with any; an action's link is
    # no row they need rights to, and the action would be left about nothing, which every path refuses.
    Result.objects.filter(indicator=growth).delete()
    action = Action.objects.create(title="Fix it", owner=owner_user, due=date(2030, 1, 31))
    action.indicators.set([growth])
    client.force_login(performance_user)
    url = admin_url(Indicator, "delete", growth.pk)

    page = client.get(url).content.decode()
    response = client.post(url, {"post": "yes"})

    assert "GR01 has 1 action: untick Active instead" in page
    assert response.status_code == 200
    assert list(action.indicators.all()) == [growth]


def test_an_indicator_added_by_mistake_with_nothing_recorded_can_be_deleted_in_the_admin(
    client, performance_user, growth
):
    empty = Indicator.objects.create(code="OOPS01", name="Mistake", directorate=growth.directorate)
    client.force_login(performance_user)

    response = client.post(admin_url(Indicator, "delete", empty.pk), {"post": "yes"})

    assert response.status_code == 302 and not Indicator.objects.filter(pk=empty.pk).exists()
