from datetime import date
from decimal import Decimal

from django import forms

from indicators.periods import FinancialYear, format_period, parse_period
from indicators.validators import NumberError, parse_number, tidy_text
from indicators.wording import person_name


class ServiceErrorsForm(forms.Form):
    def add_service_errors(self, error) -> None:
        """A service's errors (`error.errors`, {field: [messages]}) beside their fields, the rest above them."""
        for name, messages in error.errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class TextField(forms.CharField):
    """Text as it is kept (`tidy_text`), so the length checked is the length stored: a browser posts each
    line break as CRLF, though its maxlength counts it once, and the service keeps it as LF."""

    def to_python(self, value) -> str:
        return tidy_text(super().to_python(value))


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return person_name(obj)


class PeriodField(forms.Field):
    """A reporting month entered as YYYY-MM and cleaned to its first day."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "pattern": r"\d{4}-\d{2}", "size": 7})

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("help_text", "The month, as YYYY-MM, e.g. 2019-11.")
        super().__init__(**kwargs)

    def prepare_value(self, value: object) -> object:
        return format_period(value) if isinstance(value, date) else value

    def to_python(self, value: object) -> date | None:
        if isinstance(value, date):
            return value.replace(day=1)
        text = str(value or "").strip()
        if not text:
            return None
        try:
            return parse_period(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid_period") from None


class FinancialYearField(forms.Field):
    """A financial year written 2019/20, cleaned to its start year (2019)."""

    widget = forms.TextInput(attrs={"size": 7})

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("help_text", "The financial year, e.g. 2019/20.")
        super().__init__(**kwargs)

    def prepare_value(self, value: object) -> object:
        return FinancialYear(value).label if isinstance(value, int) else value

    def to_python(self, value: object) -> int | None:
        if isinstance(value, int):
            return value
        text = str(value or "").strip()
        if not text:
            return None
        try:
            return FinancialYear.parse(text).start_year
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid_financial_year") from None


class NumberField(forms.DecimalField):
    """A figure, read by `validators.parse_number` as the spreadsheet import reads a cell.

    So "1,234" is 1234 on the form as in a file, and "12,5" is refused on both with the
    same reason; input that is no number at all keeps the form's "Enter a number."
    """

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("max_digits", 20)
        kwargs.setdefault("decimal_places", 6)
        super().__init__(**kwargs)

    def to_python(self, value: object) -> Decimal | None:
        if value in self.empty_values:
            return None
        try:
            return parse_number(value)
        except NumberError as exc:
            message = self.error_messages["invalid"] if exc.code == "invalid" else str(exc)
            raise forms.ValidationError(message, code=exc.code) from None
