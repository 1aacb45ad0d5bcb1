"""The paper as Word (.docx), which clerks edit before publication.

python-docx with the built-in Heading styles (so Word's navigation pane and
screen readers see the structure), real tables with a repeating header row,
and the charts as pictures with alternative text. python-docx takes plain
text, so nothing in a snapshot is interpreted as markup.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from indicators.wording import strip_control as clean
from reports.content import ACTIVITY_COLUMNS, KPI_COLUMNS, PaperContent


def _paragraph(document, text: str, style: str | None = None, bold_prefix: str = ""):
    paragraph = document.add_paragraph(style=style)
    if bold_prefix:
        paragraph.add_run(clean(bold_prefix)).bold = True
    paragraph.add_run(clean(text))
    return paragraph


def _repeat_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


KPI_WIDTHS = (1.6, 6.0, 1.5, 1.5, 2.2, 1.7, 2.0, 1.7, 1.8, 1.8, 1.9, 2.0)  # cm, landscape
ACTIVITY_WIDTHS = (1.6, 9.0, 3.0, 3.0, 3.0, 3.0, 3.0)
TWO_COLUMN_WIDTHS = (4.0, 13.0)  # cm, portrait


def _table(
    document,
    columns: list[str],
    rows: list[list[str]],
    font_size: float = 8,
    widths: tuple[float, ...] = TWO_COLUMN_WIDTHS,
) -> None:
    table = document.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)  # the grid, which LibreOffice and Word lay out from
    for cell, text in zip(table.rows[0].cells, columns, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(clean(text)).bold = True
    _repeat_header(table.rows[0])
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            cell.text = clean(text)
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(font_size)


def _cover(document, c: PaperContent) -> None:
    s, settings = c.snapshot, c.settings
    document.add_heading(clean(c.title), level=0)
    document.add_heading("From:", level=2)
    for person in settings["from"] or [[s["directorate"]]]:
        _paragraph(document, "\n".join(person))
    document.add_heading("To:", level=2)
    _paragraph(document, f"{s['committee']['name']} – {s['meeting_date_label']}")
    document.add_heading("Subject:", level=2)
    _paragraph(document, c.title)
    document.add_heading("Classification:", level=2)
    _paragraph(document, settings["classification"])
    document.add_heading("Summary:", level=1)
    for text in c.summary:
        _paragraph(document, text)
    _paragraph(
        document,
        f"Data as at {s['data_as_at_label']}: results up to the end of {s['period_label']}, "
        "or the latest available month.",
    )
    document.add_heading("Recommendation(s):", level=1)
    _paragraph(document, settings["recommendation"])


def _body(document, c: PaperContent) -> None:
    settings = c.settings
    document.add_heading("1. Introduction", level=1)
    _paragraph(document, c.introduction, bold_prefix="1.1. ")
    document.add_heading("2. Performance Dashboard", level=1)
    for number, text in enumerate(c.dashboard_paragraphs, start=1):
        _paragraph(document, text, bold_prefix=f"2.{number}. ")
    _paragraph(document, c.bullets_lead, bold_prefix="2.4. ")
    for bullet in c.bullets:
        _paragraph(document, bullet, style="List Bullet")
    for number, text in enumerate(c.red_paragraphs, start=5):
        _paragraph(document, text, bold_prefix=f"2.{number}. ")
    document.add_heading("3. Recommendation(s):", level=1)
    _paragraph(document, settings["recommendation"])
    document.add_heading("4. Contact details", level=1)
    for role, prefix in (("Report Author", "author"), ("Relevant Director", "director")):
        keys = [f"{prefix}_{key}" for key in ("title", "team", "phone", "email")]
        lines = [settings[key] for key in keys if settings.get(key)]
        paragraph = _paragraph(document, settings[f"{prefix}_name"] or "To be confirmed", bold_prefix=f"{role}: ")
        for line in lines:
            paragraph.add_run().add_break(WD_BREAK.LINE)
            paragraph.add_run(clean(line))


def _guidance(document, c: PaperContent) -> None:
    guidance = c.snapshot["guidance"]
    document.add_heading("Guidance Notes", level=2)
    document.add_heading("RAG ratings", level=3)
    for note in guidance["ratings"]:
        if len(guidance["ratings"]) > 1:
            _paragraph(document, ", ".join(note["codes"]), bold_prefix="Applies to: ")
        _table(document, ["Rating", "Meaning"], [[label, text] for _, label, text in note["sentences"]], 9)
    if guidance["polarities"]:
        document.add_heading("Polarity", level=3)
        for _, text in guidance["polarities"]:
            _paragraph(document, text, style="List Bullet")
    document.add_heading("Direction of travel", level=3)
    _paragraph(document, guidance["direction"])
    if guidance["data_periods"]:
        document.add_heading("Data period", level=3)
        _table(document, ["Code", "Meaning"], guidance["data_periods"], 9)
    document.add_heading("Activity indicators", level=3)
    _paragraph(document, guidance["activity"])


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
    document.add_heading("Appendix 1 – Performance Dashboard", level=1)
    _paragraph(
        document,
        f"{s['directorate']}. Results up to the end of {s['period_label']}, or the latest "
        f"available month. Data as at {s['data_as_at_label']}.",
    )
    _guidance(document, c)
    _landscape(document)
    document.add_heading("Key Performance Indicators", level=2)
    if c.kpi_rows:
        _table(document, KPI_COLUMNS, c.kpi_rows, widths=KPI_WIDTHS)
    else:
        _paragraph(document, "There are no KPIs.")
    _paragraph(document, "Previous year values are shown in the Previous year column.")
    document.add_heading("Activity indicators", level=2)
    if c.activity_rows:
        _table(document, ACTIVITY_COLUMNS, c.activity_rows, widths=ACTIVITY_WIDTHS)
    else:
        _paragraph(document, "There are no activity indicators.")
    _portrait(document)
    for index, section in enumerate(c.sections):
        if index:
            document.add_page_break()
        item = section.item
        document.add_heading(f"{item['code']} – {item['name']}", level=2)
        if item["definition"]:
            _paragraph(document, item["definition"], bold_prefix="Definition: ")
        if section.chart:
            document.add_picture(io.BytesIO(section.chart), width=Cm(16))
            _alt_text(document, section.chart_alt)
        else:
            _paragraph(document, section.chart_alt)
        _table(document, ["Figure", "Value"], [list(pair) for pair in section.figures], 9)
        if section.is_kpi:
            document.add_heading("Commentary", level=3)
            _paragraph(document, section.commentary or "No commentary was required.")


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
    document = Document()
    styles = document.styles
    styles["Normal"].font.name = "Arial"
    styles["Normal"].font.size = Pt(11)
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2)
    header = section.header.paragraphs[0]
    header.text = clean(f"{content.title} – {content.snapshot['committee']['name']}")
    _page_numbers(section)
    properties = document.core_properties
    properties.title = clean(content.title)[:255]
    properties.subject = clean(content.snapshot["committee"]["name"])[:255]
    properties.language = "en-GB"
    _cover(document, content)
    _body(document, content)
    _appendix(document, content)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
