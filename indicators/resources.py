"""Spreadsheet resources (django-import-export), shared by the admin and imports."""

from datetime import date

from import_export import fields, resources, widgets

from indicators.models import Directorate, Indicator, Result, Threshold
from indicators.periods import FinancialYear, format_period, parse_period


class PeriodWidget(widgets.Widget):
    """A reporting month written YYYY-MM."""

    def clean(self, value, row=None, **kwargs) -> date | None:
        if value in (None, ""):
            return None
        if isinstance(value, date):
            return value.replace(day=1)
        return parse_period(str(value).strip())

    def render(self, value, obj=None, **kwargs) -> str:
        return format_period(value) if value else ""


class FinancialYearWidget(widgets.Widget):
    """A financial year written 2019/20, stored as its start year."""

    def clean(self, value, row=None, **kwargs) -> int | None:
        if value in (None, ""):
            return None
        return FinancialYear.parse(str(value).strip()).start_year

    def render(self, value, obj=None, **kwargs) -> str:
        return FinancialYear(value).label if value else ""


class IndicatorResource(resources.ModelResource):
    directorate = fields.Field(
        attribute="directorate", column_name="directorate", widget=widgets.ForeignKeyWidget(Directorate, "name")
    )

    class Meta:
        model = Indicator
        import_id_fields = ("code",)
        fields = (
            "code", "name", "definition", "kind", "polarity", "unit", "decimals", "frequency",
            "ytd_method", "headline", "directorate", "data_source", "active",
        )
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True


class ThresholdResource(resources.ModelResource):
    indicator = fields.Field(
        attribute="indicator", column_name="code", widget=widgets.ForeignKeyWidget(Indicator, "code")
    )
    financial_year = fields.Field(
        attribute="financial_year", column_name="financial_year", widget=FinancialYearWidget()
    )

    class Meta:
        model = Threshold
        import_id_fields = ("indicator", "financial_year")
        fields = (
            "indicator", "financial_year", "target", "floor", "lower", "upper",
            "scheme", "green_tolerance", "amber_tolerance", "tolerance_unit",
        )
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True


class ResultResource(resources.ModelResource):
    indicator = fields.Field(
        attribute="indicator", column_name="code", widget=widgets.ForeignKeyWidget(Indicator, "code")
    )
    period = fields.Field(attribute="period", column_name="period", widget=PeriodWidget())

    class Meta:
        model = Result
        import_id_fields = ("indicator", "period")
        fields = ("indicator", "period", "value", "numerator", "denominator")
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
