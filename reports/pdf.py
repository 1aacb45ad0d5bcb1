"""The paper as PDF: an HTML template and print CSS, rendered by WeasyPrint.

WeasyPrint may fetch nothing but the paper's own charts (handed over from
memory), data: URIs and files under our own static folders; anything else
(http, other files) is refused, so text in a snapshot can never make the
renderer read the server's files or the network.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from indicators.wording import strip_control
from reports.content import (
    ACTION_COLUMNS,
    ACTIVITY_COLUMNS,
    KPI_COLUMNS,
    KPI_VARIATION_COLUMN,
    NO_OPEN_ACTION,
    PaperContent,
)

CHART_SCHEME = "kpidash-chart:"


class StaticOnlyFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that reads the paper's charts, data: URIs and our static files only."""

    def __init__(self, charts: dict[str, bytes] | None = None) -> None:
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False, fail_on_errors=False)
        self.roots = [Path(root).resolve() for root in [*settings.STATICFILES_DIRS, settings.STATIC_ROOT]]
        self.charts = charts or {}

    def fetch(self, url, headers=None):
        if url.startswith(CHART_SCHEME):
            if url not in self.charts:
                raise ValueError(f"Refused to fetch {url}: the paper has no such chart.")
            return URLFetcherResponse(url, self.charts[url], {"Content-Type": "image/png"})
        if url.startswith("file:"):
            from urllib.request import url2pathname

            path = Path(url2pathname(url.split("?")[0].removeprefix("file:"))).resolve()
            if not any(path.is_relative_to(root) for root in self.roots):
                raise ValueError(f"Refused to read {url}: papers may only use kpidash's static files.")
        elif not url.startswith("data:"):
            raise ValueError(f"Refused to fetch {url}: papers may only use kpidash's static files.")
        return super().fetch(url, headers)


# Characters DejaVu Sans lacks that an emoji font has: astral-plane symbols and
# the dingbat/emoji blocks. The emoji font is only added to the font stack when
# one occurs, because embedding it costs over a second per paper.
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f]")


def _chart_url(index: int, kind: str = "") -> str:
    return f"{CHART_SCHEME}{kind}{index}"


def chart_files(content: PaperContent) -> dict[str, bytes]:
    """Each chart under a URL the fetcher answers from memory: as data: URIs the
    megabyte of base64 went through WeasyPrint's HTML parser a character at a time."""
    files = {_chart_url(i): section.chart for i, section in enumerate(content.sections) if section.chart is not None}
    for i, section in enumerate(content.sections):
        if section.xmr_chart is not None:
            files[_chart_url(i, "xmr-")] = section.xmr_chart
    return files


def paper_html(content: PaperContent) -> str:
    sections = [
        (section, section.chart and _chart_url(i), section.xmr_chart and _chart_url(i, "xmr-"))
        for i, section in enumerate(content.sections)
    ]
    context = {
        "c": content,
        "s": content.snapshot,
        "sections": sections,
        "kpi_tables": [
            (group.heading, list(zip(group.rows, group.icons, strict=True))) for group in content.kpi_groups
        ],
        "variation_column": KPI_VARIATION_COLUMN + 1,  # the template counts from 1
        "emoji_font": False,
        "kpi_columns": KPI_COLUMNS,
        "activity_columns": ACTIVITY_COLUMNS,
        "action_columns": ACTION_COLUMNS,
        "no_open_action": NO_OPEN_ACTION,
    }
    html = render_to_string("reports/paper.html", context)
    if _EMOJI.search(html):
        html = render_to_string("reports/paper.html", {**context, "emoji_font": True})
    return strip_control(html)


def render_pdf(content: PaperContent) -> bytes:
    return html_to_pdf(paper_html(content), chart_files(content))


def html_to_pdf(html: str, files: dict[str, bytes] | None = None) -> bytes:
    """Any kpidash print document (HTML using the print styles of `reports/_print_styles.html`) as
    tagged PDF/UA-1, fetching nothing but our static files (and `files`, the paper's charts)."""
    base_url = Path(settings.STATICFILES_DIRS[0]).resolve().as_uri() + "/"
    document = HTML(string=strip_control(html), base_url=base_url, url_fetcher=StaticOnlyFetcher(files))
    return document.write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True)
