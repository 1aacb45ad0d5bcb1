"""URL converters, registered once for every app's URLs: `<code:…>` and `<period:…>`.

An indicator's code in an address matches exactly what the model accepts
(`indicators.validators.CODE_REGEX`); a reporting period is YYYY-MM.
"""

from datetime import date

from django.urls import register_converter

from indicators.periods import format_period, parse_period
from indicators.validators import CODE_REGEX


class CodeConverter:
    """An indicator's code as a path segment."""

    regex = CODE_REGEX

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class PeriodConverter:
    """A reporting period as YYYY-MM (a month that does not exist, such as 2019-13, is a 404)."""

    regex = "[0-9]{4}-[0-9]{2}"

    def to_python(self, value: str) -> date:
        return parse_period(value)  # ValueError → the next pattern, then 404

    def to_url(self, value: date) -> str:
        return format_period(value)


register_converter(CodeConverter, "code")
register_converter(PeriodConverter, "period")
