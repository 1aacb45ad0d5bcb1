"""What each resource looks like in JSON. Numbers are JSON numbers; periods are YYYY-MM."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from indicators.models import Committee, Directorate, Indicator, Threshold
from indicators.periods import format_period
from reports.jobs import CONTENT_TYPES
from reports.models import Paper


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2019-11"})
class PeriodSerializerField(serializers.Field):
    """A reporting period as YYYY-MM."""

    def to_representation(self, value) -> str:
        return format_period(value)


@extend_schema_field(OpenApiTypes.URI)
class PageLinkField(serializers.Field):
    """The kpidash page for the object, as an absolute URL."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value) -> str:
        return self.context["request"].build_absolute_uri(value.get_absolute_url())


class DirectorateSerializer(serializers.ModelSerializer):
    committees = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    page = PageLinkField()

    class Meta:
        model = Directorate
        fields = ["slug", "name", "committees", "page"]


class CommitteeSerializer(serializers.ModelSerializer):
    directorates = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    page = PageLinkField()

    class Meta:
        model = Committee
        fields = ["slug", "name", "directorates", "direction_basis", "page"]


class ThresholdSerializer(serializers.ModelSerializer):
    """A financial year's target and floor; the organisation's defaults fill what the year leaves blank."""

    year = serializers.CharField(source="year_label", read_only=True)
    scheme = serializers.SerializerMethodField()
    green_tolerance = serializers.SerializerMethodField()
    amber_tolerance = serializers.SerializerMethodField()
    tolerance_unit = serializers.SerializerMethodField()

    class Meta:
        model = Threshold
        fields = ["financial_year", "year", *Threshold.RULE_FIELDS]

    def _rule(self, threshold: Threshold):
        return threshold.rule(threshold.indicator.polarity)

    def get_scheme(self, threshold: Threshold) -> str:
        return self._rule(threshold).scheme.value

    @extend_schema_field(OpenApiTypes.DOUBLE)
    def get_green_tolerance(self, threshold: Threshold):
        return self._rule(threshold).green_tolerance

    @extend_schema_field(OpenApiTypes.DOUBLE)
    def get_amber_tolerance(self, threshold: Threshold):
        return self._rule(threshold).amber_tolerance

    def get_tolerance_unit(self, threshold: Threshold) -> str:
        return self._rule(threshold).tolerance_unit.value


class IndicatorSerializer(serializers.ModelSerializer):
    ref = serializers.CharField(source="code")
    directorate = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    data_period = serializers.CharField(read_only=True)
    thresholds = ThresholdSerializer(many=True, read_only=True)
    page = PageLinkField()

    class Meta:
        model = Indicator
        fields = [
            "ref",
            "name",
            "definition",
            "kind",
            "directorate",
            "polarity",
            "unit",
            "decimals",
            "frequency",
            "ytd_method",
            "headline",
            "data_period",
            "data_source",
            "active",
            "thresholds",
            "page",
        ]


class ResultSerializer(serializers.Serializer):
    """A result from `ResultSerializer.FIELDS` rows (values_list): no model instances, no per-field machinery.

    The results list is the API's big one (every figure of every indicator), so a
    page of 1,000 is built from plain tuples; the declared fields describe it in
    the schema and give the same JSON as model fields would.
    """

    indicator = serializers.CharField(help_text="The indicator's reference.")
    directorate = serializers.CharField(help_text="The indicator's directorate (slug).")
    period = PeriodSerializerField()
    value = serializers.FloatField(allow_null=True)
    numerator = serializers.FloatField(allow_null=True)
    denominator = serializers.FloatField(allow_null=True)
    updated_at = serializers.DateTimeField()

    FIELDS = ("indicator__code", "indicator__directorate__slug", "period", "value", "numerator", "denominator")

    def to_representation(self, row) -> dict:
        code, directorate, period, value, numerator, denominator, updated_at = row
        return {
            "indicator": code,
            "directorate": directorate,
            "period": format_period(period),
            "value": _number(value),
            "numerator": _number(numerator),
            "denominator": _number(denominator),
            "updated_at": _MOMENT.to_representation(updated_at),
        }


_MOMENT = serializers.DateTimeField()  # a date and time as every other field of the API writes it


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


class PaperFilesSerializer(serializers.Serializer):
    pdf = serializers.URLField(allow_null=True)
    docx = serializers.URLField(allow_null=True)


class PaperSerializer(serializers.ModelSerializer):
    committee = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    period = PeriodSerializerField()
    files = serializers.SerializerMethodField()
    page = PageLinkField()

    class Meta:
        model = Paper
        fields = [
            "id",
            "committee",
            "period",
            "meeting_date",
            "version",
            "status",
            "data_as_at",
            "created_at",
            "finished_at",
            "files",
            "pdf_sha256",
            "docx_sha256",
            "page",
        ]

    @extend_schema_field(PaperFilesSerializer)
    def get_files(self, paper: Paper) -> dict:
        """Download links (read with the same token or session) for a ready paper's files; null otherwise."""
        request = self.context["request"]
        return {
            fmt: reverse("api:paper-download", args=[paper.pk, fmt], request=request)
            if paper.is_ready and getattr(paper, fmt)
            else None
            for fmt in CONTENT_TYPES
        }


class DashboardSerializer(serializers.Serializer):
    """The rows and columns of the dashboard's CSV download (and `manage.py dashboard --format json`)."""

    name = serializers.CharField()
    slug = serializers.CharField()
    period = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.DictField())
