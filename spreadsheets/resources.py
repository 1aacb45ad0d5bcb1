"""The workbook's columns (django-import-export resources) and how each cell is parsed.

The spreadsheet import (`spreadsheets/plan.py`) calls these widgets' `clean()`
per cell, so a column's parsing rules live here and only here. Nothing imports
or exports through the resources themselves: the admin's own import/export was
removed (no size or zip-bomb checks, live formulas in its files, no versioning
or approval reset), and the Spreadsheets page reads and writes the workbook.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from import_export import fields, resources, widgets

from indicators.models import (
    FREQUENCY_CHOICES,
    POLARITY_CHOICES,
    SCHEME_CHOICES,
    TOLERANCE_UNIT_CHOICES,
    UNIT_CHOICES,
    YTD_METHOD_CHOICES,
    Commentary,
    Directorate,
    Headline,
    Indicator,
    Kind,
    Result,
    Threshold,
)
from indicators.periods import FinancialYear, format_period, parse_period
from indicators.validators import parse_number
from spreadsheets.workbook import INDICATORS, SHEETS, THRESHOLD_FIELDS

# Formula-like text is written with a leading apostrophe (see exports.safe_cell);
# reading strips it again so an export re-imports unchanged.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = ";"


def unescape_text(text: str) -> str:
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS:
        return text[1:]
    return text


class TextWidget(widgets.CharWidget):
    """Text, trimmed, with the export's formula-neutralising apostrophe removed."""

    def clean(self, value, row=None, **kwargs) -> str:
        if value is None:
            return ""
        if isinstance(value, Decimal):
            value = format(value.normalize(), "f") if value == value.to_integral() else str(value)
        return unescape_text(str(value).strip())


class NumberWidget(widgets.DecimalWidget):
    """A finite number that fits the database's 20 digits, 6 after the point (`validators.parse_number`)."""

    def clean(self, value, row=None, **kwargs) -> Decimal | None:
        return parse_number(value)


class WholeNumberWidget(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs) -> int | None:
        number = NumberWidget().clean(value)
        if number is None:
            return None
        if number != number.to_integral_value():
            raise ValueError(f"{value} is not a whole number.")
        return int(number)


class YesNoWidget(widgets.BooleanWidget):
    TRUE = {"1", "true", "yes", "y"}
    FALSE = {"0", "false", "no", "n"}

    def clean(self, value, row=None, **kwargs) -> bool | None:
        if value is None or str(value).strip() == "":
            return None
        text = str(value).strip().lower()
        if isinstance(value, Decimal | int | bool):
            text = "1" if value == 1 else "0" if value == 0 else text
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(f"{value!r} is not yes or no (use yes/no, true/false or 1/0).")

    def render(self, value, obj=None, **kwargs) -> str:
        return "yes" if value else "no"


class ChoiceWidget(widgets.Widget):
    """One of a field's choices, by value or label, in any case ("h", "H – higher is better")."""

    def __init__(self, choices: list[tuple[str, str]], **kwargs) -> None:
        self.values = [value for value, _ in choices]
        self.lookup = {str(value).lower(): value for value, _ in choices}
        self.lookup |= {str(label).lower(): value for value, label in choices}
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs) -> str | None:
        if value is None or str(value).strip() == "":
            return None
        try:
            return self.lookup[str(value).strip().lower()]
        except KeyError:
            allowed = ", ".join(str(v) for v in self.values)
            raise ValueError(f"{value!r} is not allowed: use one of {allowed}.") from None

    def render(self, value, obj=None, **kwargs) -> str:
        return "" if value is None else str(value)


class PeriodWidget(widgets.Widget):
    """A reporting month written YYYY-MM (a date cell counts as its month)."""

    def clean(self, value, row=None, **kwargs) -> date | None:
        if value in (None, ""):
            return None
        if isinstance(value, date):
            return value.replace(day=1)
        return parse_period(str(value).strip())

    def render(self, value, obj=None, **kwargs) -> str:
        return format_period(value) if value else ""


class DayWidget(widgets.Widget):
    """A day written 2020-01-10 (a date cell counts too)."""

    def clean(self, value, row=None, **kwargs) -> date | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValueError(f"“{value}” is not a day: write it as 2020-01-10.") from None


class FinancialYearWidget(widgets.Widget):
    """A financial year written 2019/20, stored as its start year."""

    def clean(self, value, row=None, **kwargs) -> int | None:
        if value in (None, ""):
            return None
        return FinancialYear.parse(str(value).strip()).start_year

    def render(self, value, obj=None, **kwargs) -> str:
        return FinancialYear(value).label if value else ""


def split_names(value) -> list[str]:
    """Semicolon- or comma-separated names, trimmed, blanks dropped."""
    if value is None:
        return []
    text = str(value).replace(",", LIST_SEPARATOR)
    return [name.strip() for name in text.split(LIST_SEPARATOR) if name.strip()]


class OwnersWidget(widgets.ManyToManyWidget):
    """Owners as usernames or email addresses, separated by semicolons."""

    def __init__(self, **kwargs) -> None:
        super().__init__(get_user_model(), separator=LIST_SEPARATOR, field="username", **kwargs)

    def clean(self, value, row=None, **kwargs):
        names = split_names(value)
        users = get_user_model().objects.filter(username__in=names) | get_user_model().objects.filter(email__in=names)
        return users.distinct()

    def render(self, value, obj=None, **kwargs) -> str:
        if value is None:
            return ""
        return "; ".join(sorted(user.get_username() for user in value.all()))


class IndicatorResource(resources.ModelResource):
    code = fields.Field(attribute="code", column_name="code", widget=TextWidget())
    name = fields.Field(attribute="name", column_name="name", widget=TextWidget())
    definition = fields.Field(attribute="definition", column_name="definition", widget=TextWidget())
    kind = fields.Field(attribute="kind", column_name="kind", widget=ChoiceWidget(Kind.choices))
    polarity = fields.Field(attribute="polarity", column_name="polarity", widget=ChoiceWidget(POLARITY_CHOICES))
    unit = fields.Field(attribute="unit", column_name="unit", widget=ChoiceWidget(UNIT_CHOICES))
    decimals = fields.Field(attribute="decimals", column_name="decimals", widget=WholeNumberWidget())
    frequency = fields.Field(attribute="frequency", column_name="frequency", widget=ChoiceWidget(FREQUENCY_CHOICES))
    ytd_method = fields.Field(attribute="ytd_method", column_name="ytd_method", widget=ChoiceWidget(YTD_METHOD_CHOICES))
    directorate = fields.Field(
        attribute="directorate", column_name="directorate", widget=widgets.ForeignKeyWidget(Directorate, "name")
    )
    # Export-only (the committees the directorate reports to);
    # the spreadsheet import links the directorate to the committees named.
    committee = fields.Field(column_name="committee", readonly=True, widget=TextWidget())
    owners = fields.Field(attribute="owners", column_name="owners", widget=OwnersWidget())
    headline = fields.Field(attribute="headline", column_name="headline", widget=ChoiceWidget(Headline.choices))
    data_source = fields.Field(attribute="data_source", column_name="data_source", widget=TextWidget())
    active = fields.Field(attribute="active", column_name="active", widget=YesNoWidget())
    allow_out_of_range = fields.Field(
        attribute="allow_out_of_range", column_name="allow_out_of_range", widget=YesNoWidget()
    )
    numerator_le_denominator = fields.Field(
        attribute="numerator_le_denominator", column_name="numerator_le_denominator", widget=YesNoWidget()
    )

    class Meta:
        model = Indicator
        import_id_fields = ("code",)
        fields = tuple(SHEETS[INDICATORS])  # the workbook's columns, in its order
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def dehydrate_committee(self, indicator: Indicator) -> str:
        return "; ".join(sorted(c.name for c in indicator.directorate.committees.all()))


class ThresholdResource(resources.ModelResource):
    indicator = fields.Field(
        attribute="indicator", column_name="code", widget=widgets.ForeignKeyWidget(Indicator, "code")
    )
    financial_year = fields.Field(
        attribute="financial_year", column_name="financial_year", widget=FinancialYearWidget()
    )
    target = fields.Field(attribute="target", column_name="target", widget=NumberWidget())
    floor = fields.Field(attribute="floor", column_name="floor", widget=NumberWidget())
    lower = fields.Field(attribute="lower", column_name="lower", widget=NumberWidget())
    upper = fields.Field(attribute="upper", column_name="upper", widget=NumberWidget())
    scheme = fields.Field(attribute="scheme", column_name="scheme", widget=ChoiceWidget(SCHEME_CHOICES))
    green_tolerance = fields.Field(attribute="green_tolerance", column_name="green_tolerance", widget=NumberWidget())
    amber_tolerance = fields.Field(attribute="amber_tolerance", column_name="amber_tolerance", widget=NumberWidget())
    tolerance_unit = fields.Field(
        attribute="tolerance_unit", column_name="tolerance_unit", widget=ChoiceWidget(TOLERANCE_UNIT_CHOICES)
    )

    class Meta:
        model = Threshold
        import_id_fields = ("indicator", "financial_year")
        fields = ("indicator", "financial_year", *THRESHOLD_FIELDS)
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def before_save_instance(self, instance, row, **kwargs) -> None:
        # A blank choice means "the organisation default", stored as "".
        instance.scheme = instance.scheme or ""
        instance.tolerance_unit = instance.tolerance_unit or ""


class ResultResource(resources.ModelResource):
    indicator = fields.Field(
        attribute="indicator", column_name="code", widget=widgets.ForeignKeyWidget(Indicator, "code")
    )
    period = fields.Field(attribute="period", column_name="period", widget=PeriodWidget())
    value = fields.Field(attribute="value", column_name="value", widget=NumberWidget())
    numerator = fields.Field(attribute="numerator", column_name="numerator", widget=NumberWidget())
    denominator = fields.Field(attribute="denominator", column_name="denominator", widget=NumberWidget())
    # Exported but not imported through the resource: the spreadsheet
    # import (/spreadsheets/import/) does, with its history and approval rules.
    commentary = fields.Field(column_name="commentary", readonly=True, widget=TextWidget())

    class Meta:
        model = Result
        import_id_fields = ("indicator", "period")
        fields = ("indicator", "period", "value", "numerator", "denominator", "commentary")
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def dehydrate_commentary(self, result: Result) -> str:
        commentary = Commentary.objects.filter(indicator_id=result.indicator_id, period=result.period).first()
        return commentary.text if commentary else ""


def column_widgets(resource_class: type[resources.ModelResource]) -> dict[str, widgets.Widget]:
    """Column name → widget, as the resource declares them."""
    resource = resource_class()
    return {field.column_name: field.widget for field in resource.fields.values()}
