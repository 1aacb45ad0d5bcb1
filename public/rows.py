"""Public dashboard and indicator rows as the templates show them: formatted once, here."""

from __future__ import annotations

from datetime import date

from indicators.dashboard import ActivityRow, Dashboard, KpiRow
from indicators.exports import period_note
from indicators.models import Indicator
from public.selectors import PublicFigure


def kpi_cells(row: KpiRow, period: date) -> dict:
    i = row.indicator
    return {
        "indicator": i,
        "value": i.format(row.value),
        "note": period_note(row, period),
        "month_rag": row.month_rag.value,
        "ytd_value": i.format(row.ytd_value),
        "ytd_rag": row.ytd_rag.value,
        "target": i.format(row.target),
        "floor": i.format(row.floor),
        "previous_year": i.format(row.previous_year),
    }


def activity_cells(row: ActivityRow, period: date) -> dict:
    i = row.indicator
    return {
        "indicator": i,
        "value": i.format(row.value),
        "note": period_note(row, period),
        "lower": i.format(row.lower),
        "upper": i.format(row.upper),
        "range": row.range.value,
        "previous_year": i.format(row.previous_year),
    }


def dashboard_cells(dashboard: Dashboard) -> tuple[list[dict], list[dict]]:
    return (
        [kpi_cells(row, dashboard.period) for row in dashboard.kpis],
        [activity_cells(row, dashboard.period) for row in dashboard.activities],
    )


def figure_cells(indicator: Indicator, figure: PublicFigure) -> dict:
    threshold = figure.threshold
    return {
        "period": figure.period,
        "value": indicator.format(figure.value),
        "month_rag": figure.month_rag.value,
        "ytd_value": indicator.format(figure.ytd_value),
        "ytd_rag": figure.ytd_rag.value,
        "target": indicator.format(threshold.target if threshold else None),
        "floor": indicator.format(threshold.floor if threshold else None),
        "lower": indicator.format(threshold.lower if threshold else None),
        "upper": indicator.format(threshold.upper if threshold else None),
        "range": figure.range.value,
        "commentary": figure.commentary,
    }
