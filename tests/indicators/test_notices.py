"""The dashboard's extension point: notices from apps above indicators, asked afresh on every request."""

from datetime import date

from django.urls import reverse

from indicators import notices
from indicators.notices import Notice


def test_a_registered_provider_gets_the_pages_indicators_and_month_and_its_notice_is_shown(
    client, demo, viewer_user, monkeypatch
):
    asked = []

    def provider(indicators, period):
        asked.append((sorted(indicators.values_list("code", flat=True))[:2], period))
        return [Notice(f"{indicators.count()} indicators <checked>", "/somewhere/", "Look")]

    monkeypatch.setattr(notices, "_providers", [provider])
    client.force_login(viewer_user)
    url = reverse("committee_dashboard_period", args=["policy-and-resources", "2019-10"])
    for _ in range(2):  # the second comes from the page cache: the notice is still asked for
        page = client.get(url).content.decode()
        assert "indicators &lt;checked&gt;" in page and 'href="/somewhere/"' in page
    assert asked == [(["CS01", "CS02"], date(2019, 10, 1))] * 2


def test_registering_twice_adds_a_provider_once(monkeypatch):
    monkeypatch.setattr(notices, "_providers", [])

    def provider(indicators, period):
        return []

    notices.register(provider)
    notices.register(provider)
    assert notices._providers == [provider]
