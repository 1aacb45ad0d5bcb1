"""The read API, /api/v1/: the same data the pages show, to the same people.

Every signed-in user reads committees, directorates, indicators, results and
dashboards, as every signed-in user reads the dashboard and indicator pages
(indicators/views.py); papers only for those the paper pages let in
(`reports.views.can_read_papers`). Each view fetches a fixed number of queries
however many rows it returns. Sign-in is the API's own business (a 401 in JSON):
Django REST framework marks its views exempt from LoginRequiredMiddleware's redirect.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers
from api.filters import (
    BadFilter,
    boolean_param,
    committee_param,
    directorate_param,
    indicator_param,
    kind_param,
    period_param,
    period_range,
)
from indicators.dashboard import build_dashboard, latest_data_period
from indicators.exports import KEYS, dashboard_records, json_value
from indicators.models import Committee, Directorate, Indicator, Result, Threshold
from indicators.periods import format_period, period_label
from indicators.selectors import Scope, committee_scope, directorate_scope
from indicators.tables import DashboardFilterForm
from reports import jobs
from reports.models import Paper
from reports.views import can_read_papers


class NamedLookupMixin(GenericAPIView):
    """A 404 that names what was not found: "There is no committee with the slug 'x'."."""

    missing = "There is no such thing as {value!r}."

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            raise NotFound(self.missing.format(value=self.kwargs[self.lookup_url_kwarg or self.lookup_field])) from None


def _param(name: str, description: str, type=str, **extra) -> OpenApiParameter:
    return OpenApiParameter(name, type, OpenApiParameter.QUERY, required=False, description=description, **extra)


PERIOD = {"pattern": r"^\d{4}-\d{2}$"}
DASHBOARD_PARAMETERS = [
    _param("period", "YYYY-MM; default: the latest period with data.", **PERIOD),
    _param("rag", "Only KPIs rated green, amber, red or none (hides activity indicators), as the page's filter."),
    _param("kind", "kpi or activity."),
    _param("directorate", "A directorate's slug (committee dashboards)."),
    _param("variation", "SPC variation: improvement, concern, neutral, common_cause or none."),
]


def _scope(scope: Scope | None, missing: str, slug: str | None) -> Scope:
    if scope is None:
        raise NotFound(missing.format(value=slug))
    return scope


def _dashboard(request, scope: Scope) -> Response:
    """The dashboard's rows as the CSV download makes them (indicators/exports.py), or a 400/404 saying why not."""
    name, indicators = scope.name, scope.indicators
    period = period_param(request.query_params, "period")
    latest = latest_data_period(indicators)
    if latest is None:
        raise NotFound(f"There are no results for {name} yet.")
    period = period or latest
    if period > latest:
        raise NotFound(
            f"There is no data for {name} for {period_label(period)}: "
            f"the latest results are for {period_label(latest)}."
        )
    dashboard = build_dashboard(indicators, period, direction_basis=scope.direction_basis)
    if not dashboard.has_data:
        raise NotFound(f"There is no data for {name} for {period_label(period)}.")
    choices = [(d.slug, d.name) for d in scope.directorates]
    form = DashboardFilterForm(request.query_params or None, directorates=choices)
    if form.is_bound and not form.is_valid():
        raise BadFilter(
            " ".join(f"{field}: {' '.join(str(error) for error in errors)}" for field, errors in form.errors.items())
        )
    records = dashboard_records(dashboard, *form.filter(dashboard.kpis, dashboard.activities))
    return Response(
        {
            "name": name,
            "slug": scope.obj.slug,
            "period": format_period(period),
            "columns": KEYS,
            "rows": [{key: json_value(record[key]) for key in KEYS} for record in records],
        }
    )


# Committees or directorates, each with its dashboard for a period (`scope_of` finds one by slug).
# No docstring: the schema describes the views by NamedLookupMixin's.
class _ScopeViewSet(NamedLookupMixin, viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"

    @extend_schema(parameters=DASHBOARD_PARAMETERS, responses=serializers.DashboardSerializer)
    @action(detail=True, pagination_class=None)
    def dashboard(self, request, slug=None):
        return _dashboard(request, _scope(self.scope_of(slug), self.missing, slug))


@extend_schema_view(
    list=extend_schema(summary="Committees"),
    retrieve=extend_schema(summary="A committee"),
    dashboard=extend_schema(summary="A committee's dashboard for a period"),
)
class CommitteeViewSet(_ScopeViewSet):
    missing = "There is no committee with the slug {value!r}."
    queryset = Committee.objects.prefetch_related("directorates")
    serializer_class = serializers.CommitteeSerializer
    scope_of = staticmethod(committee_scope)


@extend_schema_view(
    list=extend_schema(summary="Directorates"),
    retrieve=extend_schema(summary="A directorate"),
    dashboard=extend_schema(summary="A directorate's dashboard for a period"),
)
class DirectorateViewSet(_ScopeViewSet):
    missing = "There is no directorate with the slug {value!r}."
    queryset = Directorate.objects.prefetch_related("committees")
    serializer_class = serializers.DirectorateSerializer
    scope_of = staticmethod(directorate_scope)


@extend_schema_view(
    list=extend_schema(
        summary="Indicators, with their thresholds for each financial year",
        parameters=[
            _param("directorate", "A directorate's slug."),
            _param("committee", "A committee's slug: the indicators of its directorates."),
            _param("kind", "kpi or activity."),
            _param("active", "true or false.", type=bool),
        ],
    ),
    retrieve=extend_schema(summary="An indicator, with its thresholds"),
)
class IndicatorViewSet(NamedLookupMixin, viewsets.ReadOnlyModelViewSet):
    missing = "There is no indicator with the reference {value!r}."
    serializer_class = serializers.IndicatorSerializer
    lookup_field = "code"
    lookup_value_converter = "str"  # references may hold dots (ICT.01), which the router's default refuses

    def get_queryset(self) -> QuerySet[Indicator]:
        indicators = Indicator.objects.select_related("directorate").prefetch_related(
            Prefetch("thresholds", queryset=Threshold.objects.order_by("financial_year"))
        )
        if self.action != "list":
            return indicators
        params = self.request.query_params
        if directorate := directorate_param(params):
            indicators = indicators.filter(directorate=directorate)
        if committee := committee_param(params):
            indicators = indicators.for_committee(committee)
        if kind := kind_param(params):
            indicators = indicators.filter(kind=kind)
        if (active := boolean_param(params, "active")) is not None:
            indicators = indicators.filter(active=active)
        return indicators


@extend_schema(
    summary="Results: each indicator's figure for each period, indicator by indicator, oldest first",
    parameters=[
        _param("indicator", "An indicator's reference, e.g. ICT01."),
        _param("period_from", "YYYY-MM: results from this period on.", **PERIOD),
        _param("period_to", "YYYY-MM: results up to this period.", **PERIOD),
        _param("directorate", "A directorate's slug."),
        _param("committee", "A committee's slug: the results of its directorates' indicators."),
    ],
)
class ResultList(ListAPIView):
    serializer_class = serializers.ResultSerializer

    def get_queryset(self) -> QuerySet[Result]:
        params = self.request.query_params
        # Ordered as the unique (indicator, period) index is, so a late page's OFFSET walks the index, not a sort.
        results = Result.objects.order_by("indicator_id", "period")
        if indicator := indicator_param(params):
            results = results.filter(indicator=indicator)
        start, end = period_range(params)
        if start:
            results = results.filter(period__gte=start)
        if end:
            results = results.filter(period__lte=end)
        if directorate := directorate_param(params):
            results = results.filter(indicator__directorate=directorate)
        if committee := committee_param(params):
            results = results.filter(indicator__in=Indicator.objects.for_committee(committee))
        return results.values_list(*serializers.ResultSerializer.FIELDS, "updated_at")


class PaperAccessMixin(APIView):
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # signed in, not throttled
        if not can_read_papers(request.user):
            raise NotFound("No paper here.")  # as the paper pages answer someone without a role


@extend_schema_view(
    list=extend_schema(
        summary="Committee papers (every version), newest first within each committee",
        parameters=[_param("committee", "A committee's slug."), _param("period", "YYYY-MM.", **PERIOD)],
    ),
    retrieve=extend_schema(summary="A committee paper"),
)
class PaperViewSet(PaperAccessMixin, NamedLookupMixin, viewsets.ReadOnlyModelViewSet):
    missing = "There is no paper {value}."
    serializer_class = serializers.PaperSerializer

    def get_queryset(self) -> QuerySet[Paper]:
        papers = Paper.objects.select_related("committee")
        if self.action != "list":
            return papers
        params = self.request.query_params
        if committee := committee_param(params):
            papers = papers.for_committee(committee)
        if period := period_param(params, "period"):
            papers = papers.filter(period=period)
        return papers


class PaperDownload(PaperAccessMixin, APIView):
    @extend_schema(
        summary="A ready paper's PDF or Word file", responses={(200, "application/pdf"): OpenApiTypes.BINARY}
    )
    def get(self, request, pk: int, fmt: str):
        response = jobs.download(Paper.objects.select_related("committee").filter(pk=pk).first(), fmt)
        if response is None:
            raise NotFound("This paper has no such file.")
        return response


class Nowhere(APIView):
    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        raise NotFound("There is no such address in the API: the endpoints are listed at /api/v1/docs/.")
