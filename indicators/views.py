"""Reading pages: home, committee and directorate dashboards, indicator pages.

Everyone signed in may read them (LoginRequiredMiddleware guards them all);
only the performance team sees an indicator's audit history. Every dashboard
figure comes from `dashboard.build_dashboard`, in a fixed number of queries.
Anything that cannot be shown (unknown committee, malformed or empty period)
is a 404 page saying exactly what was wrong.
"""

from __future__ import annotations

from datetime import date
from functools import cache, partial, wraps
from html import escape
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import get_template, render_to_string
from django.utils.safestring import mark_safe
from django.views import defaults
from django_tables2 import RequestConfig

from indicators.cache import STRUCTURE, cache_key, cached, data_version, data_versions
from indicators.charts import indicator_chart, rating_bar, render_svg
from indicators.converters import PeriodNotFound
from indicators.dashboard import (
    Dashboard,
    build_dashboard,
    data_periods,
    indicator_row,
    latest_data_period,
    positions,
)
from indicators.exports import dashboard_records, period_note, records_csv, records_xlsx
from indicators.guidance import counts_sentence, guidance_notes, rag_counts, spc_counts, spc_sentence
from indicators.history import indicator_history
from indicators.models import (
    Commentary,
    CommentaryStatus,
    Directorate,
    Indicator,
    Result,
    Threshold,
)
from indicators.notices import dashboard_notices, rated_kpis
from indicators.panels import home_panels, indicator_panels
from indicators.periods import (
    format_period,
    parse_period,
    period_label,
    same_period_last_year,
    threshold_for,
)
from indicators.rules import Rag, expected_range, rate, round_for_display
from indicators.selectors import (
    Scope,
    committee_scope,
    directorate_scope,
    home_summaries,
)
from indicators.spc_chart import icon_svg, icon_words, indicator_xmr, render_xmr_svg
from indicators.tables import (
    KIND_FILTER_CHOICES,
    RAG_FILTER_CHOICES,
    VARIATION_FILTER_CHOICES,
    ActivityTable,
    DashboardFilterForm,
    KpiTable,
    rag_tag,
    spc_key,
)


class NotFound(Exception):
    """Raised by the access helpers; the message is shown on the 404 page."""


def _not_found_page(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            return render(request, "indicators/not_found.html", {"message": str(exc)}, status=404)

    return wrapper


def page_not_found(request, exception):
    """The project's 404 page (handler404): an address whose period is no month says why, as the views do."""
    if isinstance(exception, PeriodNotFound):
        return render(request, "indicators/not_found.html", {"message": str(exception)}, status=404)
    return defaults.page_not_found(request, exception)


# --- access helpers ---------------------------------------------------------------


def _committee_scope(slug: str) -> Scope:
    scope = committee_scope(slug)
    if scope is None:
        raise NotFound(f"There is no committee with the address ‘{slug}’.")
    return scope


def _directorate_scope(slug: str) -> Scope:
    scope = directorate_scope(slug)
    if scope is None:
        raise NotFound(f"There is no directorate with the address ‘{slug}’.")
    return scope


def _parse_period(text: str) -> date:
    try:
        return parse_period(text)
    except ValueError as exc:
        raise NotFound(f"{exc}.") from None


def _dashboard_for(scope: Scope, period: date | None, periods: list[date]) -> Dashboard:
    """The scope's dashboard for a period (default: the latest of `periods`, those with data), or NotFound."""
    if not periods:
        raise NotFound(f"There are no results for {scope.name} yet.")
    latest = periods[0]
    period = latest if period is None else period
    if period > latest:
        raise NotFound(
            f"There is no data for {scope.name} for {period_label(period)}: "
            f"the latest results are for {period_label(latest)}."
        )
    dashboard = build_dashboard(scope.indicators, period, direction_basis=scope.direction_basis)
    if not dashboard.has_data:
        raise NotFound(f"There is no data for {scope.name} for {period_label(period)}.")
    return dashboard


def _indicator(code: str) -> Indicator:
    indicator = Indicator.objects.select_related("directorate").prefetch_related("owners").filter(code=code).first()
    if indicator is None:
        raise NotFound(f"There is no indicator with the reference ‘{code}’.")
    return indicator


# --- pages ------------------------------------------------------------------------


def _cached(key: str, compute):
    """`cache.cached`, or with KPIDASH_PAGE_CACHE off (to measure the pages without it) drawn every time."""
    return cached(key, compute) if settings.KPIDASH_PAGE_CACHE else compute()


def home(request):
    version = data_version()  # before any data, so a cached copy is never older than its version
    # The summaries are the same for everyone; an owner's missing returns are theirs alone.
    summaries = _cached(
        cache_key("home-summaries", version),
        lambda: mark_safe(render_to_string("indicators/_home_summaries.html", {"summaries": home_summaries()})),  # noqa: S308
    )
    # Other apps' sections (indicators/panels.py), e.g. an owner's returns still to do, are asked afresh each time.
    return render(request, "indicators/home.html", {"summaries": summaries, "panels": home_panels(request)})


@_not_found_page
def committee_dashboard(request, slug, period=None):
    return _dashboard_page(request, "committee", slug, period)


@_not_found_page
def directorate_dashboard(request, slug, period=None):
    return _dashboard_page(request, "directorate", slug, period)


@_not_found_page
def committee_download(request, slug, period, fmt):
    return _download(request, _committee_scope(slug), period, fmt)


@_not_found_page
def directorate_download(request, slug, period, fmt):
    return _download(request, _directorate_scope(slug), period, fmt)


# The query parameters a dashboard understands: its filters and its two tables' sort orders.
DASHBOARD_PARAMETERS = (*DashboardFilterForm.base_fields, "sort", "activity-sort")


def _dashboard_page(request, kind: str, slug: str, period: date | None):
    # Before any data, so a cached copy is never older than its versions.
    versions = data_versions(STRUCTURE, f"{kind}:{slug}")
    scopes = {"committee": _committee_scope, "directorate": _directorate_scope}
    if request.GET.get("period"):  # the period picker: move to the period's own address
        query = request.GET.copy()
        period = _parse_period(query.pop("period")[-1])
        return redirect(scopes[kind](slug).url(period, query=query.urlencode()))
    query = request.GET.copy()
    for name in set(query) - set(DASHBOARD_PARAMETERS):
        del query[name]
    if len(query) != len(request.GET):  # a parameter the page does not use: drop it, so each page has one address
        return redirect(request.path + (f"?{query.urlencode()}" if query else ""))
    # Looked up once however many parts of the request want it (the content, when not cached, and the notices).
    scope_for = cache(scopes[kind])
    # Everything on the page but the frame is the same for every reader of this address and data version.
    page = partial(_dashboard_content, request, scope_for, slug, period, query)
    if not _cacheable(query):  # an invalid filter or sort: shown with its error, not kept
        content = page()
    else:
        content = _cached(cache_key("dashboard", kind, slug, period, sorted(query.lists()), versions), page)
    # Other apps' notices (indicators/notices.py) are asked afresh each time: they are not in the cached part,
    # but the page's KPIs as rated are (they change only with its data versions), so no rating is read again.
    shown, kpis = content.get("period"), content.get("kpis")  # None in a copy cached by an older release
    notices = dashboard_notices(kpis, shown) if shown and kpis is not None else []
    return render(request, "indicators/dashboard.html", {**content, "notices": notices})


def _cacheable(query) -> bool:
    """Whether a dashboard query is one of the finitely many valid ones, so worth keeping in the cache."""
    if any(len(query.getlist(name)) > 1 for name in query):
        return False
    for name, choices in (
        ("rag", RAG_FILTER_CHOICES),
        ("kind", KIND_FILTER_CHOICES),
        ("variation", VARIATION_FILTER_CHOICES),
    ):
        if query.get(name, "") not in {"", *(value for value, _ in choices)}:
            return False
    sortable = {name for table in (KpiTable, ActivityTable) for name in table.base_columns}
    if any(query[name].removeprefix("-") not in sortable for name in ("sort", "activity-sort") if name in query):
        return False
    return not query.get("directorate") or Directorate.objects.filter(slug=query["directorate"]).exists()


def _dashboard_content(request, scope_for, slug: str, period: date | None, query) -> dict:
    """The page's title and its rendered content (everything the page caches)."""
    scope = scope_for(slug)
    form = DashboardFilterForm(query or None, directorates=[(d.slug, d.name) for d in scope.directorates])
    parts = _dashboard_parts(request, scope, period, form)
    context = {"scope": scope, "form": form, "query": query, "path": request.path, **parts}
    body = render_to_string("indicators/_dashboard_body.html", context)
    return {
        "name": scope.name,
        "period": parts["period"],
        "period_label": parts["period_label"],
        "kpis": parts["rated_kpis"],
        "body": mark_safe(body),  # noqa: S308
    }


def _dashboard_parts(request, scope: Scope, period: date | None, form: DashboardFilterForm) -> dict:
    """The dashboard's tables (rendered), counts sentence, guidance and links: what the page caches."""
    periods = data_periods(scope.indicators)  # the picker's, and the latest: one query for both
    dashboard = _dashboard_for(scope, period, periods)
    kpis, activities = form.filter(dashboard.kpis, dashboard.activities)
    label, several = period_label(dashboard.period), len(scope.directorates) > 1
    kpi_table = KpiTable(
        kpis,
        period=dashboard.period,
        caption=f"Key Performance Indicators, {label}",
        show_directorate=several,
        direction_basis=dashboard.direction_basis,
    )
    activity_table = ActivityTable(
        activities,
        period=dashboard.period,
        caption=f"Activity indicators, {label}",
        show_directorate=several,
        prefix="activity-",
    )
    shown = [t for t, show in ((kpi_table, kpis or not activities), (activity_table, activities or not kpis)) if show]
    filters = urlencode({k: v for k, v in request.GET.items() if k in form.fields and v})
    counts = rag_counts(dashboard)  # the counts sentence's, so the bar and the sentence agree
    unrated = counts.unrated + counts.untargeted + counts.information
    return {
        "kpi_total": counts.total,
        "rating_bar": rating_bar(counts.green, counts.amber, counts.red, unrated),
        "period": dashboard.period,
        "period_label": label,
        "rated_kpis": rated_kpis(dashboard.kpis),  # every KPI, not only those the filters show: for the notices
        "tables": mark_safe("".join(_render_table(request, t) for t in shown)),  # noqa: S308
        "has_activities": bool(dashboard.activities),
        "counts_sentence": counts_sentence(dashboard),
        "spc_sentence": spc_sentence(spc_counts(dashboard)),
        "spc_key": spc_key(),
        "guidance": guidance_notes(dashboard),
        "picker": _period_picker(scope, dashboard.period, periods),
        "csv_url": scope.url(dashboard.period, "csv", filters),
        "xlsx_url": scope.url(dashboard.period, "xlsx", filters),
    }


def _render_table(request, table) -> str:
    """What `{% render_table %}` outputs, as a string that can be cached (the tables escape their cells)."""
    RequestConfig(request, paginate=False).configure(table)
    table.before_render(request)
    return get_template(table.template_name).render({"table": table}, request=request)


def _download(request, scope: Scope, period: date, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise NotFound(f"Dashboards download as CSV or XLSX, not ‘{fmt}’.")
    latest = latest_data_period(scope.indicators)
    dashboard = _dashboard_for(scope, period, [latest] if latest else [])
    form = DashboardFilterForm(request.GET or None, directorates=[(d.slug, d.name) for d in scope.directorates])
    records = dashboard_records(dashboard, *form.filter(dashboard.kpis, dashboard.activities))
    filename = f"{scope.obj.slug}-{format_period(dashboard.period)}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(records_csv(records), content_type="text/csv; charset=utf-8")
    else:
        title = f"{scope.name}: performance dashboard, {period_label(dashboard.period)}"
        response = HttpResponse(
            records_xlsx(records, title=title),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Who may correct results may see who changed them: the performance team (accounts.roles grants it).
AUDIT_PERMISSION = "indicators.change_result"


@_not_found_page
def indicator_detail(request, code):
    versions = data_versions(STRUCTURE, f"indicator:{code}")  # before any data (see above)
    period_text = request.GET.get("period") or ""
    # The page's figures and chart are the same for every reader; only the performance team sees the audit history.
    page = _cached(cache_key("indicator", code, period_text, versions), lambda: _indicator_content(code, period_text))
    history = None
    if request.user.has_perm(AUDIT_PERMISSION):
        history = _cached(cache_key("indicator-history", code, versions), partial(_history_html, page["indicator"]))
    # Other apps' sections (indicators/panels.py), e.g. the improvement actions, are asked afresh each time.
    panels = indicator_panels(request, page["indicator"])
    return render(request, "indicators/indicator_detail.html", {**page, "history": history, "panels": panels})


def _history_html(indicator: Indicator) -> str:
    html = render_to_string("indicators/_indicator_history.html", {"history": indicator_history(indicator)})
    return mark_safe(html)  # noqa: S308 - the template escapes every value


def _indicator_content(code: str, period_text: str) -> dict:
    context = _indicator_page(code, period_text)
    body = render_to_string("indicators/_indicator_body.html", context)
    return {"indicator": context["indicator"], "body": mark_safe(body)}  # noqa: S308


def _indicator_page(code: str, period_text: str) -> dict:
    indicator = _indicator(code)
    results = list(Result.objects.filter(indicator=indicator).order_by("period"))
    thresholds = list(indicator.thresholds.order_by("-financial_year"))
    latest = max((r.period for r in results if r.value is not None), default=None)
    period = _parse_period(period_text) if period_text else latest
    commentaries = list(
        Commentary.objects.filter(indicator=indicator, status=CommentaryStatus.APPROVED)
        .select_related("author", "approver")
        .order_by("-period")
    )
    context = {
        "indicator": indicator,
        "thresholds": thresholds,
        "commentaries": commentaries,
        "period": period,
        "threshold_rows": [_threshold_row(indicator, t) for t in thresholds],
        "results": _rated_results(indicator, results, thresholds),
    }
    if period:
        (position,) = positions(Indicator.objects.filter(pk=indicator.pk), period)
        row = indicator_row(position, period)
        chart = indicator_chart(indicator, results, thresholds, period)
        context.update(
            row=row,
            latest_value=indicator.format(row.value),
            latest_note=period_note(row, period),
            ytd_value=indicator.format(getattr(row, "ytd_value", None)),
            chart=chart,
            chart_svg=mark_safe(render_svg(chart)),  # noqa: S308 - render_svg escapes all text
        )
        phases = list(indicator.phases.all())
        context.update(_xmr_context(indicator_xmr(indicator, results, thresholds, period, phases)))
    return context


def _xmr_context(xmr) -> dict:
    if xmr is None:
        return {}
    result = xmr.result
    variation, assurance = result.variation, result.assurance
    words = icon_words(
        variation=variation,
        variation_label=variation.label,
        assurance=assurance,
        assurance_label=assurance.label,
        reason=result.reason,
    )
    return {
        "xmr": xmr,
        "spc_words": words,  # as a paper's KPI section words them
        "xmr_svg": mark_safe(render_xmr_svg(xmr)),  # noqa: S308 - render_xmr_svg escapes all text
        "variation_icon": mark_safe(icon_svg(result.variation)),  # noqa: S308 - no text from data
        "assurance_icon": mark_safe(icon_svg(result.assurance)),  # noqa: S308
    }


# --- page parts -------------------------------------------------------------------


def _period_picker(scope: Scope, current: date, periods: list[date]) -> dict:
    older = [p for p in periods if p < current]
    newer = [p for p in periods if p > current]
    # The options written here, not by a template loop: ten years of months are 120 of them
    # (and escaped by html.escape, not format_html_join's lazy-aware escaping, three times an option).
    options = mark_safe(  # noqa: S308 - both texts are escaped
        "\n".join(
            f'<option value="{escape(format_period(p))}"{" selected" if p == current else ""}>'
            f"{escape(period_label(p))}</option>"
            for p in periods
        )
    )
    return {
        "options": options,
        "current": format_period(current),
        "previous": (scope.url(older[0]), period_label(older[0])) if older else None,
        "next": (scope.url(newer[-1]), period_label(newer[-1])) if newer else None,
        "action": scope.url(),
    }


def _threshold_row(indicator: Indicator, threshold: Threshold) -> dict:
    return {
        "year": threshold.year_label,
        "target": indicator.format(threshold.target),
        "floor": indicator.format(threshold.floor),
        "lower": indicator.format(threshold.lower),
        "upper": indicator.format(threshold.upper),
        "scheme": threshold.get_scheme_display() or "Organisation default",
    }


def _rated_results(indicator: Indicator, results: list[Result], thresholds: list) -> list[dict]:
    """Every result, newest first, with the month RAG or expected range its year's threshold gives it."""
    by_period = {r.period: r.value for r in results}
    rows = []
    for result in reversed(results):
        threshold = threshold_for(thresholds, result.period)
        value = round_for_display(result.value, indicator.decimals)
        last_year = round_for_display(by_period.get(same_period_last_year(result.period)), indicator.decimals)
        row = {"result": result, "value": indicator.format(result.value), "rag": None, "range": None}
        if indicator.is_kpi:
            rule = threshold.rule(indicator.polarity) if threshold else None
            row["rag"] = rate(value, rule, last_year=last_year) if rule else Rag.NONE
            row["rag_tag"] = rag_tag(row["rag"])
        else:
            row["range"] = expected_range(value, threshold.lower, threshold.upper) if threshold else None
        rows.append(row)
    return rows
