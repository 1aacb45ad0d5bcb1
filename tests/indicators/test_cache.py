"""Cached reading pages: a write shows at once, on every path; a repeat costs fewer queries."""

from __future__ import annotations

import re
import time
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.urls import reverse

from demo.data import load_demo
from indicators import views
from indicators.cache import data_version, data_version_bump, data_versions
from indicators.models import Committee, DataVersion, Indicator, Result, Threshold
from returns.models import PeriodStatus, ReportingPeriod
from returns.services import return_save
from spreadsheets.services import workbook_import
from tests.services import REFUSED_REDIS_URL, use_redis_at

NOV = date(2019, 11, 1)
DEC = date(2019, 12, 1)
DASHBOARD = "/committees/policy-and-resources/2019-11/"


@pytest.fixture
def viewer(client, demo):
    client.force_login(get_user_model().objects.get(username="viewer"))
    return client


def page(client, url: str = DASHBOARD) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def count_queries(client, url: str) -> tuple[int, str]:
    # connection.queries is cleared when a request starts, so count as they run.
    executed = []

    def counter(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        html = page(client, url)
    return len(executed), html


def without_token(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def shown(code: str, value: str) -> str:
    return Indicator.objects.get(code=code).format(Decimal(value))


# --- every write path shows at once ---------------------------------------------------


def test_a_saved_result_shows_on_the_cached_dashboard_at_once(viewer, committed):
    assert shown("ICT02", "41.3") not in page(viewer)
    result = Result.objects.get(indicator__code="ICT02", period=NOV)
    result.value = Decimal("41.3")
    with committed():
        result.save()
    assert shown("ICT02", "41.3") in page(viewer)


def test_a_correction_approved_through_the_returns_service_shows_at_once(viewer, committed):
    ReportingPeriod.objects.create(period=NOV, deadline=date(2019, 12, 10), status=PeriodStatus.CLOSED)
    assert "22 of the 25 KPIs" not in page(viewer)
    with committed():
        return_save(
            indicator=Indicator.objects.get(code="ICT02"),
            period=NOV,
            user=get_user_model().objects.get(username="performance"),
            value=Decimal("97.3"),
            commentary="Survey recounted.",
            reason="Survey recount",
            approve=True,
        )
    html = page(viewer)
    assert shown("ICT02", "97.3") in html
    assert "22 of the 25 KPIs" in html  # ICT02 was the one Red


def test_a_spreadsheet_import_shows_at_once(viewer, tmp_path, committed):
    assert shown("ICT02", "41.3") not in page(viewer)
    path = tmp_path / "results.csv"
    path.write_text("code,period,value,numerator,denominator,commentary\nICT02,2019-11,41.3,,,\n")
    with committed():
        plan = workbook_import(
            path=path, file_name="results.csv", user=get_user_model().objects.get(username="performance")
        )
    assert plan.applied, plan.errors
    assert shown("ICT02", "41.3") in page(viewer)


def test_a_threshold_changed_in_the_admin_shows_at_once(viewer, committed):
    assert "1 did not achieve the floor standard (Red)" in page(viewer)
    threshold = Threshold.objects.get(indicator__code="ICT02", financial_year=2019)
    admin = get_user_model().objects.get(username="admin")
    viewer.force_login(admin)
    url = reverse("admin:indicators_threshold_change", args=[threshold.pk])
    form = viewer.get(url).context["adminform"].form
    data = {name: "" if form[name].value() is None else form[name].value() for name in form.fields}
    data.update(target="80", floor="70")
    with committed():
        response = viewer.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert "22 of the 25 KPIs" in page(viewer)


def test_a_renamed_indicator_shows_at_once(viewer, committed):
    page(viewer)
    indicator = Indicator.objects.get(code="ICT02")
    indicator.name = "Help desk satisfaction (renamed)"
    with committed():
        indicator.save()
    assert "Help desk satisfaction (renamed)" in page(viewer)


def test_a_renamed_owner_shows_on_the_cached_indicator_page_but_signing_in_keeps_the_cache(viewer, committed):
    owner = Indicator.objects.get(code="ICT02").owners.first()
    page(viewer, "/indicators/ICT02/")
    before = data_version()
    with committed():
        viewer.force_login(owner)  # saves last_login only
    assert data_version() == before
    owner.first_name, owner.last_name = "Robin", "Renamed"
    with committed():
        owner.save()
    assert "Robin Renamed" in page(viewer, "/indicators/ICT02/")


def test_a_directorate_taken_off_a_committee_leaves_its_dashboard_at_once(viewer, committed):
    page(viewer)
    with committed():
        Committee.objects.get(slug="policy-and-resources").directorates.clear()
    assert viewer.get(DASHBOARD).status_code == 404


def test_home_and_the_chart_show_a_new_result_at_once(viewer, committed):
    page(viewer, "/")
    page(viewer, "/indicators/ICT02/")
    assert "21 of 25 KPIs Green, 3 Amber, 1 Red" in page(viewer, "/")
    result = Result.objects.get(indicator__code="ICT02", period=NOV)
    result.value = Decimal("97.3")
    with committed():
        result.save()
    assert "22 of 25 KPIs Green, 3 Amber, 0 Red" in page(viewer, "/")
    assert shown("ICT02", "97.3") in page(viewer, "/indicators/ICT02/").split('id="chart-table"')[1]


def test_loading_the_demo_and_importing_bump_the_version_once_each_after_they_commit(db, tmp_path, committed):
    before = data_versions("all", "structure")
    with committed():
        load_demo(open_december=False)
        assert data_versions("all", "structure") == before  # not until the commit
    after_demo = data_versions("all", "structure")
    assert after_demo == (before[0] + 1, before[1] + 1)  # hundreds of rows, one bump
    path = tmp_path / "results.csv"
    path.write_text("code,period,value,numerator,denominator,commentary\nICT02,2019-11,97.3,,,\n")
    with committed():
        workbook_import(path=path, file_name="results.csv", user=None)
    assert data_versions("all", "structure") == (after_demo[0] + 1, after_demo[1] + 1)


def test_the_version_row_is_made_again_if_it_is_missing(committed):
    DataVersion.objects.all().delete()
    with committed():
        data_version_bump()
    assert data_version() == 1


# --- the cache is used, and shares nothing personal --------------------------------------


@pytest.mark.parametrize("url", [DASHBOARD, f"{DASHBOARD}?sort=-month_rag&rag=green", "/", "/indicators/ICT02/"])
def test_the_second_request_is_served_from_the_cache_with_fewer_queries(viewer, url):
    first, first_html = count_queries(viewer, url)
    second, second_html = count_queries(viewer, url)
    assert second < first
    assert without_token(second_html) == without_token(first_html)


def test_the_performance_team_sees_the_audit_history_on_a_cached_indicator_page(viewer, demo):
    page(viewer, "/indicators/ICT02/")
    viewer.force_login(get_user_model().objects.get(username="performance"))
    assert "Audit history" in page(viewer, "/indicators/ICT02/")
    viewer.force_login(get_user_model().objects.get(username="viewer"))
    assert "Audit history" not in page(viewer, "/indicators/ICT02/")


def test_the_indicator_chart_is_drawn_once_per_data_version(viewer, monkeypatch, committed):
    drawn = []
    real = views.render_svg
    monkeypatch.setattr(views, "render_svg", lambda chart: drawn.append(chart) or real(chart))
    first, second = page(viewer, "/indicators/ICT02/"), page(viewer, "/indicators/ICT02/")
    assert len(drawn) == 1
    assert without_token(first) == without_token(second)
    with committed():
        Indicator.objects.get(code="ICT02").save()
    page(viewer, "/indicators/ICT02/")
    assert len(drawn) == 2


def test_a_bad_filter_still_gets_its_error_on_a_cached_page(viewer):
    page(viewer, f"{DASHBOARD}?rag=purple")
    html = page(viewer, f"{DASHBOARD}?rag=purple")
    assert "govuk-error-summary" in html


def test_home_shows_each_owner_their_own_returns_after_caching(client, demo):
    ReportingPeriod.objects.create(period=DEC, deadline=date(2020, 1, 10))
    users = get_user_model().objects
    mine = {
        username: set(
            Indicator.objects.active()
            .filter(owners__username=username, frequency="monthly")
            .values_list("code", flat=True)
        )
        for username in ("owner", "owner2")
    }
    for username, codes in mine.items():
        client.force_login(users.get(username=username))
        block = page(client, "/").split('id="returns-to-do"')[1].split("</div>")[0]
        others = mine["owner2" if username == "owner" else "owner"] - codes
        assert codes and all(f">{code} " in block for code in codes)
        assert others and not any(f">{code} " in block for code in others)


def test_pages_are_served_uncached_when_the_cache_server_is_down(client, demo, viewer_user, settings):
    use_redis_at(settings, REFUSED_REDIS_URL)  # the cache and sessions as shipped, on a Redis that is away
    client.force_login(viewer_user)

    response = client.get("/committees/policy-and-resources/2019-11/")

    assert response.status_code == 200
    assert "21 of the 25 KPIs achieved target" in response.content.decode()


# --- scoped versions: a figure empties only what shows it ---------------------------------


def test_a_saved_figure_leaves_other_committees_and_indicators_cached(viewer, committed):
    """ICT02 belongs to Policy and Resources; Environment and Transport and ICT01 keep their copies."""
    others = ["/committees/environment-and-transport/", "/indicators/ICT01/"]
    affected = [DASHBOARD, "/directorates/strategic-and-corporate-services/", "/indicators/ICT02/", "/"]
    for url in others + affected:
        page(viewer, url)
    cached_cost = {url: count_queries(viewer, url)[0] for url in others + affected}

    result = Result.objects.get(indicator__code="ICT02", period=NOV)
    result.value = Decimal("41.3")
    with committed():
        result.save()

    for url in others:
        assert count_queries(viewer, url)[0] == cached_cost[url], url
    for url in affected:
        queries, html = count_queries(viewer, url)
        assert queries > cached_cost[url], url
    assert shown("ICT02", "41.3") in page(viewer, "/indicators/ICT02/")


def test_a_threshold_and_a_commentary_bump_their_indicator_directorate_and_committee(db, demo, committed):
    scopes = ("all", "structure", "indicator:ICT02", "directorate:strategic-and-corporate-services")
    scopes += ("committee:policy-and-resources", "committee:environment-and-transport", "indicator:ICT01")
    before = data_versions(*scopes)
    threshold = Threshold.objects.get(indicator__code="ICT02", financial_year=2019)
    threshold.target = Decimal("80")
    with committed():
        threshold.save()
    after = data_versions(*scopes)
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 0, 1, 1, 1, 0, 0]


def test_a_structural_change_empties_every_page(viewer, committed):
    url = "/committees/environment-and-transport/"
    page(viewer, url)
    cached_cost = count_queries(viewer, url)[0]
    with committed():
        Committee.objects.get(slug="policy-and-resources").save()
    assert count_queries(viewer, url)[0] > cached_cost


def test_writers_to_different_indicators_do_not_deadlock(transactional_db, demo):
    """Each bump is its own statement after its writer's commit, so writers of different indicators
    never wait for each other's versions, and every committed write is counted (real threads)."""
    from django.db import transaction

    from tests.threads import run_together

    codes = list(Indicator.objects.order_by("code").values_list("code", flat=True)[:6])

    def writer(code: str):
        def write() -> None:
            for n in range(5):
                with transaction.atomic():
                    result = Result.objects.filter(indicator__code=code, period=NOV).first()
                    result.value = Decimal(50 + n)
                    result.save()

        return write

    assert run_together(*(writer(code) for code in codes)) == []
    assert data_version() >= 30


# --- one request draws a part; the others wait for it ---------------------------------


def test_a_part_being_drawn_is_waited_for_not_drawn_again(db):
    import threading

    from indicators.cache import cached

    drawn, started = [], threading.Event()

    def slow():
        started.set()
        time.sleep(0.3)
        drawn.append("slow")
        return "the page"

    results = []
    first = threading.Thread(target=lambda: results.append(cached("k-wait", slow)))
    first.start()
    started.wait(5)
    results.append(cached("k-wait", lambda: drawn.append("again") or "drawn again"))
    first.join()
    assert drawn == ["slow"]
    assert results == ["the page", "the page"]


def test_a_waiting_request_draws_the_part_itself_when_the_drawer_fails(db):
    import threading

    from indicators.cache import cached

    started, release = threading.Event(), threading.Event()

    def failing():
        started.set()
        release.wait(5)
        raise views.NotFound("gone")

    failures = []

    def first():
        try:
            cached("k-fail", failing)
        except views.NotFound as exc:
            failures.append(exc)

    thread = threading.Thread(target=first)
    thread.start()
    started.wait(5)
    threading.Timer(0.1, release.set).start()
    began = time.monotonic()
    assert cached("k-fail", lambda: "drawn here") == "drawn here"
    thread.join()
    assert failures and time.monotonic() - began < 1.5  # did not wait out the full DRAWING_WAIT_SECONDS


# --- one address per dashboard ---------------------------------------------------------


def test_a_parameter_the_dashboard_does_not_use_is_dropped_by_a_redirect(viewer):
    response = viewer.get(f"{DASHBOARD}?rag=red&utm_source=mail&x=1")
    assert response.status_code == 302
    assert response["Location"] == f"{DASHBOARD}?rag=red"


def test_an_invalid_filter_is_shown_with_its_error_but_not_kept_in_the_cache(viewer, monkeypatch):
    from indicators import cache as page_cache

    stored, real = [], page_cache.cache

    class Spy:  # `cached` keeps a page part with `set` (rows are kept by `cached_many`, whatever the filter)
        def set(self, key, value, *args, **kwargs):
            stored.append(key)
            return real.set(key, value, *args, **kwargs)

        def __getattr__(self, name):
            return getattr(real, name)

    monkeypatch.setattr(page_cache, "cache", Spy())
    assert "govuk-error-summary" in page(viewer, f"{DASHBOARD}?rag=purple")
    page(viewer, f"{DASHBOARD}?sort=nonsense")
    assert stored == []
    page(viewer, f"{DASHBOARD}?rag=red")
    assert len(stored) == 1


def test_a_transaction_bumps_each_scope_once_and_only_after_it_commits(db, demo, committed):
    scopes = ("all", "structure", "indicator:ICT02", "indicator:ICT01")
    before = data_versions(*scopes)
    with committed():
        with transaction.atomic():
            for value in ("41.1", "41.2", "41.3"):
                result = Result.objects.get(indicator__code="ICT02", period=NOV)
                result.value = Decimal(value)
                result.save()
            assert data_versions(*scopes) == before  # a reader meanwhile keeps the copies of the old data
    after = data_versions(*scopes)
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 0, 1, 0]


def test_a_saved_return_bumps_its_scopes_once_for_its_result_and_commentary(db, demo, committed):
    owner = get_user_model().objects.get(username="owner")
    ReportingPeriod.objects.create(period=date(2019, 12, 1), deadline=date(2020, 1, 10), status=PeriodStatus.OPEN)
    scopes = ("all", "structure", "indicator:ICT02", "directorate:strategic-and-corporate-services")
    before = data_versions(*scopes)
    with committed():
        return_save(
            indicator=Indicator.objects.get(code="ICT02"),
            period=date(2019, 12, 1),
            user=owner,
            value=Decimal("97"),
            commentary="Up again.",
        )
    after = data_versions(*scopes)
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 0, 1, 1]  # not 2 each: one bump for both rows


def test_a_structural_change_in_a_transaction_of_figures_still_stales_everything(db, demo, committed):
    before = data_versions("all", "structure")
    with committed(), transaction.atomic():
        result = Result.objects.get(indicator__code="ICT02", period=NOV)
        result.value = Decimal("41.1")
        result.save()
        Indicator.objects.filter(code="ICT02").first().save()  # a structural write
    after = data_versions("all", "structure")
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1]


def test_a_rolled_back_transaction_bumps_nothing(db, demo, committed):
    scopes = ("all", "structure", "indicator:ICT02")
    before = data_versions(*scopes)
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        Indicator.objects.get(code="ICT02").save()
        raise RuntimeError("the writer failed")
    assert data_versions(*scopes) == before


def test_a_write_after_a_savepoint_rolled_back_is_still_bumped(db, demo, committed):
    """The pending bump queued inside the savepoint is dropped with it: the next write queues another."""
    scopes = ("all", "structure", "indicator:ICT02")
    before = data_versions(*scopes)
    with committed(), transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            Indicator.objects.get(code="ICT01").save()
            raise RuntimeError("this part failed")
        result = Result.objects.get(indicator__code="ICT02", period=NOV)
        result.value = Decimal("41.1")
        result.save()
    after = data_versions(*scopes)
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 0, 1]
