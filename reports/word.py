"""The paper as Word (.docx), which clerks edit before publication.

python-docx with the built-in Heading styles (so Word's navigation pane and
screen readers see the structure), real tables with a repeating header row,
and the charts as pictures with alternative text. python-docx takes plain
text, so nothing in a snapshot is interpreted as markup.
"""

from __future__ import annotations

import io
import re
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt

from indicators.wording import strip_control as clean
from reports.content import (
    ACTION_COLUMNS,
    ACTIVITY_COLUMNS,
    KPI_COLUMNS,
    KPI_VARIATION_COLUMN,
    NO_OPEN_ACTION,
    Icon,
    PaperContent,
)


def paragraph(document, text: str, style: str | None = None, bold_prefix: str = ""):
    paragraph = _styled_paragraph(document, style)
    if bold_prefix:
        paragraph.add_run(clean(bold_prefix)).bold = True
    paragraph.add_run(clean(text))
    return paragraph


KPI_WIDTHS = (1.4, 4.6, 1.3, 1.3, 2.0, 1.5, 1.8, 1.5, 1.6, 1.6, 1.7, 1.7, 2.2, 1.5)  # cm, landscape
ACTIVITY_WIDTHS = (1.6, 9.0, 3.0, 3.0, 3.0, 3.0, 3.0)
TWO_COLUMN_WIDTHS = (4.0, 13.0)  # cm, portrait
ACTION_WIDTHS = (7.6, 3.8, 3.2, 2.4)


def _run_xml(text: str, size: int, bold: bool = False) -> str:
    """One `w:r` as python-docx writes it: tabs and line breaks as their own elements."""
    parts = []
    for piece in re.split(r"(\t|\r|\n)", text):
        if piece == "\t":
            parts.append("<w:tab/>")
        elif piece in ("\r", "\n"):
            parts.append("<w:br/>")
        elif piece:
            space = ' xml:space="preserve"' if len(piece.strip()) < len(piece) else ""
            parts.append(f"<w:t{space}>{escape(piece)}</w:t>")
    return f'<w:r><w:rPr>{"<w:b/>" if bold else ""}<w:sz w:val="{size}"/></w:rPr>{"".join(parts)}</w:r>'


def _icon_xml(icon: Icon | None, size: int) -> str:
    """The icon as the PDF draws it: its letter, bold, in a ring of its colour (a character border)."""
    if icon is None:
        return ""
    border = f'<w:bdr w:val="single" w:sz="12" w:space="0" w:color="{icon.colour.lstrip("#")}"/>'
    letter = f'<w:r><w:rPr><w:b/>{border}<w:sz w:val="{size}"/></w:rPr><w:t>{escape(icon.letter)}</w:t></w:r>'
    return letter + _run_xml(" ", size)


def _cell_xml(width: int, runs: str) -> str:
    return f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/></w:tcPr><w:p>{runs}</w:p></w:tc>'


def table(
    document,
    columns: list[str],
    rows: list[list[str]],
    font_size: float = 8,
    widths: tuple[float, ...] = TWO_COLUMN_WIDTHS,
    icons: dict[int, list[Icon | None]] | None = None,
) -> None:
    """A "Table Grid" table with a bold header row repeated on each page.

    Written as XML in one piece: python-docx's cell-by-cell API took a third of
    a second for the paper's 40 tables. The XML is what that API wrote
    (tests/reports/test_word.py holds the two side by side).
    """
    twips = [Cm(width).twips for width in widths]
    size = round(Pt(font_size).pt * 2)  # w:sz is in half-points
    empty = _run_xml("", size)
    header = "".join(
        _cell_xml(width, empty + _run_xml(clean(text), size, bold=True))
        for width, text in zip(twips, columns, strict=True)
    )
    icons = icons or {}
    body = "".join(
        "<w:tr>"
        + "".join(
            _cell_xml(
                width, _icon_xml(icons[column][row] if column in icons else None, size) + _run_xml(clean(text), size)
            )
            for column, (width, text) in enumerate(zip(twips, values, strict=True))
        )
        + "</w:tr>"
        for row, values in enumerate(rows)
    )
    grid = "".join(f'<w:gridCol w:w="{width}"/>' for width in twips)
    document._body._element._insert_tbl(
        parse_xml(
            f"<w:tbl {nsdecls('w')}><w:tblPr>"
            f'<w:tblStyle w:val="{_style_id(document, "Table Grid")}"/><w:tblW w:type="auto" w:w="0"/>'
            '<w:tblLayout w:type="fixed"/><w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" '
            'w:lastRow="0" w:noHBand="0" w:noVBand="1" w:val="04A0"/></w:tblPr>'
            f'<w:tblGrid>{grid}</w:tblGrid><w:tr><w:trPr><w:tblHeader w:val="true"/></w:trPr>{header}</w:tr>'
            f"{body}</w:tbl>"
        )
    )


def _style_id(document, name: str) -> str:
    # python-docx looks a style name up by scanning every style, twice, for
    # each paragraph given one: resolved once per document instead.
    ids = document.__dict__.setdefault("_kpidash_style_ids", {})
    if name not in ids:
        ids[name] = document.styles[name].style_id
    return ids[name]


def _styled_paragraph(document, style: str | None):
    paragraph = document.add_paragraph()
    if style is not None:
        paragraph._p.style = _style_id(document, style)
    return paragraph


def heading(document, text: str, level: int) -> None:
    paragraph = _styled_paragraph(document, "Title" if level == 0 else f"Heading {level}")
    if text:
        paragraph.add_run(text)


def _cover(document, c: PaperContent) -> None:
    s, settings = c.snapshot, c.settings
    heading(document, clean(c.title), level=0)
    heading(document, "From:", level=2)
    for person in settings["from"] or [[s["directorate"]]]:
        paragraph(document, "\n".join(person))
    heading(document, "To:", level=2)
    paragraph(document, f"{s['committee']['name']} – {s['meeting_date_label']}")
    heading(document, "Subject:", level=2)
    paragraph(document, c.title)
    heading(document, "Classification:", level=2)
    paragraph(document, settings["classification"])
    heading(document, "Summary:", level=1)
    for text in c.summary:
        paragraph(document, text)
    paragraph(
        document,
        f"Data as at {s['data_as_at_label']}: results up to the end of {s['period_label']}, "
        "or the latest available month.",
    )
    heading(document, "Recommendation(s):", level=1)
    paragraph(document, settings["recommendation"])


def _body(document, c: PaperContent) -> None:
    settings = c.settings
    heading(document, "1. Introduction", level=1)
    paragraph(document, c.introduction, bold_prefix="1.1. ")
    heading(document, "2. Performance Dashboard", level=1)
    for number, text in enumerate(c.dashboard_paragraphs, start=1):
        paragraph(document, text, bold_prefix=f"2.{number}. ")
    paragraph(document, c.bullets_lead, bold_prefix="2.4. ")
    for bullet in c.bullets:
        paragraph(document, bullet, style="List Bullet")
    for number, text in enumerate(c.red_paragraphs, start=5):
        paragraph(document, text, bold_prefix=f"2.{number}. ")
    heading(document, "3. Recommendation(s):", level=1)
    paragraph(document, settings["recommendation"])
    heading(document, "4. Contact details", level=1)
    for role, prefix in (("Report Author", "author"), ("Relevant Director", "director")):
        keys = [f"{prefix}_{key}" for key in ("title", "team", "phone", "email")]
        lines = [settings[key] for key in keys if settings.get(key)]
        contact = paragraph(document, settings[f"{prefix}_name"] or "To be confirmed", bold_prefix=f"{role}: ")
        for line in lines:
            contact.add_run().add_break(WD_BREAK.LINE)
            contact.add_run(clean(line))


def _guidance(document, c: PaperContent) -> None:
    guidance = c.snapshot["guidance"]
    heading(document, "Guidance Notes", level=2)
    heading(document, "RAG ratings", level=3)
    for note in guidance["ratings"]:
        if len(guidance["ratings"]) > 1:
            paragraph(document, ", ".join(note["codes"]), bold_prefix="Applies to: ")
        table(document, ["Rating", "Meaning"], [[label, text] for _, label, text in note["sentences"]], 9)
    if guidance["polarities"]:
        heading(document, "Polarity", level=3)
        for _, text in guidance["polarities"]:
            paragraph(document, text, style="List Bullet")
    heading(document, "Direction of travel", level=3)
    paragraph(document, guidance["direction"])
    if guidance.get("spc"):
        heading(document, "Variation and assurance (statistical process control)", level=3)
        for text in guidance["spc"]:
            paragraph(document, text)
    if guidance["data_periods"]:
        heading(document, "Data period", level=3)
        table(document, ["Code", "Meaning"], guidance["data_periods"], 9)
    heading(document, "Activity indicators", level=3)
    paragraph(document, guidance["activity"])


def _landscape(document) -> None:
    section = document.add_section()
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)


def _portrait(document) -> None:
    section = document.add_section()
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)


def _appendix(document, c: PaperContent) -> None:
    s = c.snapshot
    document.add_page_break()
    heading(document, "Appendix 1 – Performance Dashboard", level=1)
    paragraph(
        document,
        f"{s['directorate']}. Results up to the end of {s['period_label']}, or the latest "
        f"available month. Data as at {s['data_as_at_label']}.",
    )
    _guidance(document, c)
    _landscape(document)
    heading(document, "Key Performance Indicators", level=2)
    if c.kpi_rows:
        for group in c.kpi_groups:
            if group.heading:
                heading(document, clean(group.heading), level=3)
            icons = {
                KPI_VARIATION_COLUMN: [variation for variation, _ in group.icons],
                KPI_VARIATION_COLUMN + 1: [assurance for _, assurance in group.icons],
            }
            table(document, KPI_COLUMNS, group.rows, widths=KPI_WIDTHS, icons=icons if c.kpi_icons else None)
    else:
        paragraph(document, "There are no KPIs.")
    paragraph(document, "Previous year values are shown in the Previous year column.")
    heading(document, "Activity indicators", level=2)
    if c.activity_rows:
        table(document, ACTIVITY_COLUMNS, c.activity_rows, widths=ACTIVITY_WIDTHS)
    else:
        paragraph(document, "There are no activity indicators.")
    _portrait(document)
    for index, section in enumerate(c.sections):
        if index:
            document.add_page_break()
        item = section.item
        heading(document, f"{item['code']} – {item['name']}", level=2)
        if item["definition"]:
            paragraph(document, item["definition"], bold_prefix="Definition: ")
        if section.chart:
            document.add_picture(io.BytesIO(section.chart), width=Cm(16))
            _alt_text(document, section.chart_alt)
        else:
            paragraph(document, section.chart_alt)
        if section.xmr_chart:
            paragraph(document, "Statistical process control (XmR) chart", bold_prefix="")
            document.add_picture(io.BytesIO(section.xmr_chart), width=Cm(16))
            _alt_text(document, section.xmr_alt)
        table(document, ["Figure", "Value"], [list(pair) for pair in section.figures], 9)
        if section.is_kpi:
            heading(document, "Commentary", level=3)
            paragraph(document, section.commentary or "No commentary was required.")
        if section.actions is not None:
            heading(document, "Improvement actions", level=3)
            if section.actions:
                table(document, ACTION_COLUMNS, section.actions, 9, widths=ACTION_WIDTHS)
            else:
                paragraph(document, NO_OPEN_ACTION)


def _alt_text(document, text: str) -> None:
    """Set the last inline picture's description (Word's alt text)."""
    inline = document.paragraphs[-1]._p.findall(".//" + qn("wp:docPr"))
    if inline:
        inline[-1].set("descr", clean(text))


def _page_numbers(section) -> None:
    paragraph = section.footer.paragraphs[0]
    paragraph.add_run("Page ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def render_docx(content: PaperContent) -> bytes:
    committee = content.snapshot["committee"]["name"]
    document = portrait_document(title=content.title, header=f"{content.title} – {committee}", subject=committee)
    _cover(document, content)
    _body(document, content)
    _appendix(document, content)
    return docx_bytes(document)


# --- the paper's page set-up, which the addendum and questions' response sheet share too ----


def portrait_document(*, title: str, header: str, subject: str):
    """A new A4 portrait Word document set up as the paper's: Arial 11, the running header, page numbers."""
    document = Document()
    document.styles["Normal"].font.name = "Arial"
    document.styles["Normal"].font.size = Pt(11)
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2)
    section.header.paragraphs[0].text = clean(header)
    _page_numbers(section)
    properties = document.core_properties
    properties.title = clean(title)[:255]
    properties.subject = clean(subject)[:255]
    properties.language = "en-GB"
    return document


def docx_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
