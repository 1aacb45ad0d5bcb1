from __future__ import annotations

import logging
from collections import Counter
from datetime import date
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from kombu.exceptions import OperationalError as BrokerError

from indicators.models import Directorate, Indicator
from indicators.periods import format_period, period_label
from indicators.rules import Rag
from plans.flags import flags_for, unactioned
from returns.forms import GridRowForm, PeriodOpenForm, ReturnForm, SendBackForm, WithdrawForm, parse_bulk_choices
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
from returns.rows import (
    ReturnRow,
    ReturnStatus,
    return_row,
    return_rows,
    returns_queryset,
    submitted_rows,
    with_variation,
)
from returns.services import (
    CONCERN,
    ReturnError,
    ReturnLocked,
    period_close,
    period_open,
    return_approve,
    return_save,
    return_send_back,
    return_withdraw,
    returns_bulk_approve,
)
from returns.tasks import send_reminders
from returns.workdays import deadline_warning

logger = logging.getLogger(__name__)


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
    row = with_variation([return_row(indicator, period)])[0]
    reporting_period = ReportingPeriod.objects.filter(period=period).first()
    owner = is_performance_team(request.user) or can_enter(request.user, indicator)
    row.lock = lock_reason(
        request.user, indicator, period, reporting_period=reporting_period, commentary=row.commentary, owner=owner
    )
    return row, reporting_period


def _return_url(row: ReturnRow) -> str:
    return reverse("return_edit", args=[row.period, row.indicator.code])


def _as_typed(number: Decimal | None) -> Decimal | None:
    """The number without the trailing zeros the database's fixed scale adds."""
    return None if number is None else Decimal(format(number.normalize(), "f"))


def _return_initial(row: ReturnRow) -> dict:
    """What a return's form starts with: the value, or the fraction it was entered as."""
    result = row.result
    fraction = result is not None and result.numerator is not None
    return {
        # As typed, not as stored: 92, not 92.000000.
        "value": None if fraction or result is None else _as_typed(result.value),
        "numerator": _as_typed(result.numerator) if fraction else None,
        "denominator": _as_typed(result.denominator) if fraction else None,
        "commentary": row.commentary.text if row.commentary else "",
        "version": row.version,
    }


def _return_form(request, row: ReturnRow, reporting_period, data=None) -> ReturnForm:
    show_reason = is_performance_team(request.user)
    return ReturnForm(data, initial=_return_initial(row), show_reason=show_reason)


def _render_return(request, row, reporting_period, form=None, send_back_form=None, status=200, withdraw_form=None):
    context = {
        "withdraw_form": withdraw_form or WithdrawForm(initial={"version": row.version}),
        "row": row,
        "reporting_period": reporting_period,
        "form": form or _return_form(request, row, reporting_period),
        "send_back_form": send_back_form or SendBackForm(initial={"version": row.version}),
        "performance": is_performance_team(request.user),
        "reason_required": correction_needs_reason(reporting_period),
        "nav_active": "review" if is_performance_team(request.user) else "my_returns",
        "history": return_history(row.indicator, row.period),
        "concern_needs_commentary": CONCERN in settings.KPIDASH_COMMENTARY_REQUIRED_FOR,
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
    # The owner's KPIs whose latest figure is Red (or a concern) with no open improvement action.
    flags = unactioned(Indicator.objects.active().owned_by(request.user))
    context = {"open_periods": open_periods, "selected": selected, "rows": rows, "flags": flags, "can_add": True}
    return render(request, "returns/my_returns.html", {**context, "nav_active": "my_returns"})


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


@require_POST
def return_withdraw_view(request, period: date, code: str):
    row, reporting_period = _get_return(request, period, code)
    if row.lock:
        raise PermissionDenied(row.lock)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            saved = return_withdraw(
                indicator=row.indicator,
                period=period,
                user=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except ReturnLocked as exc:
            raise PermissionDenied(str(exc)) from None
        except ReturnError as exc:
            form.add_service_errors(exc)
            row, reporting_period = _get_return(request, period, code)
        else:
            messages.success(
                request, f"{saved.indicator.code}'s figure for {saved.period_label} withdrawn. The return is a draft."
            )
            return redirect(_return_url(saved))
    return _render_return(request, row, reporting_period, withdraw_form=form, status=400)


def _saved_message(row: ReturnRow, action: str) -> str:
    done = {"submit": "submitted for approval", "approve": "approved"}.get(action, "saved")
    rating = f" It is rated {row.rag.label}." if row.indicator.is_kpi else ""
    concern = f" It shows {row.variation.label.lower()} on its SPC chart." if row.concern else ""
    return f"{row.indicator.code} for {row.period_label} {done}: {row.formatted_value}.{rating}{concern}"


# --- grid entry: a month's returns on one page ------------------------------------


def _open_reporting_period(period: date) -> ReportingPeriod:
    """Grid entry is for a month open for returns: any other month has nothing to enter in
    it (the single return's page says why each return is locked)."""
    reporting_period = ReportingPeriod.objects.filter(period=period).first()
    if reporting_period is None or not reporting_period.is_open:
        raise Http404(f"{period_label(period)} is not open for returns.")
    return reporting_period


def _lock_rows(user, rows: list[ReturnRow], reporting_period: ReportingPeriod) -> list[ReturnRow]:
    """Give each row its lock, as `return_edit` would, from what the rows already hold (no queries)."""
    performance = is_performance_team(user)
    for row in rows:
        owner = performance or any(owner.pk == user.pk for owner in row.indicator.owners.all())
        row.lock = lock_reason(
            user, row.indicator, row.period, reporting_period=reporting_period, commentary=row.commentary, owner=owner
        )
    return rows


def _grid_rows(user, reporting_period: ReportingPeriod, directorate: Directorate | None = None) -> list[ReturnRow]:
    """The month's returns the user enters: their own, or every one for the performance team,
    which `return_edit` lets them change too; only one directorate's when it is given.
    A fixed number of queries however many."""
    indicators = Indicator.objects.all() if is_performance_team(user) else Indicator.objects.owned_by(user)
    if directorate is not None:
        indicators = indicators.filter(directorate=directorate)
    return _lock_rows(user, return_rows(indicators, reporting_period.period), reporting_period)


def _grid_directorate(request) -> Directorate | None:
    """The directorate the grid is narrowed to (`?directorate=<slug>`), if any; 404 for an unknown one."""
    slug = request.GET.get("directorate")
    if not slug:
        return None
    directorate = Directorate.objects.filter(slug=slug).first()
    if directorate is None:
        raise Http404(f"There is no directorate ‘{slug}’.")
    return directorate


def _grid_form(row: ReturnRow, data=None) -> GridRowForm:
    return GridRowForm(data, initial=_return_initial(row), indicator=row.indicator)


def _refused_rows(
    user, reporting_period: ReportingPeriod, rows: list[ReturnRow], posted: list[str], changed: set[str]
) -> list[str]:
    """Why the user may not enter each posted row that is not theirs to enter (one refuses them all).

    A row of theirs that was locked since the page was loaded (approved, or
    submitted from another tab) is left out if the user did not change it.
    """
    by_code = {row.indicator.code: row for row in rows}
    posted = [code for code in posted if not (code in by_code and by_code[code].lock and code not in changed)]
    others = [code for code in posted if code not in by_code]
    if others:
        extra = return_rows(Indicator.objects.filter(code__in=others), reporting_period.period)
        by_code.update((row.indicator.code, row) for row in _lock_rows(user, extra, reporting_period))
    reasons = []
    for code in posted:
        row = by_code.get(code)
        if row is None:
            reasons.append(f"{code} has no return to enter for {reporting_period.label}.")
        elif row.lock:
            reasons.append(row.lock)
        elif code in others:  # e.g. moved to another directorate since the page was loaded
            reasons.append(f"{code} is no longer on this page; open the grid again to enter it.")
    return reasons


def _save_grid(user, rows: list[ReturnRow], forms: dict, changed: set[str], *, submit: bool) -> list[ReturnRow] | None:
    """Save the rows the user changed, all or nothing; the saved rows, or None with the errors on the forms.

    When submitting, a complete draft the user left as it was is submitted too:
    someone who saved drafts earlier and now submits expects all of them to go.
    Every row is tried, so the page can show every problem at once; then one
    failure rolls them all back.
    """
    saved, failed = [], False
    with transaction.atomic():
        # The month, then every indicator on the grid at once: the order all writers keep (`lock_figures_together`).
        ReportingPeriod.objects.filter(period__in={row.period for row in rows}).for_share()
        Indicator.objects.filter(
            pk__in=[row.indicator.pk for row in rows if row.indicator.code in forms]
        ).lock_figures_together()
        for row in rows:
            form = forms.get(row.indicator.code)
            if form is None:
                continue
            if not form.is_valid():
                failed = True
                continue
            draft = submit and row.status == ReturnStatus.ENTERED
            if row.indicator.code not in changed and not draft:
                continue
            try:
                saved.append(
                    return_save(
                        indicator=row.indicator,
                        period=row.period,
                        user=user,
                        **form.figures(),
                        submit=submit,
                        expected_version=form.cleaned_data["version"],
                    )
                )
            except ReturnError as exc:
                form.add_service_errors(exc)
                failed = True
        if failed:
            transaction.set_rollback(True)
    return None if failed else saved


def _grid_saved_message(saved: list[ReturnRow], reporting_period: ReportingPeriod, submit: bool) -> str:
    """How many were saved or submitted, which, and how the KPIs among them are rated."""
    done = "submitted for approval" if submit else "saved"
    codes = ", ".join(row.indicator.code for row in saved)
    message = f"{len(saved)} return{pluralize(len(saved))} for {reporting_period.label} {done} ({codes})."
    ratings = Counter(row.rag for row in saved if row.indicator.is_kpi and row.rag is not Rag.NONE)
    rated = ", ".join(f"{ratings[rag]} {rag.label}" for rag in (Rag.RED, Rag.AMBER, Rag.GREEN) if ratings[rag])
    message = f"{message} Rated: {rated}." if rated else message
    concerns = ", ".join(row.indicator.code for row in saved if row.concern)
    return f"{message} Special cause concern on the SPC chart: {concerns}." if concerns else message


def _render_grid(request, reporting_period, rows, forms, refused=(), status=200, directorate=None):
    """The grid; `forms` holds the posted rows, `errors` links each of their errors to its input."""
    lines, errors = [], [(None, reason) for reason in refused]
    for row in rows:
        posted = forms.get(row.indicator.code)
        lines.append((row, None if row.lock else posted or _grid_form(row)))
        for field in posted or ():
            errors.extend((None if row.lock else field.id_for_label, error) for error in field.errors)
    context = {
        "reporting_period": reporting_period,
        "lines": lines,
        "errors": errors,
        "performance": is_performance_team(request.user),
        "nav_active": "my_returns",
        "directorate": directorate,
        "directorates": Directorate.objects.all() if is_performance_team(request.user) else (),
    }
    return render(request, "returns/enter.html", context, status=status)


@require_http_methods(["GET", "POST"])
def returns_enter(request, period: date):
    """Grid entry: every return the user enters for an open month on one page, saved all or nothing."""
    _require_returns_user(request)
    reporting_period = _open_reporting_period(period)
    directorate = _grid_directorate(request)
    rows = _grid_rows(request.user, reporting_period, directorate)
    show = partial(_render_grid, request, reporting_period, directorate=directorate)
    if request.method == "GET":
        return show(rows, {})
    posted = list(dict.fromkeys(request.POST.getlist("rows")))
    forms = {row.indicator.code: _grid_form(row, request.POST) for row in rows if row.indicator.code in posted}
    changed = {code for code, form in forms.items() if form.changed_since_shown()}
    refused = _refused_rows(request.user, reporting_period, rows, posted, changed)
    if refused:
        return show(rows, forms, refused, status=400)
    # The performance team's page offers no Submit: one would submit every owner's drafts in their name.
    submit = request.POST.get("action") == "submit" and not is_performance_team(request.user)
    saved = _save_grid(request.user, rows, forms, changed, submit=submit)
    if saved is None:
        rows = _grid_rows(request.user, reporting_period, directorate)  # as stored now, after the rollback
        data = request.POST.copy()
        for row in rows:
            if row.indicator.code in forms:
                forms[row.indicator.code].rebase(data, _return_initial(row), keep_input=row.indicator.code in changed)
        return show(rows, forms, status=400)
    if saved:
        messages.success(request, _grid_saved_message(saved, reporting_period, submit))
    else:
        messages.info(request, "Nothing was saved: no figure or commentary had changed, and no draft was waiting.")
    return redirect(reporting_period.get_absolute_url())


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
    rows = with_variation(submitted_rows())
    flags = flags_for((row.indicator, row.period, row.rag.value, row.concern) for row in rows)
    context = {"rows": rows, "flags": flags, "can_add": True, "nav_active": "review"}
    return render(request, "returns/review.html", context)


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
    try:
        send_reminders.delay_on_commit()  # no transaction open: sent at once
    except BrokerError:  # refused, or no answer within REDIS_TIMEOUT after kombu's retries
        logger.exception("Reminders could not be queued")
        messages.error(request, "The task queue could not be reached, so no reminders were sent. Try again later.")
    else:
        messages.success(
            request,
            "Today's reminder run is queued. It emails only owners whose returns or actions are due soon or "
            "overdue, and the performance team about overdue ones; nobody at the weekend or on a bank holiday.",
        )
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
            if warning := deadline_warning(opened.deadline):  # kept: the team may mean it
                messages.warning(request, warning)
            return redirect("periods")
    status = 400 if form.errors else 200
    context = {
        "form": form,
        "periods": ReportingPeriod.objects.select_related("opened_by", "closed_by"),
        "nav_active": "review",
    }
    return render(request, "returns/periods.html", context, status=status)


@require_http_methods(["GET", "POST"])
def period_close_view(request, period: date):
    """GET: what closing the month leaves behind, and a button to close it; POST: close it."""
    _require_performance_team(request)
    if request.method == "GET":
        reporting_period = get_object_or_404(ReportingPeriod.objects.open(), period=period)
        statuses = Counter(row.status for row in return_rows(Indicator.objects.all(), period))
        context = {
            "reporting_period": reporting_period,
            "counts": [(status.label, statuses[status]) for status in ReturnStatus if statuses[status]],
            "outstanding": sum(n for status, n in statuses.items() if status.outstanding),
            "submitted": statuses[ReturnStatus.SUBMITTED],
            "nav_active": "review",
        }
        return render(request, "returns/period_close.html", context)
    try:
        closed = period_close(period=period, user=request.user)
    except ReturnError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{closed.label} is closed: owners can no longer change its returns.")
    return redirect("periods")
