"""The dashboard tables' markup, drawn in Python rather than by template loops (indicators/tables.py),
and the switch that turns the reading pages' cache off for measuring them (KPIDASH_PAGE_CACHE)."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators.cache import data_version_bump
from indicators.models import Indicator

NOVEMBER = "/committees/policy-and-resources/2019-11/"


def kpi_table(response) -> str:
    html = response.content.decode()
    return html.split("Key Performance Indicators,")[1].split("</table>")[0]


def test_what_people_typed_is_escaped_in_every_cell_it_appears_in(client, demo, viewer_user, committed):
    with committed():
        indicator = Indicator.objects.get(code="ICT02")
        indicator.name = "Help desk <b>fixed</b> & \"closed\" 'first time'"
        indicator.save()
    client.force_login(viewer_user)
    table = kpi_table(client.get(NOVEMBER))
    row = re.search(r'<tr class="govuk-table__row" id="row-ICT02">(.*?)</tr>', table, re.S)
    assert row, "the ICT02 row is missing"
    assert "Help desk &lt;b&gt;fixed&lt;/b&gt; &amp; &quot;closed&quot; &#x27;first time&#x27;" in row.group(1)
    assert "<b>fixed</b>" not in table


def test_each_row_is_one_tr_with_its_reference_as_id_in_the_sorted_order(client, demo, viewer_user):
    client.force_login(viewer_user)
    ascending = re.findall(r'id="row-([A-Z]+[0-9]+)"', kpi_table(client.get(f"{NOVEMBER}?sort=ref")))
    descending = re.findall(r'id="row-([A-Z]+[0-9]+)"', kpi_table(client.get(f"{NOVEMBER}?sort=-ref")))
    assert len(ascending) == 25
    assert ascending == sorted(ascending)
    assert descending == ascending[::-1]


def test_a_filter_that_leaves_no_kpi_says_so_in_one_row_across_the_table(client, demo, viewer_user):
    client.force_login(viewer_user)
    table = kpi_table(client.get(f"{NOVEMBER}?rag=none"))
    assert 'id="row-' not in table
    assert re.search(r'<td class="govuk-table__cell" colspan="1[0-9]">No indicators match these filters.</td>', table)


def _queries(client, url: str) -> int:
    """The page's own queries: those reading the indicators' tables (not the data versions, nor the
    session and the signed-in user, which are kept apart from the page cache)."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum('"indicators_' in q["sql"] and "indicators_dataversion" not in q["sql"] for q in queries)


def _page(client, url: str) -> str:
    """The page as served, but for the sign-out form's CSRF token (new with every response)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", client.get(url).content.decode())


def _cold_and_warm(client, url: str, committed) -> tuple[int, int]:
    """Queries of a request just after every data version is bumped, and of the same request again."""
    client.get(url)  # the session and the signed-in user are read once and then kept: not the page's
    with committed():
        data_version_bump()
    return _queries(client, url), _queries(client, url)


def test_with_the_page_cache_on_a_second_request_reads_less(client, demo, viewer_user, settings, committed):
    settings.KPIDASH_PAGE_CACHE = True
    client.force_login(viewer_user)
    for url in (NOVEMBER, "/", "/indicators/ICT02/"):
        cold, warm = _cold_and_warm(client, url, committed)
        assert warm < cold, url


def test_with_the_page_cache_off_every_request_draws_the_whole_page(client, demo, viewer_user, settings, committed):
    client.force_login(viewer_user)
    for url in (NOVEMBER, "/", "/indicators/ICT02/"):
        settings.KPIDASH_PAGE_CACHE = True
        cold, _ = _cold_and_warm(client, url, committed)
        on = _page(client, url)
        settings.KPIDASH_PAGE_CACHE = False
        assert _cold_and_warm(client, url, committed) == (cold, cold), url
        assert _page(client, url) == on, url
