"""The Word writer's tables: written as XML in one piece, the same XML python-docx's API writes."""

from __future__ import annotations

import pytest
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from lxml import etree

from reports.word import table


def _python_docx_table(document, columns, rows, font_size, widths) -> None:
    """The table as the cell-by-cell python-docx API builds it (what reports.word.table used to do)."""
    table = document.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)
    for cell, text in zip(table.rows[0].cells, columns, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    table.rows[0]._tr.get_or_add_trPr().append(header)
    for values in rows:
        for cell, text in zip(table.add_row().cells, values, strict=True):
            cell.text = text
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(font_size)


def _tables_xml(document) -> list[bytes]:
    return [etree.tostring(table._tbl, method="c14n") for table in document.tables]


@pytest.mark.parametrize(
    "text",
    [
        "Green",
        "",
        " leading and trailing ",
        "Fish & chips <b>not bold</b> \"quoted\" 'single'",
        "Line one\nLine two\r\nTabbed\tcell",
        "Ünïcödé – £5 → 95%",
        "\t",
    ],
)
@pytest.mark.parametrize("font_size", [8, 9])
def test_a_word_table_is_the_xml_python_docx_would_write(text, font_size):
    columns, rows, widths = ["Figure", "Value"], [["Latest value", text], [text, "2"]], (4.0, 13.0)
    fast, slow = Document(), Document()
    table(fast, columns, rows, font_size, widths)
    _python_docx_table(slow, columns, rows, font_size, widths)
    assert _tables_xml(fast) == _tables_xml(slow)
    assert fast.tables[0].rows[1].cells[1].text == slow.tables[0].rows[1].cells[1].text


def test_a_word_table_with_no_rows_keeps_its_repeating_header():
    document = Document()
    table(document, ["Code", "Meaning"], [], 9, (4.0, 13.0))
    (grid,) = document.tables
    assert [cell.text for cell in grid.rows[0].cells] == ["Code", "Meaning"]
    assert grid.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
