"""The addendum as PDF and Word, from its stored document alone (reports.addenda.addendum_document).

Both formats print the same words from `addendum_text`, so they cannot disagree;
the PDF goes through WeasyPrint with the paper's fetcher (nothing but our static
files), the Word file through python-docx with the paper's headings and tables.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string

from indicators.wording import strip_control
from reports.content import COMMENTARY_TO_BE_SUPPLIED
from reports.pdf import html_to_pdf
from reports.word import docx_bytes, heading, paragraph, portrait_document, table

FIGURE_COLUMNS = ["Ref", "Indicator", "Month", "In the paper", "Now", "Rating in the paper", "Rating now"]
FIGURE_WIDTHS = (1.4, 4.4, 2.0, 2.6, 2.6, 2.0, 2.0)  # cm, portrait


@dataclass(frozen=True)
class AddendumText:
    title: str
    lines: list[tuple[str, str]]  # the cover's "To:", "Paper:", "Data as at:"
    paragraphs: list[str]
    figure_rows: list[list[str]]
    figures: list[tuple[str, list[list[str]]]]  # each figure's heading and its fields, old → new
    commentary: list[tuple[str, str, str, str]]  # heading, what happened, the paper's text, today's


def addendum_title(document: dict) -> str:
    return (
        f"Addendum {document['number']} to the {document['paper_title']}, {document['period_label']} "
        f"(version {document['paper_version']})"
    )


def addendum_text(document: dict) -> AddendumText:
    version = document["paper_version"]
    return AddendumText(
        title=addendum_title(document),
        lines=[
            ("To:", f"{document['committee']} – {document['meeting_date_label']}"),
            (
                "Paper:",
                f"Version {version}, generated {document['paper_date_label']} with data as at "
                f"{document['paper_data_as_at_label']}: results up to the end of {document['period_label']}.",
            ),
            ("This addendum:", f"Data as at {document['data_as_at_label']}."),
        ],
        paragraphs=[
            document["sentence"],
            f"This addendum lists only what changed: each figure and approved commentary as version {version} "
            "of the paper shows it and as it stands now, with any change of rating. Every addendum is against "
            "the paper itself, so this one lists every change so far and replaces any earlier addendum.",
        ],
        figure_rows=[
            [f["code"], f["name"], f["month"], f["old_value"], f["new_value"], f["old_rag"], f["new_rag"]]
            for f in document["figures"]
        ],
        figures=[(f"{f['code']} – {f['name']}", f["fields"]) for f in document["figures"]],
        commentary=[
            (
                f"{c['code']} – {c['name']} ({c['month']})",
                c["kind_label"],
                c["old"] or "The paper had no approved commentary.",
                c["new"] or COMMENTARY_TO_BE_SUPPLIED,
            )
            for c in document["commentary"]
        ],
    )


def render_addendum_pdf(text: AddendumText, document: dict) -> bytes:
    return html_to_pdf(render_to_string("reports/addendum.html", {"a": text, "d": document}))


def render_addendum_docx(text: AddendumText, document: dict) -> bytes:
    word = portrait_document(
        title=text.title, header=f"{text.title} – {document['committee']}", subject=document["committee"]
    )
    heading(word, strip_control(text.title), level=0)
    for label, value in text.lines:
        paragraph(word, value, bold_prefix=f"{label} ")
    for words in text.paragraphs:
        paragraph(word, words)
    if text.figure_rows:
        heading(word, "Figures", level=1)
        table(word, FIGURE_COLUMNS, text.figure_rows, widths=FIGURE_WIDTHS)
        for title, fields in text.figures:
            heading(word, strip_control(title), level=2)
            table(word, ["Figure", "In the paper", "Now"], fields, 9, widths=(4.0, 6.5, 6.5))
    if text.commentary:
        heading(word, "Commentary", level=1)
        for title, kind, old, new in text.commentary:
            heading(word, strip_control(title), level=2)
            paragraph(word, kind)
            paragraph(word, old, bold_prefix="In the paper: ")
            paragraph(word, new, bold_prefix="Now: ")
    return docx_bytes(word)


def render_addendum_files(document: dict) -> tuple[bytes, bytes]:
    text = addendum_text(document)
    return render_addendum_pdf(text, document), render_addendum_docx(text, document)
