"""The paper as PDF: an HTML template and print CSS, rendered by WeasyPrint.

WeasyPrint may fetch nothing but data: URIs (the charts) and files under our
own static folders; anything else (http, other files) is refused, so text in a
snapshot can never make the renderer read the server's files or the network.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from indicators.wording import strip_control
from reports.content import ACTIVITY_COLUMNS, KPI_COLUMNS, PaperContent


class StaticOnlyFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that reads data: URIs and our static files only."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False, fail_on_errors=False)
        self.roots = [Path(root).resolve() for root in [*settings.STATICFILES_DIRS, settings.STATIC_ROOT]]

    def fetch(self, url, headers=None):
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


def _data_uri(png: bytes | None) -> str | None:
    return None if png is None else "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def paper_html(content: PaperContent) -> str:
    sections = [(section, _data_uri(section.chart)) for section in content.sections]
    context = {
        "c": content,
        "s": content.snapshot,
        "sections": sections,
        "emoji_font": False,
        "kpi_columns": KPI_COLUMNS,
        "activity_columns": ACTIVITY_COLUMNS,
    }
    html = render_to_string("reports/paper.html", context)
    if _EMOJI.search(html):
        html = render_to_string("reports/paper.html", {**context, "emoji_font": True})
    return strip_control(html)


def render_pdf(content: PaperContent) -> bytes:
    base_url = Path(settings.STATICFILES_DIRS[0]).resolve().as_uri() + "/"
    document = HTML(string=paper_html(content), base_url=base_url, url_fetcher=StaticOnlyFetcher())
    return document.write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True)
