"""The frozen data a paper is built from.

`build_snapshot` reads the dashboard once and returns plain JSON (Decimals as
strings, dates as ISO text, every figure already formatted). Rendering reads
only the snapshot, so a paper re-rendered next year says what it said the day
it was made, whatever happens to the figures, the indicators or the settings.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from django.utils import timezone

from indicators.dashboard import ActivityRow, Dashboard, KpiRow, build_dashboard
from indicators.exports import value_status
from indicators.guidance import guidance_notes, rag_counts
from indicators.models import (
    Commentary,
    CommentaryStatus,
    Committee,
    DirectionBasis,
    Indicator,
    Phase,
    Result,
    Threshold,
)
from indicators.periods import FinancialYear, add_months, format_period, period_label
from indicators.rules import Rag
from indicators.spc_chart import XmrChart, indicator_xmr
from indicators.wording import fill, ordinal, person_name
from plans.flags import with_open_actions
from plans.models import Action, Priority
from plans.selectors import open_actions_by_indicator
from reports.content import DIRECTION_LABELS
from reports.models import Paper, PaperSettings

# 2: each KPI's SPC icons and XmR chart (a schema 1 paper renders without them)
# 3: each KPI's open improvement actions, the council plan's priorities and whether the
#    appendix is grouped by them (a schema 2 paper renders without actions, ungrouped)
SCHEMA = 3
CHART_MONTHS = 13  # the period and the twelve months before it
SPC_GUIDANCE = [
    "Statistical process control (SPC), as NHS England's Making Data Count, says whether a change is real "
    "or just the month-to-month variation every process has. Each KPI's chart in its section (an XmR chart) "
    "shows the mean and the process limits, the range its values would fall in by chance.",
    "Variation, from the latest value: common cause (~) means no significant change; special cause "
    "improvement or concern (H or L: higher or lower than expected) means a real change, shown by a value "
    "beyond a process limit, a run of 7 on one side of the mean, 7 rising or falling in a row, or two of "
    "three close to a limit.",
    "Assurance, from the target and the process limits: consistently passes (P), consistently fails (F) "
    "unless the process changes, or hit and miss (?). SPC needs at least 13 values; with fewer the paper "
    "says there is not enough data.",
]
SETTINGS_TEXT = ("subject", "classification", "summary_intro", "recommendation", "introduction", "targets_note")
CONTACT_FIELDS = (
    "author_name",
    "author_title",
    "author_team",
    "author_phone",
    "author_email",
    "director_name",
    "director_title",
    "director_phone",
    "director_email",
)


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _period(value: date | None) -> str | None:
    return None if value is None else format_period(value)


def date_label(value: date) -> str:
    return f"{value.day} {period_label(value)}"


class ChartData(NamedTuple):
    """Every indicator's values of the chart's months and the thresholds of their years."""

    values: dict[int, list[tuple[date, Decimal]]]
    thresholds: dict[tuple[int, int], Threshold]

    @classmethod
    def fetch(cls, indicators: list[Indicator], period: date) -> ChartData:
        """In two queries, whatever the number of indicators."""
        since = add_months(period, -(CHART_MONTHS - 1))
        ids = [indicator.pk for indicator in indicators]
        values: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
        recorded = Result.objects.filter(indicator__in=ids, period__gte=since, period__lte=period, value__isnull=False)
        for pk, month, value in recorded.order_by("period").values_list("indicator_id", "period", "value"):
            values[pk].append((month, value))
        years = range(FinancialYear.containing(since).start_year, FinancialYear.containing(period).start_year + 1)
        thresholds = Threshold.objects.filter(indicator__in=ids, financial_year__in=years)
        return cls(values, {(t.indicator_id, t.financial_year): t for t in thresholds})


def _chart(indicator: Indicator, data: ChartData) -> dict:
    """The indicator's last 13 months, with each month's target and floor (or band)."""
    points = []
    for month, value in data.values.get(indicator.pk, []):
        threshold = data.thresholds.get((indicator.pk, FinancialYear.containing(month).start_year))
        lines = (
            ((threshold.target, threshold.floor) if indicator.is_kpi else (threshold.lower, threshold.upper))
            if threshold
            else (None, None)
        )
        points.append([_period(month), _dec(value), _dec(lines[0]), _dec(lines[1])])
    return {
        "columns": [
            "period",
            "value",
            "target" if indicator.is_kpi else "lower",
            "floor" if indicator.is_kpi else "upper",
        ],
        "points": points,
    }


def spc_charts(indicators: list[Indicator], period: date) -> dict[int, XmrChart | None]:
    """Each indicator's XmR chart at `period`, from its whole history, in three queries however many.

    The dashboard reads only two years of results; SPC needs every value up to the period.
    """
    pks = [indicator.pk for indicator in indicators]
    results, phases = defaultdict(list), defaultdict(list)
    values = Result.objects.filter(indicator__in=pks, period__lte=period, value__isnull=False)
    for result in values.only("indicator_id", "period", "value").order_by("period"):
        results[result.indicator_id].append(result)
    for phase in Phase.objects.filter(indicator__in=pks).only("indicator_id", "start", "reason"):
        phases[phase.indicator_id].append(phase)
    year = Threshold.objects.filter(indicator__in=pks, financial_year=FinancialYear.containing(period).start_year)
    thresholds = {threshold.indicator_id: threshold for threshold in year}
    return {
        indicator.pk: indicator_xmr(
            indicator,
            results[indicator.pk],
            [thresholds[indicator.pk]] if indicator.pk in thresholds else [],
            period,
            phases[indicator.pk],
        )
        for indicator in indicators
    }


def _spc(row: KpiRow, chart: XmrChart | None) -> dict | None:
    """The icons, in words too, and what the paper's XmR chart draws: frozen like every figure.

    The icons are the dashboard row's (stored with its rating), so the paper says what the page
    and the downloads say; the chart is drawn from the history.
    """
    if chart is None:
        return None
    result = chart.result
    return {
        "variation": row.variation.value,
        "variation_label": row.variation.label,
        "assurance": row.assurance.value,
        "assurance_label": row.assurance.label,
        "reason": result.reason,
        "title": chart.title,
        "description": chart.description,
        "target": _dec(chart.target),
        # [period, value, cause] per reporting period; value and cause are None for a missing month
        "points": [
            [_period(point.period), _dec(point.value), point.cause.value if point.cause else None]
            for point in result.points
        ],
        # [first point, mean, lower limit, upper limit, trial] per phase
        "phases": [
            [phase.start, _dec(phase.mean), _dec(phase.lower_limit), _dec(phase.upper_limit), phase.trial]
            for phase in chart.phases  # as the page draws them: a percentage's within 0 to 100
        ],
    }


def _common(row: KpiRow | ActivityRow, period: date) -> dict:
    indicator = row.indicator
    return {
        "code": indicator.code,
        "name": indicator.name,
        "definition": indicator.definition,
        "data_source": indicator.data_source,
        "unit": indicator.unit,
        "decimals": indicator.decimals,
        "data_period": indicator.data_period,
        "period": _period(row.period),
        "period_label": period_label(row.period) if row.period else None,
        "expected_period": _period(row.expected_period),
        "stale": row.stale,
        # current, latest available (a quarter's figure not yet due again), stale or no data: as the page and
        # the downloads say it (`exports.value_status`), so the paper gives the month whenever the page does
        "value_status": value_status(row, period),
        # the month of a figure too old for the row (over two years): the page says "Last reported: …"
        "last_reported_label": period_label(row.last_reported) if row.period is None and row.last_reported else None,
        "value": _dec(row.value),
        "value_text": indicator.format(row.value),
        "previous_year_text": indicator.format(row.previous_year),
    }


# The statistical basis's words for the stored direction (see ratings.SPC_DIRECTION).
SPC_DIRECTION_TEXT = {"improved": "Improving", "unchanged": "No significant change", "worsened": "Concerning", "": "–"}


def direction_text(row: KpiRow, basis: str) -> str:
    """The direction of travel in the paper's words: improving/concerning/no significant change on the SPC basis."""
    words = SPC_DIRECTION_TEXT if basis == DirectionBasis.SPC else DIRECTION_LABELS
    return words[row.direction.value]


def _action(action: Action, data_date: date) -> dict:
    """An open action as the paper prints it, its status as of the paper's data date."""
    status = action.shown_status(data_date)
    return {
        "title": action.title,
        "owner": person_name(action.owner),
        "due": action.due.isoformat(),
        "due_label": date_label(action.due),
        "status": status.value,
        "status_label": status.label,
    }


def _priorities(indicator_ids: list[int]) -> list[dict]:
    """The council plan priorities these indicators support, in plan order, each with its indicators'
    codes (an indicator supporting several priorities is under each): one query."""
    links = (
        Priority.objects.filter(objectives__indicators__in=indicator_ids)
        .values_list("pk", "plan__name", "number", "title", "objectives__indicators__code")
        .order_by("plan__name", "number", "objectives__indicators__code")
    )
    priorities: dict[int, dict] = {}
    for pk, plan, number, title, code in links:
        priority = priorities.setdefault(pk, {"plan": plan, "number": number, "title": title, "codes": []})
        if code not in priority["codes"]:
            priority["codes"].append(code)
    return list(priorities.values())


def _kpi(
    row: KpiRow,
    period: date,
    charts: ChartData,
    xmr: XmrChart | None,
    direction_basis: str = "",
    actions: list[dict] | None = None,
) -> dict:
    indicator = row.indicator
    return {
        **_common(row, period),
        "polarity": indicator.polarity,
        "month_rag": row.month_rag.value,
        "ytd_value_text": indicator.format(row.ytd_value),
        "ytd_rag": row.ytd_rag.value,
        "rag": row.rag.value,
        "target_text": indicator.format(row.target),
        "floor_text": indicator.format(row.floor),
        "direction": row.direction.value,
        "direction_text": direction_text(row, direction_basis),
        "commentary": row.commentary.text if row.commentary and row.commentary.text.strip() else None,
        "chart": _chart(indicator, charts),
        "spc": _spc(row, xmr),
        "actions": actions or [],
    }


def _activity(row: ActivityRow, period: date, charts: ChartData) -> dict:
    indicator = row.indicator
    return {
        **_common(row, period),
        "lower_text": indicator.format(row.lower),
        "upper_text": indicator.format(row.upper),
        "range": row.range.value,
        "chart": _chart(indicator, charts),
    }


def _guidance(dashboard: Dashboard) -> dict:
    notes = guidance_notes(dashboard)
    return {
        "ratings": [
            {"sentences": [[rag.value, rag.label, text] for rag, text in note.sentences], "codes": note.codes}
            for note in notes.ratings
        ],
        "polarities": [list(p) for p in notes.polarities],
        "direction": notes.direction,
        "data_periods": [list(p) for p in notes.data_periods],
        "activity": notes.activity,
        "spc": SPC_GUIDANCE,
    }


def report_number(committee: Committee, period: date) -> int:
    """This paper's place among the committee's papers for the financial year (by period)."""
    fy = FinancialYear.containing(period)
    earlier = Paper.objects.filter(committee=committee, period__gte=fy.start, period__lt=period)
    return earlier.values("period").distinct().count() + 1


def _settings(settings: PaperSettings, values: dict[str, str]) -> dict:
    texts = {name: fill(getattr(settings, name), values) for name in SETTINGS_TEXT}
    people = [block.strip() for block in settings.from_lines.replace("\r\n", "\n").split("\n\n") if block.strip()]
    contacts = {name: getattr(settings, name) for name in CONTACT_FIELDS}
    grouping = {"group_by_priority": settings.group_by_priority}
    return {**texts, "from": [block.split("\n") for block in people], **contacts, **grouping}


def paper_dashboard(committee: Committee, period: date) -> Dashboard:
    indicators = Indicator.objects.active().for_committee(committee)
    return build_dashboard(indicators, period, direction_basis=committee.direction_basis)


def readiness_gaps(dashboard: Dashboard) -> list[str]:
    """What the paper will have to show as missing: figures, and approved commentary."""
    gaps = []
    for row in dashboard.rows:
        name = f"{row.indicator.code} {row.indicator.name}"
        if row.period is None and row.last_reported:
            gaps.append(
                f"{name}: no figure since {period_label(row.last_reported)} "
                "(the paper will say data to be supplied, last reported then)."
            )
        elif row.period is None:
            gaps.append(f"{name}: no figure has been entered (the paper will say data to be supplied).")
        elif row.stale:
            gaps.append(
                f"{name}: no figure for {period_label(row.expected_period)} yet; "
                f"the paper will show {period_label(row.period)}'s."
            )
    latest = {row.indicator.pk: row.period for row in dashboard.kpis if row.period}
    unapproved = Commentary.objects.filter(indicator__in=latest.keys(), period__in=set(latest.values()))
    unapproved = unapproved.exclude(status=CommentaryStatus.APPROVED).select_related("indicator")
    for commentary in unapproved:
        if latest[commentary.indicator_id] != commentary.period:
            continue
        gaps.append(
            f"{commentary.indicator.code} {commentary.indicator.name}: commentary is "
            f"{commentary.get_status_display().lower()}, not approved, so it will not appear."
        )
    reds = list(dashboard.rows_with_rag(Rag.RED))
    for row in reds:
        if row.commentary is None or not row.commentary.text.strip():
            gaps.append(
                f"{row.indicator.code} {row.indicator.name} is Red and has no approved commentary "
                "(the paper will say commentary is to be supplied)."
            )
    actioned = with_open_actions(row.indicator.pk for row in reds)
    for row in reds:
        if row.indicator.pk not in actioned:
            gaps.append(
                f"{row.indicator.code} {row.indicator.name} is Red and has no open improvement action "
                "(the paper will say there is none)."
            )
    return gaps


def build_snapshot(
    *,
    committee: Committee,
    settings: PaperSettings,
    period: date,
    meeting_date: date,
    as_at: datetime | None = None,
    with_charts: bool = True,
) -> dict:
    """The paper's data; without charts, no chart points or SPC history (five of its queries and most
    of its time): the figures alone, for comparing a paper with today's (reports.addenda)."""
    dashboard = paper_dashboard(committee, period)
    if with_charts:
        charts = ChartData.fetch([row.indicator for row in dashboard.rows], period)
        xmr = spc_charts([row.indicator for row in dashboard.kpis], period)
    else:
        charts, xmr = ChartData({}, {}), {}
    directorate = " and ".join(d.name for d in committee.directorates.order_by("name"))
    fy = FinancialYear.containing(period).label
    values = {
        "committee": committee.name,
        "directorate": directorate,
        "financial_year": fy,
        "period": period_label(period),
        "report_number": ordinal(report_number(committee, period)),
    }
    as_at = as_at or timezone.now()
    data_date = timezone.localtime(as_at).date()
    kpi_ids = [row.indicator.pk for row in dashboard.kpis]
    actions = {
        pk: [_action(action, data_date) for action in open_actions]
        for pk, open_actions in open_actions_by_indicator(kpi_ids).items()
    }
    return {
        "schema": SCHEMA,
        "committee": {"name": committee.name, "slug": committee.slug},
        "directorate": directorate,
        "period": format_period(period),
        "period_label": period_label(period),
        "financial_year": fy,
        "meeting_date": meeting_date.isoformat(),
        "meeting_date_label": date_label(meeting_date),
        "data_as_at": as_at.isoformat(),
        "data_as_at_label": date_label(timezone.localtime(as_at).date()),
        "settings": _settings(settings, values),
        "counts": asdict(rag_counts(dashboard)),
        "kpis": [
            _kpi(
                row, period, charts, xmr.get(row.indicator.pk), committee.direction_basis, actions.get(row.indicator.pk)
            )
            for row in dashboard.kpis
        ],
        "priorities": _priorities(kpi_ids),
        "activities": [_activity(row, period, charts) for row in dashboard.activities],
        "guidance": _guidance(dashboard),
        "gaps": readiness_gaps(dashboard),
    }
