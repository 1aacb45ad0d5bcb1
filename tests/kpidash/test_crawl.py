"""Every page a persona can reach by following links and GET forms opens, and is a whole page.

A crawl of the demo as each role sees it (the admin aside: tests/kpidash/test_admin_pages.py
opens its pages): every internal link and GET form answers without an error, and every page
it reaches has a title and an <h1>, no id twice, no link to an #id the page lacks, and a caption
and header cells on every table.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from datetime import date
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import lxml.html
import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from returns.models import ReportingPeriod

pytestmark = pytest.mark.django_db

HOST = "testserver"
# Addresses read of each shape (digits and query values aside): the 20 months of one dashboard are
# one template with one set of links, and reading one keeps the crawl to seconds a persona.
PER_SHAPE = 1
MAX_PAGES = 400


def _shape(address: str) -> str:
    parts = urlsplit(address)
    return re.sub(r"\d+", "N", parts.path) + "?" + ",".join(sorted(k for k, _ in parse_qsl(parts.query)))


def _form_address(form, base: str) -> str | None:
    """The address a GET form submits to with the values it shows."""
    action = urlsplit(urljoin(base, form.get("action") or base))
    if action.netloc != HOST:
        return None
    pairs = []
    for field in form.iter("input", "select"):
        name, kind = field.get("name"), (field.get("type") or "text").lower()
        unticked = kind in ("checkbox", "radio") and field.get("checked") is None
        if not name or kind in ("submit", "button", "reset", "file") or unticked:
            continue
        if field.tag == "select":
            options = field.findall(".//option")
            chosen = [o for o in options if o.get("selected") is not None] or options[:1]
            pairs += [(name, o.get("value", (o.text or "").strip())) for o in chosen]
        else:
            pairs.append((name, field.get("value", "")))
    return action.path + ("?" + urlencode(pairs) if pairs else "")


def _page_problems(address: str, doc) -> list[str]:
    problems = []
    if not (doc.findtext(".//title") or "").strip():
        problems.append(f"{address}: no <title>")
    if not doc.findall(".//h1"):
        problems.append(f"{address}: no <h1>")
    ids = Counter(el.get("id") for el in doc.iter() if isinstance(el.tag, str) and el.get("id"))
    problems += [f"{address}: id {name!r} used {n} times" for name, n in ids.items() if n > 1]
    for table in doc.iter("table"):
        if table.find("caption") is None or not table.findall(".//th"):
            problems.append(f"{address}: a table without a caption or header cells")
    for link in doc.iter("a"):
        href = link.get("href") or ""
        if href.startswith("#") and len(href) > 1 and href[1:] not in ids:
            problems.append(f"{address}: link to {href}, which is not on the page")
    return problems


def crawl(client: Client, start: list[str]) -> tuple[int, list[str]]:
    """(pages read, problems) following every internal link and GET form from `start`."""
    queue, seen, shapes, problems, pages = deque((s, "start") for s in start), set(), Counter(), [], 0
    while queue and pages < MAX_PAGES:
        address, source = queue.popleft()
        if address in seen:
            continue
        seen.add(address)
        shapes[_shape(address)] += 1
        if shapes[_shape(address)] > PER_SHAPE:
            continue
        pages += 1
        response = client.get(address, follow=True)
        if response.status_code >= 400:
            problems.append(f"{address} (linked from {source}): {response.status_code}")
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        here = f"http://{HOST}{response.request['PATH_INFO']}"
        doc = lxml.html.fromstring(response.content)
        problems += _page_problems(address, doc)
        targets = [urljoin(here, a.get("href")) for a in doc.iter("a") if a.get("href")]
        searches = [f for f in doc.iter("form") if (f.get("method") or "get").lower() == "get"]
        targets += [t for t in (_form_address(f, here) for f in searches) if t]
        for target in targets:
            parts = urlsplit(urljoin(here, target))
            if parts.scheme in ("http", "https") and parts.netloc == HOST and not parts.path.startswith("/admin/"):
                queue.append((urlunsplit(("", "", parts.path, parts.query, "")), address))
    return pages, problems


@pytest.fixture
def december_open(demo):
    performance = get_user_model().objects.get(username="performance")
    ReportingPeriod.objects.create(period=date(2019, 12, 1), deadline=date(2020, 1, 10), opened_by=performance)


@pytest.mark.parametrize("username", ["owner", "owner2", "performance", "clerk", "viewer"])
def test_every_page_a_signed_in_role_reaches_opens_whole(client, december_open, username):
    client.force_login(get_user_model().objects.get(username=username))

    pages, problems = crawl(client, ["/"])

    assert problems == []
    assert pages > 50  # the crawl really went round the site


def test_every_public_page_an_anonymous_visitor_reaches_opens_whole(client, demo):
    pages, problems = crawl(client, ["/public/", "/accounts/login/"])

    assert problems == []
    assert pages > 8  # the index, dashboards, indicators, open data, its dictionary, accessibility, sign-in
