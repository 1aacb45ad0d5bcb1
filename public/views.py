"""The public site (/public/, no sign-in) and the performance team's publication page.

Every public view is wrapped in `public_view`: no sign-in, and a 404 for every
address while KPIDASH_PUBLIC_SITE is off. What they show comes only from
`public.selectors` (and `public.opendata`, which reads it). Nothing here uses the
intranet's page cache (indicators/cache.py), so neither can serve the other's page.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from indicators.guidance import counts_sentence, guidance_notes
from indicators.models import Indicator, Threshold
from indicators.periods import FinancialYear, format_period, parse_period
from public import openapi, opendata, rows
from public.forms import PublicationForm
from public.models import Publication
from public.selectors import (
    public_dashboard,
    public_figures,
    public_indicator,
    public_periods,
    public_scope,
    public_scopes,
    published_years,
)
from public.services import can_publish, publication_set
from public.throttling import PublicDataThrottle


def public_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_not_required
    @require_safe  # the public site only reads: GET and HEAD
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not settings.KPIDASH_PUBLIC_SITE:
            raise Http404("The public site is switched off.")
        return view(request, *args, **kwargs)

    return wrapped


@public_view
def index(request: HttpRequest) -> HttpResponse:
    scopes = public_scopes()
    return render(
        request,
        "public/index.html",
        {
            "committees": [s for s in scopes if s.kind == "committee"],
            "directorates": [s for s in scopes if s.kind == "directorate"],
        },
    )


def _scope_or_404(kind: str, slug: str):
    scope = public_scope(kind, slug)
    if scope is None:
        # The address is not repeated: a 404 must not tell an unpublished name from one that never was.
        raise Http404(f"There is no published {kind} at this address.")
    return scope


@public_view
def dashboard(request: HttpRequest, kind: str, slug: str, period=None) -> HttpResponse:
    scope = _scope_or_404(kind, slug)
    if period is None and request.GET.get("period"):  # the period picker, without JavaScript
        return redirect(f"public:{kind}_period", slug, _picked(request.GET["period"]))
    periods = public_periods(scope.indicators)
    if period is None and not periods:  # published, but no figure of it approved yet
        return render(request, "public/dashboard.html", {"scope": scope, "period": None})
    if period is None:
        period = periods[0]
    elif period not in periods:
        raise Http404(f"{scope.name} has no published figures for {period:%B %Y}.")
    board = public_dashboard(scope, period)
    kpis, activities = rows.dashboard_cells(board)
    return render(
        request,
        "public/dashboard.html",
        {
            "scope": scope,
            "period": period,
            "periods": [(format_period(p), f"{p:%B %Y}") for p in periods],
            "period_slug": format_period(period),
            "counts_sentence": counts_sentence(board) if board.kpis else "",
            "kpis": kpis,
            "activities": activities,
            # As the intranet's dashboard: a Directorate column when the rows come from several.
            "show_directorate": len({row["indicator"].directorate_id for row in kpis + activities}) > 1,
            "guidance": guidance_notes(board),
            "url_name": f"public:{kind}_period",
        },
    )


def _picked(text: str):
    try:
        return parse_period(text)
    except ValueError as error:
        raise Http404(str(error)) from None


@public_view
def indicator(request: HttpRequest, code: str) -> HttpResponse:
    found = public_indicator(code)
    if found is None:
        raise Http404("There is no published indicator at this address.")
    figures = public_figures(Indicator.objects.filter(pk=found.pk))
    years = []
    for year in published_years(found):
        of_year = [rows.figure_cells(found, f) for f in figures if f.financial_year.start_year == year]
        years.append({"label": FinancialYear(year).label, "figures": of_year})
    return render(request, "public/indicator.html", {"indicator": found, "years": years})


@public_view
def open_data(request: HttpRequest) -> HttpResponse:
    return render(request, "public/open_data.html", {"columns": opendata.COLUMNS})


@public_view
def dictionary(request: HttpRequest) -> HttpResponse:
    return render(request, "public/dictionary.html", {"columns": opendata.COLUMNS})


@public_view
def openapi_schema(request: HttpRequest) -> HttpResponse:
    """The open data's OpenAPI description: no sign-in, like the data it describes."""
    document = json.dumps(openapi.schema(), indent=1)
    return _download(document, "application/json", None)


@public_view
def dictionary_csv(request: HttpRequest) -> HttpResponse:
    return _download(opendata.dictionary_csv(), "text/csv", "data-dictionary.csv")


@public_view
def figures_download(request: HttpRequest, fmt: str) -> HttpResponse:
    throttle = PublicDataThrottle()
    if not throttle.allow_request(request, None):
        wait = throttle.wait() or 60
        response = HttpResponse(
            f"Too many requests from this address: try again in {int(wait) + 1} seconds.",
            status=429,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = str(int(wait) + 1)
        return response
    try:
        filters = opendata.Filters.parse(request.GET)
    except opendata.FilterError as error:
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    found = opendata.figures(filters)
    if fmt == "json":
        return _download(opendata.as_json(found), "application/json", None)
    return _download(opendata.as_csv(found), "text/csv", "figures.csv")


def _download(body: str, content_type: str, filename: str | None) -> HttpResponse:
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"  # open data: any site may read it
    return response


@public_view
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "public/accessibility.html", {})


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A 404 under /public/ (kpidash/errors.py), in the public frame, with the view's own message.

    An address that matched no pattern (`Resolver404`) gets no message: Django's would repeat the address.
    """
    message = "" if isinstance(exception, Resolver404) else str(exception)
    return render(request, "public/not_found.html", {"message": message}, status=404)


# --- the performance team's page (signed in; works whether the public site is on or off) ---


def _publisher(request: HttpRequest) -> None:
    if not can_publish(request.user):
        raise PermissionDenied("Only the performance team publishes indicators.")


def publication(request: HttpRequest, year: int | None = None) -> HttpResponse:
    _publisher(request)
    if year is None:
        return redirect("publication_year", FinancialYear.containing(timezone.localdate()).start_year)
    form = PublicationForm(request.POST or None, year=year)
    published = {
        p.indicator_id: p for p in Publication.objects.filter(financial_year=year).select_related("published_by")
    }
    if request.method == "POST" and form.is_valid():
        try:
            added, withdrawn = publication_set(year=year, indicators=form.cleaned_data["indicators"], user=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _published_message(year, added, withdrawn))
            return redirect("publication_year", year)
    return render(
        request,
        "public/publication.html",
        {
            "form": form,
            "year": FinancialYear(year),
            "years": _years_around(year),
            "published": list(published.values()),
            "rows": _publication_rows(form, published),
            "public_site": settings.KPIDASH_PUBLIC_SITE,
            "public_url": reverse("public:index"),
        },
    )


def _publication_rows(form: PublicationForm, published: dict) -> list[dict]:
    ticked = {str(pk) for pk in (form["indicators"].value() or [])}
    field = form.fields["indicators"]
    assert isinstance(field, forms.ModelMultipleChoiceField) and field.queryset is not None
    return [
        {"indicator": i, "checked": str(i.pk) in ticked, "publication": published.get(i.pk)} for i in field.queryset
    ]


def _published_message(year: int, added: list[str], withdrawn: list[str]) -> str:
    label = FinancialYear(year).label
    parts = []
    if added:
        parts.append(f"Published for {label}: {', '.join(added)}.")
    if withdrawn:
        parts.append(f"Withdrawn from {label}: {', '.join(withdrawn)}.")
    return " ".join(parts) or f"No change to what is published for {label}."


def _years_around(year: int) -> list[FinancialYear]:
    """The years with targets or publications, this one and the one shown, newest first."""
    current = FinancialYear.containing(timezone.localdate()).start_year
    years = set(Threshold.objects.values_list("financial_year", flat=True).distinct())
    years |= set(Publication.objects.values_list("financial_year", flat=True).distinct())
    return [FinancialYear(y) for y in sorted(years | {current, year}, reverse=True)]
