from django.http import Http404
from django.shortcuts import get_object_or_404, render

from indicators.dashboard import build_dashboard, latest_data_period
from indicators.models import Committee, Directorate, Indicator
from indicators.periods import parse_period


def _period(request, indicators):
    text = request.GET.get("period")
    if text:
        try:
            return parse_period(text)
        except ValueError as exc:
            raise Http404(str(exc)) from None
    period = latest_data_period(indicators)
    if period is None:
        raise Http404("There is no data for these indicators yet.")
    return period


def home(request):
    return render(request, "indicators/home.html", {"committees": Committee.objects.all(),
                                                    "directorates": Directorate.objects.all()})


def _dashboard(request, title, indicators, direction_basis):
    period = _period(request, indicators)
    dashboard = build_dashboard(indicators, period, direction_basis=direction_basis)
    return render(request, "indicators/dashboard.html", {"title": title, "dashboard": dashboard})


def committee_dashboard(request, slug):
    committee = get_object_or_404(Committee, slug=slug)
    indicators = Indicator.objects.active().for_committee(committee)
    return _dashboard(request, committee.name, indicators, committee.direction_basis)


def directorate_dashboard(request, slug):
    directorate = get_object_or_404(Directorate, slug=slug)
    return _dashboard(request, directorate.name, directorate.indicators.active(), "previous")


def indicator_detail(request, code):
    indicator = get_object_or_404(Indicator, code=code)
    return render(request, "indicators/indicator_detail.html", {"indicator": indicator})
