"""The performance team's publication page and service: who may publish, what changes, and its history."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.models import Commentary, Indicator
from public.models import Publication
from public.services import publication_set
from tests.public.conftest import PERSONAS, client_as

URL = reverse("publication_year", args=[2019])
ALLOWED = {"performance_user", "admin_persona"}


def _published(year: int = 2019) -> set[str]:
    return set(Publication.objects.filter(financial_year=year).values_list("indicator__code", flat=True))


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_performance_team_and_admins_see_the_publication_page(client, request, demo, persona):
    response = client_as(client, request, persona).get(URL)

    if persona is None:
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    elif persona in ALLOWED:
        assert response.status_code == 200
        assert b"Publish ICT01 for 2019/20" in response.content
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_performance_team_and_admins_can_publish(client, request, demo, persona):
    ict01 = Indicator.objects.get(code="ICT01")

    response = client_as(client, request, persona).post(URL, {"indicators": [ict01.pk]})

    if persona in ALLOWED:
        assert response.status_code == 302
        assert _published() == {"ICT01"}
    else:
        assert response.status_code in (302, 403)
        assert _published() == set()


def test_the_publication_page_redirects_to_this_financial_year(client, demo, performance_user):
    client.force_login(performance_user)

    response = client.get(reverse("publication"))

    assert response.status_code == 302 and "/publication/" in response["Location"]


@pytest.mark.parametrize("year", ["12345", "0", "2100", "999"])
def test_a_year_no_financial_year_can_be_is_not_found(client, demo, performance_user, year):
    client.force_login(performance_user)

    assert client.get(f"/publication/{year}/").status_code == 404


def test_publishing_ticks_and_unticks_with_who_and_when_in_the_history(client, demo, performance_user):
    client.force_login(performance_user)
    ict01, ict02 = Indicator.objects.filter(code__in=["ICT01", "ICT02"]).order_by("code")
    client.post(URL, {"indicators": [ict01.pk, ict02.pk]})

    response = client.post(URL, {"indicators": [ict02.pk]}, follow=True)

    assert _published() == {"ICT02"}
    assert "Withdrawn from 2019/20: ICT01." in response.content.decode()
    history = list(Publication.history.filter(indicator=ict01).order_by("history_date"))
    assert [h.history_type for h in history] == ["+", "-"]
    assert all(h.history_user == performance_user for h in history)
    assert Publication.objects.get(indicator=ict02).published_by == performance_user


def test_the_page_keeps_what_it_published_ticked(client, demo, performance_user):
    client.force_login(performance_user)
    ict02 = Indicator.objects.get(code="ICT02")
    client.post(URL, {"indicators": [ict02.pk]})

    body = client.get(URL).content.decode()

    ict01 = Indicator.objects.get(code="ICT01")
    assert f'name="indicators" type="checkbox" value="{ict02.pk}" checked>' in body
    assert f'name="indicators" type="checkbox" value="{ict01.pk}">' in body


def test_an_unknown_or_inactive_indicator_is_refused_and_nothing_changes(client, demo, performance_user):
    client.force_login(performance_user)
    ict01 = Indicator.objects.get(code="ICT01")
    client.post(URL, {"indicators": [ict01.pk]})
    hr01 = Indicator.objects.get(code="HR01")
    hr01.active = False
    hr01.save()

    for bad in ["999999", str(hr01.pk), "not-a-number"]:
        response = client.post(URL, {"indicators": [bad]})
        assert response.status_code == 200
        assert "is not an indicator that can be published" in response.content.decode()
        assert _published() == {"ICT01"}


def test_the_service_refuses_the_same_things(demo, performance_user, viewer_user):
    hr01 = Indicator.objects.get(code="HR01")
    hr01.active = False
    with pytest.raises(ValidationError, match="HR01 is not active"):
        publication_set(year=2019, indicators=[hr01], user=performance_user)
    with pytest.raises(ValidationError, match="not a financial year"):
        publication_set(year=1800, indicators=[], user=performance_user)
    with pytest.raises(PermissionDenied):
        publication_set(year=2019, indicators=[Indicator.objects.get(code="ICT01")], user=viewer_user)
    assert Publication.objects.count() == 0


def test_publishing_makes_an_indicator_public_and_withdrawing_removes_it(client, published, performance_user):
    assert client.get(reverse("public:indicator", args=["GT01"])).status_code == 404
    gt01 = Indicator.objects.get(code="GT01")
    publication_set(year=2019, indicators=[gt01], user=performance_user)
    assert client.get(reverse("public:indicator", args=["GT01"])).status_code == 200

    publication_set(year=2019, indicators=[], user=performance_user)

    assert client.get(reverse("public:indicator", args=["GT01"])).status_code == 404


@override_settings(KPIDASH_PUBLIC_SITE=False)
def test_the_page_works_and_warns_while_the_public_site_is_off(client, demo, performance_user):
    client.force_login(performance_user)

    body = client.get(URL).content.decode()

    assert "The public site is switched off" in body


def test_the_admin_shows_publications_read_only(client, published, performance_user):
    client.force_login(performance_user)
    publication = Publication.objects.first()

    assert client.get(reverse("admin:public_publication_changelist")).status_code == 200
    assert client.get(reverse("admin:public_publication_change", args=[publication.pk])).status_code == 200
    assert client.get(reverse("admin:public_publication_add")).status_code == 403
    delete = reverse("admin:public_publication_delete", args=[publication.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Publication.objects.filter(pk=publication.pk).exists()


def test_the_admin_cannot_put_back_a_withdrawn_publication_from_its_history(client, published, performance_user):
    publication = Publication.objects.filter(financial_year=2019).first()
    others = Indicator.objects.filter(publications__financial_year=2019).exclude(pk=publication.indicator_id)
    publication_set(year=2019, indicators=list(others), user=performance_user)
    record = Publication.history.filter(id=publication.pk, history_type="+").get()
    client.force_login(performance_user)

    revert = reverse("admin:public_publication_simple_history", args=[publication.pk, record.history_id])
    assert client.post(revert, {}).status_code == 403
    assert not Publication.objects.filter(pk=publication.pk).exists()


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_publication_page_makes_the_same_number_of_queries_at_two_data_sizes(client, demo, performance_user):
    client.force_login(performance_user)
    publication_set(year=2019, indicators=Indicator.objects.filter(code="ICT01"), user=performance_user)
    client.get(URL)
    few = _queries(client, URL)

    publication_set(year=2019, indicators=Indicator.objects.active(), user=performance_user)

    assert _queries(client, URL) == few


def test_the_demos_publication_runs_twice_changing_nothing(published):
    from demo.public import load_demo_publication

    before = (Publication.objects.count(), Publication.history.count(), Commentary.objects.count())

    assert load_demo_publication() == 0
    assert (Publication.objects.count(), Publication.history.count(), Commentary.objects.count()) == before
    assert set(Publication.objects.values_list("financial_year", flat=True)) == {2018, 2019}
