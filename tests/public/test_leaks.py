"""Nothing unpublished or unapproved is reachable publicly.

Every URL pattern of the public section is read from the resolver, so a new
public address is covered without touching this file. Each is called with
unpublished directorates, committees and indicators, an inactive indicator,
unapproved and unpublished months, and with every open-data filter set to
them; each answer is a 404 (or 400), or says nothing of them.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from datetime import date
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from indicators.models import Commentary, CommentaryStatus, Indicator, Rating, Result, Threshold
from public.models import Publication

pytestmark = pytest.mark.django_db

SECRET = "Not for publication: the figure is under investigation"
UNAPPROVED_MONTH = date(2019, 10, 1)


def public_patterns() -> list[tuple[str, list[str]]]:
    """(URL name, its path parameters) of every pattern under the `public` namespace."""
    (resolver,) = [p for p in get_resolver().url_patterns if isinstance(p, URLResolver) and p.namespace == "public"]
    found = []
    for pattern in resolver.url_patterns:
        assert isinstance(pattern, URLPattern), "the public section has no nested includes"
        found.append((f"public:{pattern.name}", list(pattern.pattern.converters)))
    return found


PATTERNS = public_patterns()


@pytest.fixture
def hidden(published):
    """What must not be public, on top of the published demo; returns the strings that must not leak."""
    # A published indicator's month whose return is not approved, with its own commentary and a distinctive value.
    ict01 = Indicator.objects.get(code="ICT01")
    result = Result.objects.get(indicator=ict01, period=UNAPPROVED_MONTH)
    result.value = Decimal("13.579")
    result.save()
    Commentary.objects.filter(indicator=ict01, period=UNAPPROVED_MONTH).update(
        status=CommentaryStatus.SUBMITTED, text=SECRET, approver=None, approved_at=None
    )
    # A published indicator withdrawn from 2018/19: its 2018/19 figures are not public.
    Publication.objects.filter(indicator__code="CS01", financial_year=2018).delete()
    # An inactive indicator stays unpublished whatever its publications say.
    Indicator.objects.filter(code="HR01").update(active=False)
    unpublished = list(
        Indicator.objects.filter(directorate__slug="growth-environment-and-transport").values_list("code", flat=True)
    )
    return {
        "codes": [*unpublished, "HR01"],
        "strings": [SECRET, "Growth, Environment and Transport", "Environment and Transport Cabinet Committee"],
        "value": "13.6",
    }


SLUGS = ["growth-environment-and-transport", "environment-and-transport", "no-such-thing"]
PUBLISHED_SLUGS = ["strategic-and-corporate-services", "policy-and-resources"]
# A month of an unpublished year, one with no figures at all, one with nothing published yet.
PERIODS = ["2017-11", "2019-12", "2016-04"]
CODES = ["GT01", "HR01", "NOPE1"]
FILTERS = [
    {"indicator": "GT01"},
    {"indicator": "HR01"},
    {"directorate": "growth-environment-and-transport"},
    {"committee": "environment-and-transport"},
    {"year": "2017/18"},
    {"year": "2020/21"},
    {"period": "2019-10", "indicator": "ICT01"},
    {"period": "2018-06", "indicator": "CS01"},
    {"year": "2018/19", "indicator": "CS01"},
    {"period": "2017-11"},
    {"indicator": "GT01", "year": "2019/20"},
]


def leaky_kwargs(params: list[str]) -> list[dict]:
    """Every combination of unpublished values for the parameters, and published slugs with unpublished months."""
    choices = {"slug": SLUGS, "period": PERIODS, "code": CODES}
    combos = [dict(zip(params, values, strict=True)) for values in itertools.product(*(choices[p] for p in params))]
    if "slug" in params and "period" in params:
        combos += [{"slug": slug, "period": period} for slug in PUBLISHED_SLUGS for period in PERIODS]
    return combos


def _get(client, name: str, kwargs: dict, query: dict | None = None, follow: bool = False):
    url = reverse(name, kwargs={k: date.fromisoformat(v + "-01") if k == "period" else v for k, v in kwargs.items()})
    return client.get(url, query or {}, follow=follow)


def assert_nothing_leaks(response, hidden: dict) -> None:
    body = response.content.decode()
    for text in hidden["strings"]:
        assert text not in body, f"{response.request['PATH_INFO']} shows {text!r}"
    for code in hidden["codes"]:
        assert code not in body, f"{response.request['PATH_INFO']} shows {code}"
    assert f">{hidden['value']}%" not in body
    for row in _rows(response):
        assert row["ref"] not in hidden["codes"]
        assert (row["ref"], row["period"]) != ("ICT01", "2019-10")
        assert not (row["ref"] == "CS01" and row["financial_year"] == "2018/19")
        if row["ref"] == "CS01" and row["financial_year"] == "2019/20":
            assert row["previous_year"] in ("", None), "a previous year that is not published"
        if row["ref"] == "ICT01" and row["period"] > "2019-10" and row["period"] < "2020-04":
            assert row["ytd_value"] in ("", None), "a year to date worked out from an unapproved figure"


def _rows(response) -> list[dict]:
    kind = response.get("Content-Type", "")
    if response.status_code != 200:
        return []
    if kind.startswith("application/json"):
        return json.loads(response.content).get("rows", [])  # the OpenAPI document has none
    if kind.startswith("text/csv") and response.content.startswith(b"financial_year"):
        return list(csv.DictReader(io.StringIO(response.content.decode())))
    return []


@pytest.mark.parametrize(("name", "params"), PATTERNS, ids=[name for name, _ in PATTERNS])
def test_the_public_site_only_reads(client, published, name, params):
    kwargs = {"slug": "strategic-and-corporate-services", "period": "2019-11", "code": "ICT02"}

    assert _post(client, name, {p: kwargs[p] for p in params}).status_code == 405


def _post(client, name: str, kwargs: dict):
    url = reverse(name, kwargs={k: date.fromisoformat(v + "-01") if k == "period" else v for k, v in kwargs.items()})
    return client.post(url)


def test_every_public_pattern_is_enumerated():
    names = {name for name, _ in PATTERNS}
    assert {"public:index", "public:indicator", "public:figures_json", "public:directorate_period"} <= names


@pytest.mark.parametrize(("name", "params"), PATTERNS, ids=[name for name, _ in PATTERNS])
def test_public_urls_refuse_unpublished_ids(client, hidden, name, params):
    for kwargs in leaky_kwargs(params) if params else [{}]:
        response = _get(client, name, kwargs)
        if params:
            assert response.status_code in (302, 404), (name, kwargs, response.status_code)
            if response.status_code == 302:  # the period picker's redirect lands on a 404 too
                assert client.get(response["Location"]).status_code == 404
        assert_nothing_leaks(response, hidden)


@pytest.mark.parametrize(("name", "params"), PATTERNS, ids=[name for name, _ in PATTERNS])
def test_public_urls_with_every_filter_set_to_unpublished_ids_show_nothing_of_them(client, hidden, name, params):
    valid = {"slug": "strategic-and-corporate-services", "period": "2019-10", "code": "ICT01"}
    if "slug" in params and name.startswith("public:committee"):
        valid["slug"] = "policy-and-resources"
    kwargs = {p: valid[p] for p in params}
    for query in FILTERS:
        response = _get(client, name, kwargs, query, follow=True)  # a dashboard's `period` is its picker
        assert response.status_code in (200, 400, 404), (name, query, response.status_code)
        assert_nothing_leaks(response, hidden)
        if name in ("public:figures_csv", "public:figures_json") and response.status_code == 200:
            refs = {row["ref"] for row in _rows(response)}
            if {"indicator", "directorate", "committee"} & set(query) or query.get("period") == "2017-11":
                assert refs == set(), (query, refs)


def test_the_published_pages_themselves_show_nothing_hidden(client, hidden):
    for name, params in PATTERNS:
        kwargs = {"slug": "strategic-and-corporate-services", "period": "2019-10", "code": "ICT01"}
        if name.startswith("public:committee"):
            kwargs["slug"] = "policy-and-resources"
        response = _get(client, name, {p: kwargs[p] for p in params})
        assert response.status_code == 200, name
        assert_nothing_leaks(response, hidden)


def test_the_unapproved_month_is_missing_from_open_data_but_the_approved_ones_are_there(client, hidden):
    rows = json.loads(client.get(reverse("public:figures_json"), {"indicator": "ICT01"}).content)["rows"]
    periods = [row["period"] for row in rows]

    assert "2019-10" not in periods
    assert {"2019-09", "2019-11"} <= set(periods)
    (november,) = [row for row in rows if row["period"] == "2019-11"]
    assert november["value"] is not None and november["ytd_value"] is None


def test_the_dashboard_shows_the_latest_approved_figure_for_a_month_that_is_not(client, hidden):
    body = client.get(reverse("public:directorate_period", args=["strategic-and-corporate-services", "2019-10"]))
    row = body.content.decode().split('id="row-ICT01"')[1].split("</tr>")[0]

    assert "September 2019" in row  # its latest public figure, labelled as such
    assert ">13.6%" not in row


@override_settings(KPIDASH_PUBLIC_SITE=False)
@pytest.mark.parametrize(("name", "params"), PATTERNS, ids=[name for name, _ in PATTERNS])
def test_switched_off_every_public_url_is_not_found(client, published, name, params):
    valid = {"slug": "strategic-and-corporate-services", "period": "2019-11", "code": "ICT02"}
    if name.startswith("public:committee"):
        valid["slug"] = "policy-and-resources"

    response = _get(client, name, {p: valid[p] for p in params})

    assert response.status_code == 404
    assert b"ICT02" not in response.content


@pytest.fixture
def trend_rated(published):
    """ICT02 rated on tolerance and trend in 2019/20, target 99%, 1% green band: November's 88.6% and its year to
    date are outside it, so their Amber or Red says whether they are worse than November 2018's."""
    threshold = Threshold.objects.get(indicator__code="ICT02", financial_year=2019)
    threshold.scheme, threshold.green_tolerance, threshold.tolerance_unit = "tolerance_trend", Decimal(1), "percent"
    threshold.target = Decimal(99)
    threshold.save()  # re-rates ICT02
    return Rating.objects.get(indicator__code="ICT02", period=date(2019, 11, 1))


def _public_rags(client) -> dict[str, str]:
    """November 2019's month RAG of ICT02 on every public surface."""
    data = client.get(reverse("public:figures_json"), {"indicator": "ICT02", "period": "2019-11"})
    (row,) = json.loads(data.content)["rows"]
    board = client.get(reverse("public:directorate_period", args=["strategic-and-corporate-services", "2019-11"]))
    cells = board.content.decode().split('id="row-ICT02"')[1].split("</tr>")[0]
    page = client.get(reverse("public:indicator", args=["ICT02"])).content.decode()
    month = page.split(">November 2019</th>")[1].split("</tr>")[0]
    return {"open data": row["month_rag"], "dashboard": _first_rag(cells), "indicator page": _first_rag(month)}


def _first_rag(html: str) -> str:
    return html.split('class="govuk-tag kp-rag kp-rag--')[1].split('"')[0]


@pytest.mark.parametrize(
    "hide",
    ["unapproved", "unpublished"],
    ids=["last year's return not approved", "last year not published"],
)
def test_a_trend_rating_does_not_tell_how_a_hidden_figure_a_year_earlier_compares(client, trend_rated, hide):
    last_year = Commentary.objects.filter(indicator__code="ICT02", period=date(2018, 11, 1))
    if hide == "unapproved":
        last_year.update(status=CommentaryStatus.SUBMITTED)
    else:
        Publication.objects.filter(indicator__code="ICT02", financial_year=2018).delete()
    assert trend_rated.month_rag in ("amber", "red")  # the intranet's, from the comparison with a year earlier

    assert _public_rags(client) == {"open data": "", "dashboard": "none", "indicator page": "none"}


def test_a_trend_rating_is_public_when_the_figure_a_year_earlier_is(client, trend_rated):
    shown = "none" if not trend_rated.month_rag else trend_rated.month_rag

    assert _public_rags(client) == {"open data": trend_rated.month_rag, "dashboard": shown, "indicator page": shown}


def test_a_trend_rated_year_to_date_does_not_tell_of_a_hidden_figure_in_last_years_year_to_date(client, trend_rated):
    # October 2018 is not approved: November 2018's figure is public, but its year to date is not.
    Commentary.objects.filter(indicator__code="ICT02", period=date(2018, 10, 1)).update(
        status=CommentaryStatus.SUBMITTED
    )
    data = client.get(reverse("public:figures_json"), {"indicator": "ICT02", "period": "2019-11"})
    (row,) = json.loads(data.content)["rows"]

    assert trend_rated.ytd_rag in ("amber", "red")  # the intranet's, from last year's year to date
    assert (row["ytd_value"], row["ytd_rag"]) == (float(trend_rated.ytd_value), "")
    assert row["month_rag"] == trend_rated.month_rag  # November 2018 itself is public
