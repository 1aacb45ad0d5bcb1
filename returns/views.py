from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from indicators.models import Indicator
from indicators.periods import format_period
from returns.forms import PeriodOpenForm, ReturnForm, SendBackForm, parse_bulk_choices
from returns.history import return_history
from returns.models import ReportingPeriod
from returns.permissions import (
    can_enter,
    correction_needs_reason,
    is_performance_team,
    is_service_owner,
    lock_reason,
)
from returns.reminders import outstanding_rows
from returns.rows import ReturnRow, return_row, return_rows, returns_queryset, submitted_rows
from returns.services import (
    ReturnError,
    ReturnLocked,
    period_close,
    period_open,
    return_approve,
    return_save,
    return_send_back,
    returns_bulk_approve,
)
from returns.tasks import send_reminders


def _require_performance_team(request) -> None:
    if not is_performance_team(request.user):
        raise PermissionDenied("Only the performance team can see this page.")


def _require_returns_user(request) -> None:
    if not (is_service_owner(request.user) or is_performance_team(request.user)):
        raise PermissionDenied("Only service owners and the performance team work with returns.")


def _get_return(request, period: date, code: str) -> tuple[ReturnRow, ReportingPeriod | None]:
    """The return, if the user may see it (any service owner, the performance team)."""
    _require_returns_user(request)
    indicator = get_object_or_404(returns_queryset(Indicator.objects.all(), period), code=code)
    row = return_row(indicator, period)
    reporting_period = ReportingPeriod.objects.filter(period=period).first()
    owner = is_performance_team(request.user) or can_enter(request.user, indicator)
    row.lock = lock_reason(
        request.user, indicator, period, reporting_period=reporting_period, commentary=row.commentary, owner=owner
    )
    return row, reporting_period


def _return_url(row: ReturnRow) -> str:
    return reverse("return_edit", args=[row.period, row.indicator.code])


def _return_form(request, row: ReturnRow, reporting_period, data=None) -> ReturnForm:
    result = row.result
    fraction = result is not None and result.numerator is not None
    initial = {
        "value": None if fraction or result is None else result.value,
        "numerator": result.numerator if fraction else None,
        "denominator": result.denominator if fraction else None,
        "commentary": row.commentary.text if row.commentary else "",
        "version": row.version,
    }
    show_reason = is_performance_team(request.user)
    return ReturnForm(data, initial=initial, show_reason=show_reason)


def _render_return(request, row, reporting_period, form=None, send_back_form=None, status=200):
    context = {
        "row": row,
        "reporting_period": reporting_period,
        "form": form or _return_form(request, row, reporting_period),
        "send_back_form": send_back_form or SendBackForm(initial={"version": row.version}),
        "performance": is_performance_team(request.user),
        "reason_required": correction_needs_reason(reporting_period),
        "nav_active": "review" if is_performance_team(request.user) else "my_returns",
        "history": return_history(row.indicator, row.period),
    }
    return render(request, "returns/return.html", context, status=status)


@require_GET
def my_returns(request):
    _require_returns_user(request)
    open_periods = list(ReportingPeriod.objects.open())
    chosen = request.GET.get("period")
    selected = next((p for p in open_periods if format_period(p.period) == chosen), None)
    if selected is None and open_periods:
        selected = open_periods[0]
    rows = return_rows(Indicator.objects.owned_by(request.user), selected.period) if selected else []
    return render(
        request,
        "returns/my_returns.html",
        {"open_periods": open_periods, "selected": selected, "rows": rows, "nav_active": "my_returns"},
    )


@require_http_methods(["GET", "POST"])
def return_edit(request, period: date, code: str):
    row, reporting_period = _get_return(request, period, code)
    if request.method == "GET":
        return _render_return(request, row, reporting_period)
    if row.lock:
        raise PermissionDenied(row.lock)
    form = _return_form(request, row, reporting_period, data=request.POST)
    if form.is_valid():
        action = request.POST.get("action", "save")
        data = form.cleaned_data
        try:
            saved = return_save(
                indicator=row.indicator,
                period=period,
                user=request.user,
                value=data["value"],
                numerator=data["numerator"],
                denominator=data["denominator"],
                commentary=data["commentary"],
                submit=action == "submit",
                approve=action == "approve",
                expected_version=data["version"],
                reason=data.get("reason", ""),
            )
        except ReturnLocked as exc:
            raise PermissionDenied(str(exc)) from None
        except ReturnError as exc:
            form.add_service_errors(exc)
            row, reporting_period = _get_return(request, period, code)
            form.data = form.data.copy()
            form.data["version"] = row.version  # a conflict: saving again replaces theirs, knowingly
        else:
            messages.success(request, _saved_message(saved, action))
            return redirect(_return_url(saved))
    return _render_return(request, row, reporting_period, form=form, status=400)


def _saved_message(row: ReturnRow, action: str) -> str:
    done = {"submit": "submitted for approval", "approve": "approved"}.get(action, "saved")
    rating = f" It is rated {row.rag.label}." if row.indicator.is_kpi else ""
    return f"{row.indicator.code} for {row.period_label} {done}: {row.formatted_value}.{rating}"


@require_POST
def return_decide(request, period: date, code: str):
    _require_performance_team(request)
    row, reporting_period = _get_return(request, period, code)
    if request.POST.get("action") == "approve":
        return _approve_one(request, row)
    form = SendBackForm(request.POST)
    if form.is_valid():
        try:
            return_send_back(
                indicator=row.indicator,
                period=period,
                user=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except ReturnError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"{code} for {row.period_label} returned to its owner.")
            return redirect("review")
    return _render_return(request, row, reporting_period, send_back_form=form, status=400)


def _approve_one(request, row: ReturnRow):
    try:
        version = int(request.POST.get("version", ""))
        return_approve(indicator=row.indicator, period=row.period, user=request.user, expected_version=version)
    except ValueError:
        messages.error(request, "The return's version was missing; reload the page and try again.")
    except ReturnError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{row.indicator.code} for {row.period_label} approved.")
        return redirect("review")
    return redirect(_return_url(row))


@require_GET
def review(request):
    _require_performance_team(request)
    return render(request, "returns/review.html", {"rows": submitted_rows(), "nav_active": "review"})


@require_POST
def review_approve(request):
    _require_performance_team(request)
    one = request.POST.get("approve_one")
    try:
        chosen = parse_bulk_choices([one] if one else request.POST.getlist("returns"))
        if not chosen:
            raise ReturnError("Choose at least one return to approve.")
        approved, skipped = returns_bulk_approve(user=request.user, versions=chosen)
    except ReturnError as exc:
        messages.error(request, str(exc))
        return redirect("review")
    if approved:
        messages.success(request, f"{len(approved)} return{'s' if len(approved) != 1 else ''} approved.")
    for message in skipped:
        messages.error(request, message)
    return redirect("review")


@require_GET
def missing_returns(request):
    _require_performance_team(request)
    open_periods = list(ReportingPeriod.objects.open())
    context = {
        "rows": outstanding_rows(open_periods),
        "open_periods": open_periods,
        "reminder_days": settings.KPIDASH_REMINDER_WORKING_DAYS_BEFORE,
        "escalate_days": settings.KPIDASH_ESCALATE_WORKING_DAYS_AFTER,
        "nav_active": "review",
    }
    return render(request, "returns/missing.html", context)


@require_POST
def reminders_send_now(request):
    _require_performance_team(request)
    send_reminders.delay_on_commit()
    messages.success(request, "Reminders are being sent, as the daily run would send them today.")
    return redirect("missing_returns")


@require_http_methods(["GET", "POST"])
def periods(request):
    _require_performance_team(request)
    form = PeriodOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            opened = period_open(user=request.user, **form.cleaned_data)
        except ReturnError as exc:
            form.add_service_errors(exc)
        else:
            deadline = f"{opened.deadline.day} {opened.deadline:%B %Y}"
            messages.success(request, f"{opened.label} is open for returns until {deadline}.")
            return redirect("periods")
    status = 400 if form.errors else 200
    context = {
        "form": form,
        "periods": ReportingPeriod.objects.select_related("opened_by", "closed_by"),
        "nav_active": "review",
    }
    return render(request, "returns/periods.html", context, status=status)


@require_POST
def period_close_view(request, period: date):
    _require_performance_team(request)
    try:
        closed = period_close(period=period, user=request.user)
    except ReturnError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{closed.label} is closed: owners can no longer change its returns.")
    return redirect("periods")
