"""The dashboard's extension point: notices from apps above indicators, asked afresh on every request."""

from datetime import date

from django.urls import reverse

from indicators import notices
from indicators.notices import Notice


def test_a_registered_provider_gets_the_pages_kpis_as_rated_and_its_month_and_its_notice_is_shown(
    client, demo, viewer_user, monkeypatch
):
    asked = []

    def provider(kpis, period):
        asked.append(([(kpi.code, kpi.period, kpi.rag) for kpi in kpis][:2], period))
        return [Notice(f"{len(kpis)} KPIs <checked>", "/somewhere/", "Look")]

    monkeypatch.setattr(notices, "_providers", [provider])
    client.force_login(viewer_user)
    url = reverse("committee_dashboard_period", args=["policy-and-resources", "2019-10"])
    for _ in range(2):  # the second comes from the page cache: the notice is still asked for
        page = client.get(url).content.decode()
        assert "25 KPIs &lt;checked&gt;" in page and 'href="/somewhere/"' in page
    october = date(2019, 10, 1)
    first_two = [("CS01", october, "green"), ("CS02", october, "green")]
    assert asked == [(first_two, october)] * 2


def test_a_provider_gets_every_kpi_of_the_page_whatever_its_filters_show(client, demo, viewer_user, monkeypatch):
    asked = []
    monkeypatch.setattr(notices, "_providers", [lambda kpis, period: asked.append(len(kpis)) or []])
    client.force_login(viewer_user)
    url = reverse("committee_dashboard_period", args=["policy-and-resources", "2019-11"])
    client.get(url + "?rag=red")
    client.get(url + "?kind=activity")
    assert asked == [25, 25]


def test_registering_twice_adds_a_provider_once(monkeypatch):
    monkeypatch.setattr(notices, "_providers", [])

    def provider(indicators, period):
        return []

    notices.register(provider)
    notices.register(provider)
    assert notices._providers == [provider]
