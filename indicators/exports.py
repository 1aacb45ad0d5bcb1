"""Dashboard rows as data: the CSV and XLSX downloads and the `dashboard` command.

Every output takes its columns from `COLUMNS` and its values from
`dashboard_records`, so the download, the command and (through the same
`Dashboard`) the page cannot disagree. Ratings are machine words
(`green|amber|red|`, `improved|unchanged|worsened|`; SPC `variation`
`common_cause|improvement_high|improvement_low|concern_high|concern_low|neutral_high|neutral_low|`
and `assurance` `pass|fail|hit_and_miss|`, empty for not enough data); numbers are rounded to
the indicator's decimal places half-up by `rules.round_for_display`, as the
page, the paper and the ratings round them, and stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from indicators.dashboard import ActivityRow, Dashboard, KpiRow
from indicators.periods import format_period, period_label
from indicators.rules import round_for_display
from indicators.wording import strip_control

# (key, heading): keys head the CSV and the command's output; headings the XLSX.
COLUMNS: list[tuple[str, str]] = [
    ("kind", "Kind"),
    ("ref", "Ref"),
    ("indicator", "Indicator"),
    ("directorate", "Directorate"),
    ("polarity", "Polarity"),
    ("data_period", "Data period"),
    ("unit", "Unit"),
    ("value_period", "Period of latest value"),
    ("value_status", "Latest value is"),
    ("latest_value", "Latest value"),
    ("month_rag", "Month RAG"),
    ("ytd_value", "YTD value"),
    ("ytd_rag", "YTD RAG"),
    ("rag", "RAG counted"),
    ("target", "Target"),
    ("floor", "Floor standard"),
    ("lower_threshold", "Lower threshold"),
    ("upper_threshold", "Upper threshold"),
    ("expected_range", "Below/within/above"),
    ("previous_year", "Previous year (same period)"),
    ("direction", "Direction of travel"),
    ("variation", "SPC variation"),
    ("assurance", "SPC assurance"),
]
KEYS = [key for key, _ in COLUMNS]
NUMERIC_KEYS = {"latest_value", "ytd_value", "target", "floor", "lower_threshold", "upper_threshold", "previous_year"}

# Text starting with one of these is run as a formula by spreadsheet programs.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Row = KpiRow | ActivityRow


def safe_cell(value):
    """A value fit for a spreadsheet cell: numbers stay numbers, formula-like text is defused.

    Text beginning with =, +, -, @, tab or carriage return gets a leading
    apostrophe, so "=HYPERLINK(...)" in an indicator name is shown, not run;
    control characters no cell may hold are removed (`wording.strip_control`), in CSV too.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return value
    # A character no XLSX cell may hold stored before such text was refused would make every
    # download holding it fail (openpyxl refuses it): drop it, keeping Word's breaks as newlines.
    text = strip_control(str(value), breaks="\n")
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def value_status(row: Row, period: date) -> str:
    """'current', 'latest available' (not yet due, e.g. quarterly), 'stale' or 'no data'."""
    if row.period is None and row.last_reported is None:
        return "no data"
    if row.stale:
        return "stale"
    return "current" if row.period == period else "latest available"


def period_note(row: Row, period: date) -> str:
    """What a reader is told about a value that is not the dashboard period's own.

    "" for a current value; "September 2019 (latest available)" for one not yet
    due again; "Last reported: March 2017" for one that is overdue.
    """
    status = value_status(row, period)
    if status == "current":
        return ""
    if status == "no data":
        return "No data"
    if status == "latest available":
        return f"{period_label(row.period)} (latest available)"
    return f"Last reported: {period_label(row.period or row.last_reported)}"


def _common(row: Row, period: date) -> dict:
    indicator = row.indicator
    reported = row.period or row.last_reported
    return {
        "kind": indicator.kind,
        "ref": indicator.code,
        "indicator": indicator.name,
        "directorate": indicator.directorate.name,
        "polarity": indicator.polarity,
        "data_period": indicator.data_period,
        "unit": indicator.unit,
        "value_period": format_period(reported) if reported else "",
        "value_status": value_status(row, period),
        "latest_value": round_for_display(row.value, indicator.decimals),
        "previous_year": round_for_display(row.previous_year, indicator.decimals),
        "variation": row.variation.value,
    }


def kpi_record(row: KpiRow, period: date) -> dict:
    d = row.indicator.decimals
    return {
        **dict.fromkeys(KEYS, None),
        **_common(row, period),
        "month_rag": row.month_rag.value,
        "ytd_value": round_for_display(row.ytd_value, d),
        "ytd_rag": row.ytd_rag.value,
        "rag": row.rag.value,
        "target": round_for_display(row.target, d),
        "floor": round_for_display(row.floor, d),
        "direction": row.direction.value,
        "expected_range": "",
        "assurance": row.assurance.value,
    }


def activity_record(row: ActivityRow, period: date) -> dict:
    return {
        **dict.fromkeys(KEYS, None),
        **_common(row, period),
        "month_rag": "",
        "ytd_rag": "",
        "rag": "",
        "direction": "",
        "lower_threshold": round_for_display(row.lower, row.indicator.decimals),
        "upper_threshold": round_for_display(row.upper, row.indicator.decimals),
        "expected_range": row.range.value,
        "assurance": "",
    }


def dashboard_records(
    dashboard: Dashboard, kpis: Iterable[KpiRow] | None = None, activities: Iterable[ActivityRow] | None = None
) -> list[dict]:
    """One dict per row, KPIs first; pass filtered rows to export only those."""
    kpis = dashboard.kpis if kpis is None else kpis
    activities = dashboard.activities if activities is None else activities
    return [kpi_record(row, dashboard.period) for row in kpis] + [
        activity_record(row, dashboard.period) for row in activities
    ]


def _plain(value) -> str:
    """How a value is written as CSV text: Decimals to their places, never with an exponent."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    return value


def records_csv(records: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(KEYS)
    for record in records:
        writer.writerow(
            [safe_cell(_plain(record[key])) if key not in NUMERIC_KEYS else _plain(record[key]) for key in KEYS]
        )
    return out.getvalue()


def records_xlsx(records: list[dict], *, title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Dashboard")
    bold = Font(bold=True)
    heading = WriteOnlyCell(sheet, value=safe_cell(title))
    heading.font = bold
    sheet.append([heading])
    header = []
    for _, label in COLUMNS:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for record in records:
        sheet.append([_xlsx_cell(sheet, key, record[key]) for key in KEYS])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_cell(sheet, key: str, value) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=safe_cell(value))
    if isinstance(value, Decimal):
        places = max(0, -value.as_tuple().exponent) if key in NUMERIC_KEYS else 0
        cell.number_format = "0" if not places else "0." + "0" * places
    return cell


def json_value(value):
    """JSON form of a record value: numbers as numbers, a missing number as null, words as text."""
    if isinstance(value, Decimal):
        return int(value) if value.as_tuple().exponent >= 0 else float(value)
    return value
