"""The kpidash workbook format: reading uploads safely and fast, writing exports.

Reading is a small streaming XLSX reader (zipfile + defusedxml iterparse)
rather than openpyxl, which is several times too slow for 100,000 rows, or
python-calamine, which is faster but unsafe on a hostile file without the same
checks in front of it (the README's "Speed" says why and what was measured). It
yields each sheet's rows as Python values (text, `Decimal`, `date`, `bool`),
refuses formula cells, zip bombs and files that are not spreadsheets, and stops
at the row limit while streaming. CSV files hold one sheet, named by their
columns. Writing uses openpyxl's write-only mode, with formula-like text
neutralised (`indicators.exports.safe_cell`, shared with the dashboard's downloads).
"""

from __future__ import annotations

import codecs
import csv
import io
import posixpath
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from defusedxml import ElementTree
from django.conf import settings
from django.db.models import Model
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

from indicators.exports import safe_cell
from indicators.models import Commentary, Indicator, Result, Threshold
from indicators.periods import format_period, is_reporting_period
from plans.models import Action, Objective, Plan, Priority

INDICATORS, THRESHOLDS, RESULTS = "Indicators", "Thresholds", "Results"
PLANS, PRIORITIES, OBJECTIVES, ACTIONS = "Plans", "Priorities", "Objectives", "Actions"
# The Actions sheet's columns, in order: the one list. `id`, `owner`, `indicators` and `objectives`
# are written and read by their own rules; every other name is a field of `plans.Action`, exported
# and imported by its type (text, a choice, a date, a record by its name: `spreadsheets.councilplan`),
# so a new field of Action goes on the sheet by adding its name here.
ACTION_COLUMNS = [
    "id",
    "title",
    "description",
    "owner",
    "due",
    "status",
    "indicators",
    "objectives",
    # A committee resolution tracked as an action: its source (all three or none).
    "source_committee",
    "source_meeting",
    "resolution",
]
# A year's rule in the workbook's column order (the import's and the export's).
THRESHOLD_FIELDS = (
    "target",
    "floor",
    "lower",
    "upper",
    "scheme",
    "green_tolerance",
    "amber_tolerance",
    "tolerance_unit",
)
ABOUT = "About"  # a notes sheet in our own files, ignored on import
SHEETS: dict[str, list[str]] = {
    INDICATORS: [
        "code",
        "name",
        "definition",
        "kind",
        "polarity",
        "unit",
        "decimals",
        "frequency",
        "ytd_method",
        "directorate",
        "committee",
        "owners",
        "headline",
        "data_source",
        "active",
        "allow_out_of_range",
        "numerator_le_denominator",
    ],
    THRESHOLDS: ["code", "financial_year", *THRESHOLD_FIELDS],
    RESULTS: ["code", "name", "period", "value", "numerator", "denominator", "commentary"],
    PLANS: ["slug", "name", "description"],
    PRIORITIES: ["plan", "number", "title", "description"],
    OBJECTIVES: ["plan", "priority", "number", "title", "indicators"],
    ACTIONS: ACTION_COLUMNS,
}
# An owner template's last column: each return's version (`Commentary.version`)
# when the file was made, so an upload cannot overwrite a later change unseen.
OWNER_VERSION = "Version (do not edit)"
# Columns a sheet cannot do without; the others may be left out.
REQUIRED = {
    INDICATORS: ["code"],
    THRESHOLDS: ["code", "financial_year"],
    RESULTS: ["code", "period"],
    PLANS: ["slug"],
    PRIORITIES: ["plan", "number"],
    OBJECTIVES: ["plan", "priority", "number"],
    # Without ids every row would be a new action, and importing the file twice would add them twice.
    ACTIONS: ["id"],
}

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
TEXT = _MAIN + "t"
_EPOCH_1900, _EPOCH_1904 = date(1899, 12, 30), date(1904, 1, 1)
_MAX_RATIO = 200  # uncompressed / compressed, per zip member
# The widest sheet has 17 columns: a file with values beyond these is not in the
# format, and a cell reference like ZZZZZZ1 must not make a list of millions of cells.
MAX_COLUMNS = 100
MAX_HEADING = 100  # characters in a column's heading
MAX_CSV_CELL = 131_072  # the csv module's field_size_limit (the most a CSV cell may hold)


class WorkbookError(ValueError):
    """The file as a whole cannot be read; the message says why, for the person who uploaded it."""


@dataclass
class Sheet:
    """One sheet: its name, normalised column names, and its data rows as (row number, values)."""

    name: str
    columns: list[str]
    rows: Iterable[tuple[int, list]]
    headings: list[str] = field(default_factory=list)


def normalise(heading) -> str:
    """'Financial Year ' → 'financial_year': column names ignore case and spacing."""
    return re.sub(r"[\s\-]+", "_", str(heading or "").strip().lower())


def sheet_name(name: str) -> str | None:
    """The format's sheet called `name` (any case or spacing), or None."""
    key = normalise(name)
    for known in (*SHEETS, ABOUT):
        if normalise(known) == key:
            return known
    return None


# --- opening an upload --------------------------------------------------------


def open_workbook(path: Path, file_name: str) -> list[Sheet]:
    """The sheets of an uploaded XLSX or CSV file, refusing anything else with a clear reason."""
    size = path.stat().st_size
    limit = settings.KPIDASH_IMPORT_MAX_BYTES
    if size > limit:
        raise WorkbookError(f"{file_name} is {_megabytes(size)}; the largest file accepted is {_megabytes(limit)}.")
    if size == 0:
        raise WorkbookError(f"{file_name} is empty.")
    with path.open("rb") as f:
        start = f.read(8)
    if start.startswith(b"PK"):
        return XlsxReader(path, file_name).sheets()
    if start.startswith(b"\xd0\xcf\x11\xe0"):
        raise WorkbookError(
            f"{file_name} is an old-style Excel (.xls) file: save it as an Excel Workbook (.xlsx) and upload that."
        )
    if file_name.lower().endswith((".csv", ".txt")):
        return [read_csv(path, file_name)]
    raise WorkbookError(f"{file_name} is not a spreadsheet: upload an Excel workbook (.xlsx) or a CSV file.")


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def _row_limit(file_name: str, count: int) -> None:
    if count > settings.KPIDASH_IMPORT_MAX_ROWS:
        raise WorkbookError(
            f"{file_name} has more than {settings.KPIDASH_IMPORT_MAX_ROWS:,} rows; split it into smaller files."
        )


def _too_wide(file_name: str, where: str) -> WorkbookError:
    return WorkbookError(
        f"{file_name} has {where}, beyond column {MAX_COLUMNS}; a kpidash sheet has at most "
        f"{max(len(c) for c in SHEETS.values())} columns. Delete the columns after the last one "
        "kpidash uses and upload again."
    )


def _check_headings(where: str, headings: list[str]) -> None:
    for heading in headings:
        if len(heading) > MAX_HEADING:
            raise WorkbookError(
                f"{where}: a column heading is {len(heading):,} characters long (“{heading[:40]}…”); "
                "headings are column names such as code or period."
            )


def _check_csv_size(text: str, file_name: str, delimiter: str = ",") -> None:
    """Refuse a CSV file with too many rows, too wide, or with an over-long cell, before any row is checked."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for count, row in enumerate(reader):
            _row_limit(file_name, count)
            if len(row) > MAX_COLUMNS and any(cell.strip() for cell in row[MAX_COLUMNS:]):
                raise _too_wide(file_name, f"values on line {reader.line_num}")
    except csv.Error:
        # The csv module stops at a cell of over MAX_CSV_CELL characters (or a broken quote).
        raise WorkbookError(
            f"{file_name} cannot be read as CSV at line {reader.line_num}: a cell is longer than "
            f"{MAX_CSV_CELL:,} characters, or a quoted cell is never closed."
        ) from None


def _decode_csv(raw: bytes, file_name: str) -> str:
    """A CSV file's text: UTF-8 (with or without Excel's byte-order mark), UTF-16 with its mark
    (Excel's "Unicode Text"), or else Windows-1252 (Excel's "CSV" on Windows)."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise WorkbookError(
                f"{file_name} is marked as UTF-16 text but cannot be read as it: save it as "
                "“CSV UTF-8 (Comma delimited)” and upload that."
            ) from None
    sample = raw[:4096]
    if len(sample) >= 4 and max(sample[0::2].count(0), sample[1::2].count(0)) > len(sample) // 4:
        raise WorkbookError(
            f"{file_name} looks like UTF-16 text without the mark that says so, which kpidash cannot read "
            "reliably: save it as “CSV UTF-8 (Comma delimited)” and upload that."
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _delimiter(text: str) -> str:
    """Tab for a file whose heading line has tabs but no comma (Excel's "Unicode Text", "Text (Tab delimited)")."""
    heading = text.split("\n", 1)[0]
    return "\t" if "\t" in heading and "," not in heading else ","


def read_csv(path: Path, file_name: str) -> Sheet:
    text = _decode_csv(path.read_bytes(), file_name)
    if "\x00" in text:
        raise WorkbookError(f"{file_name} is not a CSV file (it contains binary data).")
    delimiter = _delimiter(text)
    _check_csv_size(text, file_name, delimiter)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headings = next(reader, [])
    _check_headings(file_name, headings)
    columns = [normalise(h) for h in headings]
    name = _sheet_for_columns(columns, file_name)

    def rows() -> Iterator[tuple[int, list]]:
        for number, row in enumerate(reader, start=2):
            _row_limit(file_name, number - 1)
            if any(cell.strip() for cell in row):
                yield number, row

    return Sheet(name, columns, rows(), headings)


def _sheet_for_columns(columns: list[str], file_name: str) -> str:
    """Which sheet a CSV file holds, from its columns (or its name, e.g. results.csv)."""
    stem = sheet_name(Path(file_name).stem.split("-")[-1].split("_")[-1])
    if stem in SHEETS:
        return stem
    if "period" in columns:
        return RESULTS
    if "financial_year" in columns:
        return THRESHOLDS
    for column, name in (("due", ACTIONS), ("priority", OBJECTIVES), ("plan", PRIORITIES), ("slug", PLANS)):
        if column in columns:
            return name
    if "code" in columns and "name" in columns:
        return INDICATORS
    raise WorkbookError(
        f"Cannot tell which sheet {file_name} holds: a CSV file needs the columns of the Indicators "
        "(code, name, …), Thresholds (code, financial_year, …), Results (code, period, …), Plans (slug, …), "
        "Priorities (plan, number, …), Objectives (plan, priority, number, …) or Actions (id, due, …) sheet."
    )


# --- XLSX ---------------------------------------------------------------------


class XlsxReader:
    def __init__(self, path: Path, file_name: str) -> None:
        self.path, self.file_name = path, file_name
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError):
            raise WorkbookError(f"{file_name} is not a valid Excel workbook (.xlsx): the file is damaged.") from None
        self._check_members()

    def _check_members(self) -> None:
        names = set(self.zip.namelist())
        if "mimetype" in names and "content.xml" in names:
            raise WorkbookError(
                f"{self.file_name} is an OpenDocument spreadsheet (.ods): save it as an Excel Workbook (.xlsx)."
            )
        if "xl/workbook.xml" not in names:
            raise WorkbookError(f"{self.file_name} is a zip file but not an Excel workbook (.xlsx).")
        total = 0
        limit = settings.KPIDASH_IMPORT_MAX_BYTES * 20
        for info in self.zip.infolist():
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if total > limit or (info.file_size > 1_000_000 and ratio > _MAX_RATIO):
                raise WorkbookError(
                    f"{self.file_name} expands to far more data than a workbook of its size should "
                    "(a “zip bomb”), so it was not opened."
                )

    def _open(self, member: str):
        return self.zip.open(member)

    def sheets(self) -> list[Sheet]:
        targets, date1904 = self._sheet_targets()
        strings = self._shared_strings()
        date_styles = self._date_styles()
        epoch = _EPOCH_1904 if date1904 else _EPOCH_1900
        found = []
        for name, target in targets:
            found.append(_SheetRows(self, target, strings, date_styles, epoch).sheet(name))
        return found

    def _parse(self, member: str):
        try:
            return ElementTree.parse(self._open(member)).getroot()
        except KeyError:
            raise WorkbookError(f"{self.file_name} is damaged: it has no {member}.") from None
        except Exception as exc:  # defusedxml refusals and malformed XML alike
            raise WorkbookError(f"{self.file_name} is damaged or unsafe ({type(exc).__name__} in {member}).") from None

    def _sheet_targets(self) -> tuple[list[tuple[str, str]], bool]:
        book = self._parse("xl/workbook.xml")
        rels = self._parse("xl/_rels/workbook.xml.rels")
        by_id = {rel.get("Id"): rel.get("Target") for rel in rels.iter(_PKG_REL + "Relationship")}
        pr = book.find(_MAIN + "workbookPr")
        date1904 = pr is not None and pr.get("date1904") in ("1", "true")
        targets = []
        for sheet in book.iter(_MAIN + "sheet"):
            target = by_id.get(sheet.get(_REL + "id"), "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            targets.append((sheet.get("name", ""), path))
        return targets, date1904

    def _shared_strings(self) -> list[str]:
        if "xl/sharedStrings.xml" not in self.zip.namelist():
            return []
        strings = []
        try:
            for _, elem in ElementTree.iterparse(self._open("xl/sharedStrings.xml")):
                if elem.tag == _MAIN + "si":
                    strings.append("".join(t.text or "" for t in elem.iter(TEXT)))
                    elem.clear()
        except Exception as exc:
            raise WorkbookError(f"{self.file_name} is damaged or unsafe ({type(exc).__name__} in its text).") from None
        return strings

    def _date_styles(self) -> set[int]:
        """Indexes of cell styles whose number format shows a date."""
        if "xl/styles.xml" not in self.zip.namelist():
            return set()
        styles = self._parse("xl/styles.xml")
        formats = dict(BUILTIN_FORMATS)
        for fmt in styles.iter(_MAIN + "numFmt"):
            formats[int(fmt.get("numFmtId", 0))] = fmt.get("formatCode", "")
        xfs = styles.find(_MAIN + "cellXfs")
        if xfs is None:
            return set()
        return {
            index
            for index, xf in enumerate(xfs.findall(_MAIN + "xf"))
            if is_date_format(formats.get(int(xf.get("numFmtId", 0)), ""))
        }


class _SheetRows:
    """One worksheet, streamed row by row."""

    def __init__(self, reader: XlsxReader, member: str, strings: list[str], date_styles: set[int], epoch: date):
        self.reader, self.member = reader, member
        self.strings, self.date_styles, self.epoch = strings, date_styles, epoch

    def sheet(self, name: str) -> Sheet:
        self.name = name
        rows = self._rows()
        first = next(rows, None)
        headings = [("" if v is None else str(v)) for v in first[1]] if first else []
        while headings and not headings[-1].strip():
            headings.pop()
        _check_headings(f"Sheet {name} of {self.reader.file_name}", headings)
        return Sheet(name, [normalise(h) for h in headings], rows, headings)

    def check_dimension(self, ref: str) -> None:
        """Refuse a sheet whose declared extent (`<dimension ref="A1:G250001">`, written before its rows by
        Excel and LibreOffice) is over the row limit, before reading a row; the count while streaming
        catches a file that declares less than it holds."""
        last_row = ref.rpartition(":")[2].lstrip("$ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        if last_row.isdigit():
            _row_limit(self.reader.file_name, int(last_row) - 1)

    def _rows(self) -> Iterator[tuple[int, list]]:
        """Stream the sheet's rows: expat with defusedxml's guards, handlers kept minimal for speed."""
        file_name = self.reader.file_name
        rows: list[tuple[int, list]] = []
        parser = _defused_expat()
        state = _RowBuilder(self, rows)
        parser.StartElementHandler = state.start
        parser.EndElementHandler = state.end
        parser.CharacterDataHandler = state.text
        try:
            stream = self.reader._open(self.member)
            count = 0
            while chunk := stream.read(1 << 16):
                parser.Parse(chunk, False)
                for number, values in rows:
                    count += 1
                    _row_limit(file_name, count - 1)
                    if any(v is not None and v != "" for v in values):
                        yield number, values
                rows.clear()
            parser.Parse(b"", True)
            yield from rows
        except WorkbookError:
            raise
        except KeyError:
            raise WorkbookError(f"{file_name} is damaged: a sheet is missing.") from None
        except Exception as exc:  # malformed XML, or a DTD/entity defusedxml refuses
            raise WorkbookError(f"{file_name} is damaged or unsafe ({type(exc).__name__} in a sheet).") from None

    def cell_value(self, kind: str, text: str | None, style: str | None, ref: str):
        if text is None:
            return None
        if kind == "n":
            return self._number(text, style)
        if kind == "s":
            return self.strings[int(text)]
        if kind == "inlineStr" or kind == "str":
            return text
        if kind == "b":
            return text == "1"
        if kind == "d":
            return date.fromisoformat(text[:10])
        if kind == "e":
            raise WorkbookError(
                f"Cell {ref} on sheet {self.name} holds the spreadsheet error {text}: correct it and upload again."
            )
        return text

    def formula(self, ref: str) -> WorkbookError:
        return WorkbookError(
            f"Cell {ref} on sheet {self.name} holds a formula. Formulas are not run on import: "
            "replace them with their values (copy, then Paste Special → Values) and upload again."
        )

    def _number(self, text: str, style: str | None):
        try:
            number = Decimal(text)
        except InvalidOperation:
            return text
        if style is not None and int(style) in self.date_styles:
            moment = datetime.combine(self.epoch, datetime.min.time()) + timedelta(days=float(number))
            return moment.date()
        return number


_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
_TAGS = {f"{ns} {local}": local for ns in _NAMESPACES for local in ("row", "c", "v", "t", "f", "is", "dimension")}


def _defused_expat():
    """An expat parser with defusedxml's guards installed: no DTD, no entity declarations, no external entities."""
    from xml.sax.handler import feature_namespaces

    from defusedxml.expatreader import DefusedExpatParser

    reader = DefusedExpatParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    reader.setFeature(feature_namespaces, True)
    reader.reset()
    parser = reader._parser
    parser.buffer_text = True
    return parser


class _RowBuilder:
    """Expat callbacks collecting each <row>'s cell values (by column) into `rows`."""

    def __init__(self, sheet: _SheetRows, rows: list) -> None:
        self.sheet, self.rows = sheet, rows
        self.values: list = []
        self.number = self.count = 0
        self.ref, self.kind, self.style = "", "n", None
        self.value: str | None = None
        self.parts: list[str] | None = None

    def start(self, name: str, attrs: dict) -> None:
        tag = _TAGS.get(name)
        if tag == "c":
            self.ref, self.kind, self.style, self.value = attrs.get("r", ""), attrs.get("t", "n"), attrs.get("s"), None
        elif tag == "v" or tag == "t":
            self.parts = []
        elif tag == "row":
            self.count += 1
            self.number = int(attrs.get("r") or self.count)
            self.values = []
        elif tag == "f":
            raise self.sheet.formula(self.ref or "?")
        elif tag == "dimension":
            self.sheet.check_dimension(attrs.get("ref", ""))

    def text(self, data: str) -> None:
        if self.parts is not None:
            self.parts.append(data)

    def end(self, name: str) -> None:
        tag = _TAGS.get(name)
        if tag == "c":
            values = self.values
            column = _column_index(self.ref) if self.ref else len(values)
            if column >= MAX_COLUMNS:
                if self.value not in (None, ""):
                    raise _too_wide(
                        self.sheet.reader.file_name, f"a value in cell {self.ref} on sheet {self.sheet.name}"
                    )
                return  # an empty (formatted) cell far to the right: nothing to read
            if column > len(values):
                values.extend([None] * (column - len(values)))
            values.append(self.sheet.cell_value(self.kind, self.value, self.style, self.ref))
        elif tag == "v" or tag == "t":
            text = "".join(self.parts or ())
            self.value = text if tag == "v" or self.value is None else self.value + text
            self.parts = None
        elif tag == "row":
            self.rows.append((self.number, self.values))


def _letters_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


# "A" → 0 … "ZZ" → 701, looked up rather than computed for every cell.
_COLUMN_INDEX = {a + b: _letters_index(a + b) for a in ("", *map(chr, range(65, 91))) for b in map(chr, range(65, 91))}


def _column_index(ref: str) -> int:
    letters = ref.rstrip("0123456789")
    index = _COLUMN_INDEX.get(letters)
    return index if index is not None else _letters_index(letters.upper())


# --- writing ------------------------------------------------------------------


ABOUT_TEXT = [
    "kpidash workbook",
    "Sheets: Indicators, Thresholds, Results, Plans, Priorities, Objectives and Actions.",
    "Column names ignore case and spacing.",
    "Periods are written YYYY-MM (2019-11); financial years 2019/20.",
    "Owners are usernames or email addresses separated by semicolons.",
    "An action's id is kpidash's: leave it as it is, blank for a new action. Days are written 2020-01-31.",
    "Objectives are named by their plan and number: framing-kents-future 1.2. Progress notes are not carried.",
    "Blank scheme, tolerances or tolerance unit mean the organisation's default.",
    "Text beginning with = + - @ is written with a leading apostrophe, removed again on import.",
    "This sheet is ignored on import.",
]


def write_xlsx(out, sheets: Mapping[str, Iterable[list]], about: list[str] | None = None) -> None:
    """Write `sheets` (name → rows, the first row the column names) to `out` as XLSX."""
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        rows = iter(rows)
        header = next(rows, [])
        sheet.append([_bold(book, sheet, heading, bold) for heading in header])
        for row in rows:
            sheet.append([None if value is None else safe_cell(value) for value in row])
    notes = book.create_sheet(ABOUT)
    for line in about or ABOUT_TEXT:
        notes.append([line])
    book.save(out)


def _bold(book, sheet, value, font):
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = font
    return cell


def write_csv(out: io.TextIOBase, rows: Iterable[list]) -> None:
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])


def _csv_cell(value):
    value = safe_cell(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    return value


def utf8_bom() -> str:
    """Excel needs a byte-order mark to read a CSV file as UTF-8."""
    return codecs.BOM_UTF8.decode("utf-8")


# --- what an export holds ---------------------------------------------------------


def export_sheets(indicators=None) -> dict[str, Iterator[list]]:
    """Every sheet's rows (header first) for `indicators` (all by default), in a constant number of queries."""
    indicators = Indicator.objects.all() if indicators is None else indicators
    return {
        INDICATORS: _indicator_rows(indicators),
        THRESHOLDS: _threshold_rows(indicators),
        RESULTS: _result_rows(indicators),
        PLANS: _plan_rows(),
        PRIORITIES: _priority_rows(),
        OBJECTIVES: _objective_rows(),
        ACTIONS: _action_rows(),
    }


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _indicator_rows(indicators) -> Iterator[list]:
    yield SHEETS[INDICATORS]
    queryset = indicators.select_related("directorate").prefetch_related("owners", "directorate__committees")
    for i in queryset.order_by("code"):
        yield [
            i.code,
            i.name,
            i.definition,
            i.kind,
            i.polarity,
            i.unit,
            i.decimals,
            i.frequency,
            i.ytd_method,
            i.directorate.name,
            "; ".join(sorted(c.name for c in i.directorate.committees.all())),
            "; ".join(sorted(u.get_username() for u in i.owners.all())),
            i.headline,
            i.data_source,
            _yes_no(i.active),
            _yes_no(i.allow_out_of_range),
            _yes_no(i.numerator_le_denominator),
        ]


def _threshold_rows(indicators) -> Iterator[list]:
    yield SHEETS[THRESHOLDS]
    queryset = Threshold.objects.filter(indicator__in=indicators).select_related("indicator")
    for t in queryset.order_by("indicator__code", "financial_year"):
        yield [
            t.indicator.code,
            t.year_label,
            t.target,
            t.floor,
            t.lower,
            t.upper,
            t.scheme or None,
            t.green_tolerance,
            t.amber_tolerance,
            t.tolerance_unit or None,
        ]


def _result_rows(indicators) -> Iterator[list]:
    yield SHEETS[RESULTS]
    commentary = dict(
        ((ind, period), text)
        for ind, period, text in Commentary.objects.filter(indicator__in=indicators).values_list(
            "indicator_id", "period", "text"
        )
    )
    rows = (
        Result.objects.filter(indicator__in=indicators)
        .order_by("indicator__code", "period")
        .values_list(
            "indicator_id", "indicator__code", "indicator__name", "period", "value", "numerator", "denominator"
        )
    )
    for ind, code, name, period, value, numerator, denominator in rows.iterator(chunk_size=5000):
        text = commentary.get((ind, period)) or None
        yield [code, name, format_period(period), value, numerator, denominator, text]


def objective_ref(objective: Objective) -> str:
    """How a sheet names an objective: its plan's slug and its number, "framing-kents-future 1.2"."""
    return f"{objective.priority.plan.slug} {objective.priority.number}.{objective.number}"


def _objective_order(objective: Objective) -> tuple:
    return (objective.priority.plan.slug, objective.priority.number, objective.number)


def _plan_rows() -> Iterator[list]:
    yield SHEETS[PLANS]
    for p in Plan.objects.order_by("slug"):
        yield [p.slug, p.name, p.description or None]


def _priority_rows() -> Iterator[list]:
    yield SHEETS[PRIORITIES]
    for p in Priority.objects.select_related("plan").order_by("plan__slug", "number"):
        yield [p.plan.slug, p.number, p.title, p.description or None]


def _objective_rows() -> Iterator[list]:
    yield SHEETS[OBJECTIVES]
    objectives = Objective.objects.select_related("priority__plan").prefetch_related("indicators")
    for o in objectives.order_by("priority__plan__slug", "priority__number", "number"):
        codes = "; ".join(sorted(i.code for i in o.indicators.all()))
        yield [o.priority.plan.slug, o.priority.number, o.number, o.title, codes or None]


def action_cell(action: Action, column: str):
    """One cell of an action's row (an Action field by its type: see ACTION_COLUMNS)."""
    if column == "id":
        return action.pk
    if column == "owner":
        return action.owner.get_username()
    if column == "indicators":
        return "; ".join(sorted(i.code for i in action.indicators.all()))
    if column == "objectives":
        return "; ".join(objective_ref(o) for o in sorted(action.objectives.all(), key=_objective_order)) or None
    value = getattr(action, column)
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Model):
        return str(getattr(value, "name", value))
    return value


def _action_rows() -> Iterator[list]:
    yield SHEETS[ACTIONS]
    related = [
        f.name
        for f in Action._meta.concrete_fields
        if f.is_relation and f.name in ACTION_COLUMNS  # the owner, and any record an added column names
    ]
    actions = Action.objects.select_related(*related).prefetch_related("indicators", "objectives__priority__plan")
    for action in actions.order_by("pk"):
        yield [action_cell(action, column) for column in ACTION_COLUMNS]


def owner_template_sheets(user, periods: list[date]) -> dict[str, Iterator[list]]:
    """A Results sheet pre-filled with `user`'s indicators for the open `periods`."""
    indicators = list(Indicator.objects.active().owned_by(user).order_by("code"))
    results = {
        (r.indicator_id, r.period): r for r in Result.objects.filter(indicator__in=indicators, period__in=periods)
    }
    commentaries = {
        (c.indicator_id, c.period): c for c in Commentary.objects.filter(indicator__in=indicators, period__in=periods)
    }

    def rows() -> Iterator[list]:
        yield [*SHEETS[RESULTS], OWNER_VERSION]
        for period in periods:
            for i in indicators:
                if not is_reporting_period(period, i.frequency):
                    continue
                r = results.get((i.pk, period))
                c = commentaries.get((i.pk, period))
                figures = [r.value, r.numerator, r.denominator] if r else [None, None, None]
                if r and r.numerator is not None:
                    figures[0] = None  # the value follows from the fraction
                text = c.text if c else None
                yield [i.code, i.name, format_period(period), *figures, text or None, c.version if c else 0]

    return {RESULTS: rows()}
