"""Browser journeys: Playwright driving Debian's Chromium against the live server.

Chromium comes from Debian (`apt-get install chromium`), never from
`playwright install`. Without it these tests skip, unless KPIDASH_REQUIRE_BROWSER
is set (as .ci/run does), when a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

CHROMIUM = os.environ.get("KPIDASH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API runs an event loop in this thread; the test's own ORM
# calls are still synchronous, so Django's async-safety guard does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("KPIDASH_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium not found at {CHROMIUM}; install Debian's chromium package.")
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(accept_downloads=True, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def sign_in(page, live_server, client):
    """Sign a user in by handing the browser a real session cookie."""

    def _sign_in(user):
        client.force_login(user)
        cookie = client.cookies["sessionid"]
        page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
        return page

    return _sign_in


@pytest.fixture
def axe_scan(page):
    """Run axe-core on the current page; return violations at WCAG 2.2 A/AA."""
    from axe_playwright_python.sync_playwright import Axe

    def _scan():
        results = Axe().run(
            page,
            options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}},
        )
        return results.response["violations"]

    return _scan


@pytest.fixture
def download_dir():
    with tempfile.TemporaryDirectory() as path:
        yield path
