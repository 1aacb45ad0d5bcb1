"""The council plan pages and improvement actions.

Everyone signed in reads them (LoginRequiredMiddleware); changes go through
`plans.services`, which checks who may make them (`plans.permissions`).
"""

from __future__ import annotations

from datetime import date
from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from indicators.models import Indicator
from indicators.periods import format_period, parse_period, period_label
from plans.forms import ActionForm, NoteForm
from plans.models import Action, Plan
from plans.permissions import action_lock_reason, linkable_indicators, may_create, others_links
from plans.position import latest_period, plan_position
from plans.rules import ActionStatus
from plans.services import ActionError, ActionLocked, action_create, action_note_add, action_update

# --- access helpers -----------------------------------------------------------------


def _action(pk: int) -> Action:
    return get_object_or_404(
        Action.objects.select_related("owner", "created_by", "source_committee").prefetch_related(
            "indicators__owners", "objectives__priority__plan"
        ),
        pk=pk,
    )


def _editable_action(request, pk: int) -> Action:
    action = _action(pk)
    reason = action_lock_reason(request.user, action)
    if reason:
        raise PermissionDenied(reason)
    return action


def _period(plan: Plan, text: str | None) -> date:
    latest = latest_period(plan)
    if not text:
        if latest is None:
            raise Http404(f"No indicator of {plan.name} has any results yet.")
        return latest
    try:
        return parse_period(text)
    except ValueError as exc:
        raise Http404(f"{exc}.") from None


# --- plans --------------------------------------------------------------------------


@require_GET
def plan_list(request):
    return render(request, "plans/plan_list.html", {"plans": Plan.objects.all(), "nav_active": "plans"})


@require_GET
def plan_detail(request, slug: str):
    plan = get_object_or_404(Plan, slug=slug)
    period = _period(plan, request.GET.get("period"))
    context = {
        "plan": plan,
        "period": format_period(period),
        "period_label": period_label(period),
        "positions": plan_position(plan, period),
        "nav_active": "plans",
    }
    return render(request, "plans/plan_detail.html", context)


# --- actions ------------------------------------------------------------------------


@require_GET
def action_list(request):
    actions = Action.objects.select_related("owner").prefetch_related("indicators").order_by("due", "pk")
    code = request.GET.get("indicator")
    if code:
        if not Indicator.objects.filter(code=code).exists():
            raise Http404(f"There is no indicator with the reference ‘{code}’.")
        actions = actions.filter(indicators__code=code)
    today = timezone.localdate()
    rows = [(action, action.shown_status(today)) for action in actions]
    context = {"rows": rows, "indicator": code, "may_create": may_create(request.user), "nav_active": "actions"}
    return render(request, "plans/action_list.html", context)


def _action_form(request, data=None, initial=None) -> ActionForm:
    return ActionForm(data, initial=initial, indicators=linkable_indicators(request.user))


@require_http_methods(["GET", "POST"])
def action_new(request):
    if not may_create(request.user):
        raise PermissionDenied("Only service owners and the performance team can add improvement actions.")
    if request.method == "GET":
        chosen = Indicator.objects.filter(code=request.GET.get("indicator", "")).first()
        initial = {
            "owner": request.user.pk,
            "status": ActionStatus.NOT_STARTED,
            "indicators": [chosen] if chosen else [],
        }
        return _render_form(request, _action_form(request, initial=initial), None)
    return _save_form(request, None, action_create, "added")


@require_http_methods(["GET", "POST"])
def action_edit(request, pk: int):
    action = _editable_action(request, pk)
    if request.method == "GET":
        initial = {
            "title": action.title,
            "description": action.description,
            "owner": action.owner_id,
            "due": action.due,
            "status": action.status,
            "indicators": list(action.indicators.all()),
            "objectives": list(action.objectives.all()),
        }
        return _render_form(request, _action_form(request, initial=initial), action)
    return _save_form(request, action, partial(action_update, action=action), "saved")


def _save_form(request, action: Action | None, save, done: str):
    """The posted form saved by `save` (the service), then the action's page with a message; else the form
    again, with what the service refused. A lock the service finds is a 403, as `_editable_action`'s."""
    form = _action_form(request, data=request.POST)
    if form.is_valid():
        try:
            saved = save(user=request.user, **form.cleaned_data)
        except ActionLocked as exc:
            raise PermissionDenied(str(exc)) from None
        except ActionError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"Improvement action {done}: {saved.title}.")
            return redirect(saved)
    return _render_form(request, form, action, status=400)


def _render_form(request, form, action, status=200):
    kept = [indicator.code for indicator in others_links(request.user, action)] if action else []
    context = {"form": form, "action": action, "kept": kept, "nav_active": "actions"}
    return render(request, "plans/action_form.html", context, status=status)


@require_GET
def action_detail(request, pk: int):
    action = _action(pk)
    return _render_detail(request, action, NoteForm())


@require_POST
def action_note(request, pk: int):
    action = _editable_action(request, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            action_note_add(action=action, user=request.user, text=form.cleaned_data["text"])
        except ActionError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "Progress note added.")
            return redirect(action)
    return _render_detail(request, action, form, status=400)


def _render_detail(request, action: Action, note_form: NoteForm, status: int = 200):
    context = {
        "action": action,
        "status": action.shown_status(timezone.localdate()),
        "lock": action_lock_reason(request.user, action),
        "notes": action.notes.select_related("author"),
        "history": action.history.select_related("history_user").order_by("-history_date")[:50],
        "note_form": note_form,
        "nav_active": "actions",
    }
    return render(request, "plans/action_detail.html", context, status=status)
