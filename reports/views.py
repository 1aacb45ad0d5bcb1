from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import COMMITTEE_CLERK, PERFORMANCE_TEAM, user_roles
from indicators.models import Committee
from indicators.periods import format_period
from reports import jobs
from reports.addenda import addendum_request, paper_changes, same_changes
from reports.changes import changes_sentence, has_changes
from reports.forms import PaperRequestForm
from reports.models import Addendum, Paper, PaperStatus
from reports.services import PaperError, paper_readiness, paper_request, paper_retry


def can_generate(user) -> bool:
    return bool(user_roles(user) & {COMMITTEE_CLERK, PERFORMANCE_TEAM})


def can_read_papers(user) -> bool:
    """Everyone with a kpidash role reads papers, as they read dashboards (the API asks this too)."""
    return bool(user_roles(user))


def _require_reader(user) -> None:
    if not can_read_papers(user):
        raise Http404("No paper here.")


def _require_generator(user) -> None:
    if not can_generate(user):
        raise PermissionDenied("Only committee clerks and the performance team generate papers.")


def _get_paper(user, pk: int) -> Paper:
    _require_reader(user)
    return get_object_or_404(Paper.objects.select_related("committee", "requested_by"), pk=pk)


def paper_list(request):
    _require_reader(request.user)
    papers = Paper.objects.select_related("committee", "requested_by")
    committee = None
    if slug := request.GET.get("committee"):
        committee = get_object_or_404(Committee, slug=slug)
        papers = papers.for_committee(committee)
    context = {
        "papers": papers[:200],
        "committee": committee,
        "committees": Committee.objects.all(),
        "can_generate": can_generate(request.user),
        "nav_active": "papers",
    }
    return render(request, "reports/paper_list.html", context)


def paper_new(request):
    _require_generator(request.user)
    form = PaperRequestForm(request.POST or None, initial={"committee": request.GET.get("committee")})
    gaps = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        gaps = paper_readiness(committee=data["committee"], period=data["period"])
        if not gaps or data["confirm"]:
            paper = paper_request(
                committee=data["committee"], period=data["period"], meeting_date=data["meeting_date"], user=request.user
            )
            return redirect(paper)
    context = {"form": form, "gaps": gaps, "nav_active": "papers"}
    # Bad input is a 400, as on every form; missing figures (`gaps`) are a question, not an error.
    return render(request, "reports/paper_new.html", context, status=400 if form.errors else 200)


def paper_detail(request, pk: int):
    paper = _get_paper(request.user, pk)
    versions = Paper.objects.filter(committee=paper.committee, period=paper.period).order_by("-version")
    context = {
        "paper": paper,
        "versions": versions,
        "can_generate": can_generate(request.user),
        "period_code": format_period(paper.period),
        "nav_active": "papers",
        "detail": _progress_detail(paper),
        **_late_data(paper),
    }
    return render(request, "reports/paper_detail.html", context)


def _late_data(paper: Paper) -> dict:
    """What changed since a ready paper was generated, and its addenda (a fixed number of queries)."""
    if not paper.is_ready:
        return {}
    changes = paper_changes(paper)
    addenda = list(paper.addenda.order_by("-number"))
    latest_ready = next((addendum for addendum in addenda if addendum.is_ready), None)
    covered = latest_ready is not None and changes is not None and same_changes(changes, latest_ready.changes)
    return {
        "changes": changes,
        "changes_sentence": changes_sentence(changes) if changes else "",
        "has_changes": bool(changes and has_changes(changes)),
        "addenda": addenda,
        "covered_by": latest_ready if covered else None,
        "in_flight": next((addendum for addendum in addenda if addendum.in_flight), None),
        "next_addendum": (
            addenda[0].number if addenda and addenda[0].status == PaperStatus.FAILED else len(addenda) + 1
        ),
    }


def _progress_detail(paper: Paper) -> str:
    """The line under the status tag while a paper is in flight."""
    if paper.status == PaperStatus.RUNNING:
        return f"{paper.progress}% done"
    if paper.status == PaperStatus.QUEUED:
        return "Waiting for a worker to start it"
    return ""


@require_GET
@never_cache
def paper_status(request, pk: int):
    """The paper's status as JSON, polled by the status page's script (same permissions, never cached)."""
    paper = _get_paper(request.user, pk)
    return JsonResponse(
        {
            "status": paper.status,
            "label": paper.get_status_display(),
            "progress": paper.progress,
            "detail": _progress_detail(paper),
            "in_flight": paper.in_flight,
        }
    )


@require_POST
def paper_retry_view(request, pk: int):
    paper = _get_paper(request.user, pk)
    _require_generator(request.user)
    try:
        paper_retry(paper=paper, user=request.user)
    except PaperError as exc:
        messages.error(request, str(exc))
    return redirect(paper)


@require_POST
def paper_regenerate(request, pk: int):
    paper = _get_paper(request.user, pk)
    _require_generator(request.user)
    new = paper_request(
        committee=paper.committee, period=paper.period, meeting_date=paper.meeting_date, user=request.user
    )
    return redirect(new)


def paper_download(request, pk: int, fmt: str):
    response = jobs.download(_get_paper(request.user, pk), fmt)
    if response is None:
        raise Http404("This paper has no such file.")
    return response


@require_POST
def addendum_new(request, pk: int):
    paper = _get_paper(request.user, pk)
    _require_generator(request.user)
    try:
        addendum = addendum_request(paper=paper, user=request.user)
    except PaperError as exc:
        messages.error(request, str(exc))
        return redirect(paper)
    return redirect(addendum)


def addendum_download(request, pk: int, number: int, fmt: str):
    paper = _get_paper(request.user, pk)
    addendum = get_object_or_404(Addendum.objects.select_related("paper__committee"), paper=paper, number=number)
    response = jobs.download(addendum, fmt)
    if response is None:
        raise Http404("This addendum has no such file.")
    return response
