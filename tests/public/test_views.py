"""The public pages for every persona, their numbers against the intranet's, the page cache and query counts."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from demo.data import DEMO_USERS
from indicators.dashboard import build_dashboard
from indicators.exports import dashboard_records
from indicators.models import Commentary, CommentaryStatus, Committee, Directorate, Indicator, Rating
from indicators.selectors import committee_scope, directorate_scope
from public.models import Publication
from public.selectors import public_dashboard, public_scope
from tests.public.conftest import PERSONAS, client_as

SCS = "strategic-and-corporate-services"
NOVEMBER = date(2019, 11, 1)
PUBLIC_PAGES = [
    ("public:index", []),
    ("public:directorate", [SCS]),
    ("public:committee_period", ["policy-and-resources", NOVEMBER]),
    ("public:indicator", ["ICT02"]),
    ("public:open_data", []),
    ("public:dictionary", []),
    ("public:accessibility", []),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("name", "args"), PUBLIC_PAGES)
def test_every_persona_sees_the_public_page_without_sign_in_chrome(client, request, published, persona, name, args):
    response = client_as(client, request, persona).get(reverse(name, args=args))
    body = response.content.decode()

    assert response.status_code == 200
    assert "Signed in as" not in body and "Sign out" not in body
    assert 'href="/review/"' not in body and 'href="/admin/"' not in body  # no intranet navigation
    for full_name, *_ in DEMO_USERS.values():  # no officer's name: owners, authors, approvers
        assert full_name not in body
    assert "test-" not in body
    assert "noindex" not in body  # unlike the intranet, the public site is for search engines too


def test_the_indicator_page_shows_approved_commentary_without_names(client, published):
    body = client.get(reverse("public:indicator", args=["ICT02"])).content.decode()
    text = Commentary.objects.get(indicator__code="ICT02", period=NOVEMBER).text

    assert text.split("\n")[0][:60] in body
    assert "Approved by" not in body and "By " not in body


def _rows(dashboard) -> dict:
    return {
        row.indicator.code: (row.value, row.month_rag, row.ytd_value, row.ytd_rag, row.target, row.floor)
        for row in dashboard.kpis
    } | {row.indicator.code: (row.value, row.lower, row.upper, row.range) for row in dashboard.activities}


@pytest.mark.parametrize("period", [NOVEMBER, date(2019, 6, 1), date(2018, 9, 1)])
@pytest.mark.parametrize(("kind", "slug"), [("directorate", SCS), ("committee", "policy-and-resources")])
def test_public_numbers_equal_the_intranet_dashboards_for_the_demo(published, kind, slug, period):
    intranet_scope = (directorate_scope if kind == "directorate" else committee_scope)(slug)
    intranet = build_dashboard(intranet_scope.indicators, period)
    public = public_dashboard(public_scope(kind, slug), period)

    assert _rows(public) == _rows(intranet)
    assert public.counts == intranet.counts
    if period.year == 2019:  # 2018/19 is published too, so last year's figures are public
        assert [r.previous_year for r in public.kpis] == [r.previous_year for r in intranet.kpis]


def test_the_public_page_and_open_data_show_the_intranet_pages_numbers(client, published, viewer_user):
    public = client.get(reverse("public:directorate_period", args=[SCS, NOVEMBER])).content.decode()
    client.force_login(viewer_user)
    intranet = client.get(reverse("directorate_dashboard_period", args=[SCS, NOVEMBER])).content.decode()
    client.logout()
    sentence = re.compile(r'id="counts-sentence">([^<]+)<')

    assert sentence.search(public)[1] == sentence.search(intranet)[1]
    assert "21 of the 25 KPIs achieved target" in public
    records = {r["ref"]: r for r in dashboard_records(build_dashboard(directorate_scope(SCS).indicators, NOVEMBER))}
    rows = json.loads(client.get(reverse("public:figures_json"), {"period": "2019-11"}).content)["rows"]
    assert rows, "November 2019 is published"
    for row in rows:
        record = records[row["ref"]]
        assert float(row["value"]) == float(record["latest_value"]), row["ref"]
        assert (row["month_rag"], row["target"]) == (record["month_rag"], _num(record["target"])), row["ref"]


def _num(value):
    return None if value is None else float(value)


def test_no_page_cache_leaks_between_the_intranet_and_the_public_site(client, published, viewer_user):
    ict01 = Indicator.objects.get(code="ICT01")
    Commentary.objects.filter(indicator=ict01, period=NOVEMBER).update(status=CommentaryStatus.SUBMITTED)
    november, october = (
        ict01.format(Rating.objects.get(indicator=ict01, period=p).value) for p in (NOVEMBER, date(2019, 10, 1))
    )
    assert november != october
    intranet_url = reverse("directorate_dashboard_period", args=[SCS, NOVEMBER])
    public_url = reverse("public:directorate_period", args=[SCS, NOVEMBER])
    client.force_login(viewer_user)
    client.get(intranet_url)  # the intranet page is now in the page cache
    client.logout()

    public = client.get(public_url).content.decode()
    client.force_login(viewer_user)
    intranet = client.get(intranet_url).content.decode()

    assert "Signed in as" not in public and "Signed in as" in intranet
    public_row = public.split('id="row-ICT01"')[1].split("</tr>")[0]
    assert october in public_row and "October 2019" in public_row  # the latest approved figure
    assert november not in public_row
    assert november in intranet  # the intranet still shows the submitted figure


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        reverse("public:index"),
        reverse("public:directorate_period", args=[SCS, NOVEMBER]),
        reverse("public:committee_period", args=["policy-and-resources", NOVEMBER]),
        reverse("public:indicator", args=["ICT02"]),
        reverse("public:figures_csv"),
        reverse("public:figures_json"),
    ],
)
def test_public_pages_make_the_same_number_of_queries_at_two_data_sizes(client, published, url):
    few = ["ICT01", "ICT02", "ICT06"]
    Publication.objects.exclude(indicator__code__in=few).delete()
    client.get(url)  # warm: content types, the URL resolver
    small = _count(client, url)
    everything = Indicator.objects.all()
    Publication.objects.bulk_create(
        [Publication(indicator=i, financial_year=year) for i in everything for year in (2017, 2018, 2019)],
        ignore_conflicts=True,
    )

    assert _count(client, url) == small


@pytest.fixture
def two_directorates(published):
    """Policy and Resources also oversees Growth, Environment and Transport, whose GT01 is published and approved."""
    committee = Committee.objects.get(slug="policy-and-resources")
    committee.directorates.add(Directorate.objects.get(slug="growth-environment-and-transport"))
    gt01 = Indicator.objects.get(code="GT01")
    Publication.objects.create(indicator=gt01, financial_year=2019)
    for period in Rating.objects.filter(indicator=gt01, period__gte=date(2019, 4, 1)).values_list("period", flat=True):
        Commentary.objects.update_or_create(
            indicator=gt01, period=period, defaults={"status": CommentaryStatus.APPROVED, "text": ""}
        )
    return committee


def _directorate_cells(body: str, code: str) -> list[str]:
    row = body.split(f'id="row-{code}"')[1].split("</tr>")[0]
    cells = re.findall(r'<td class="govuk-table__cell">([^<]*)</td>', row)
    return [cell for cell in cells if cell.endswith(("Services", "Transport"))]


def test_a_committee_of_two_directorates_shows_each_rows_directorate_as_its_open_data_does(client, two_directorates):
    body = client.get(reverse("public:committee_period", args=["policy-and-resources", NOVEMBER])).content.decode()
    rows = json.loads(
        client.get(reverse("public:figures_json"), {"committee": "policy-and-resources", "period": "2019-11"}).content
    )["rows"]
    directorate_of = {row["ref"]: row["directorate"] for row in rows}

    assert body.count('<th scope="col" class="govuk-table__header">Directorate</th>') == 2  # KPIs and activities
    assert directorate_of["GT01"] == "Growth, Environment and Transport"
    assert directorate_of["ICT02"] == "Strategic and Corporate Services"
    for code in ("GT01", "ICT02", "CS01"):
        assert _directorate_cells(body, code) == [directorate_of[code]], code


def test_a_dashboard_whose_rows_are_of_one_directorate_has_no_directorate_column(client, two_directorates):
    service = client.get(reverse("public:directorate_period", args=[SCS, NOVEMBER])).content.decode()
    Publication.objects.filter(indicator__code="GT01").delete()  # the committee's second directorate: unpublished
    committee = client.get(reverse("public:committee_period", args=["policy-and-resources", NOVEMBER]))

    assert ">Directorate</th>" not in service
    assert ">Directorate</th>" not in committee.content.decode()
    assert b"Growth, Environment and Transport" not in committee.content


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/public/committees/environment-and-transport/", "There is no published committee at this address."),
        ("/public/directorates/strategic-and-corporate-services/2017-11/", "has no published figures for November"),
        ("/public/no-such-page/", None),
    ],
)
def test_a_public_page_not_found_stays_in_the_public_frame(client, request, published, persona, path, message):
    response = client_as(client, request, persona).get(path)
    body = response.content.decode()

    assert response.status_code == 404
    assert "Council performance" in body and 'href="/public/"' in body  # the public header
    assert "Signed in as" not in body and 'href="/review/"' not in body
    assert (message in body) if message else 'id="not-found-message"' not in body
    assert "no-such-page" not in body and "environment-and-transport" not in body  # the address is not repeated


@override_settings(KPIDASH_PUBLIC_SITE=False)
def test_switched_off_a_public_page_not_found_is_the_intranets(client, published):
    response = client.get("/public/")

    assert response.status_code == 404
    assert "Council performance" not in response.content.decode()
