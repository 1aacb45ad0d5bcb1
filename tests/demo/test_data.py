from datetime import date
from io import StringIO

from demo.data import load_demo
from indicators.dashboard import build_dashboard
from indicators.models import Committee, Indicator, Result, Threshold
from indicators.rules import Rag, Scheme
from returns.models import ReportingPeriod

NOVEMBER_2019 = date(2019, 11, 1)


def committee_dashboard(slug, period=NOVEMBER_2019):
    committee = Committee.objects.get(slug=slug)
    return build_dashboard(Indicator.objects.for_committee(committee), period)


def test_november_2019_is_21_green_3_amber_1_red_with_the_help_desk_red(demo):
    dashboard = committee_dashboard("policy-and-resources")

    assert len(dashboard.kpis) == 25
    assert len(dashboard.activities) == 10
    assert dashboard.counts == {Rag.GREEN: 21, Rag.AMBER: 3, Rag.RED: 1}
    [red] = dashboard.rows_with_rag(Rag.RED)
    assert red.indicator.name == "Positive feedback rating with the ICT help desk"
    assert red.commentary is not None and "spare laptops" in red.commentary.text


def test_demo_holds_a_lower_is_better_kpi_and_quarterly_kpis_reported_at_their_quarter_end(demo):
    rows = {row.indicator.code: row for row in committee_dashboard("policy-and-resources").kpis}

    assert rows["FN04"].indicator.polarity == "L" and rows["FN04"].month_rag is Rag.GREEN
    assert rows["HR03"].period == date(2019, 9, 1)
    assert not rows["HR03"].stale


def test_second_directorate_is_rated_on_tolerance_bands(demo):
    rows = {row.indicator.code: row for row in committee_dashboard("environment-and-transport").kpis}

    assert rows["GT01"].rule.scheme is Scheme.TOLERANCE
    # 86.5 against 90 is 3.9% short: inside the 5% green band, though below target.
    assert rows["GT01"].month_rag is Rag.GREEN
    assert rows["GT02"].month_rag is Rag.AMBER
    assert rows["GT03"].month_rag is Rag.RED
    assert rows["GT07"].month_rag is Rag.NONE  # data only


def test_loading_the_demo_twice_changes_nothing(demo):
    counts = (Indicator.objects.count(), Threshold.objects.count(), Result.objects.count())
    values = list(Result.objects.order_by("pk").values_list("value", flat=True))

    load_demo(open_december=False)

    assert (Indicator.objects.count(), Threshold.objects.count(), Result.objects.count()) == counts
    assert list(Result.objects.order_by("pk").values_list("value", flat=True)) == values


def test_the_demo_opens_december_2019_for_returns_once(db):
    load_demo()
    load_demo()

    [period] = ReportingPeriod.objects.all()
    assert period.period == date(2019, 12, 1) and period.is_open


def test_load_demo_command_gives_policy_and_resources_the_seed_contacts(db):
    from django.core.management import call_command

    from reports.models import PaperSettings

    call_command("load_demo", stdout=StringIO())

    settings = PaperSettings.objects.get(committee__slug="policy-and-resources")
    assert settings.author_name == "Rachel Kennard"
    assert settings.director_name == "Vincent Godfrey"
