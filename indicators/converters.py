"""URL converters, registered once for every app's URLs: `<code:…>`, `<period:…>` and `<year:…>`.

An indicator's code in an address matches exactly what the model accepts
(`indicators.validators.CODE_REGEX`); a reporting period is YYYY-MM; a financial year
is the year it starts in, 1900 to 2099 (a longer number would be no date).
"""

from datetime import date

from django.http import Http404
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


class PeriodNotFound(Http404):
    """An address whose period is shaped YYYY-MM but is no month, such as 2019-13: the message says why."""


class PeriodConverter:
    """A reporting period as YYYY-MM; a month that does not exist (2019-13) is a 404 saying so.

    Raising Http404 rather than ValueError stops resolving there, so the view is
    never reached and no later pattern is tried: no literal path segment is
    shaped like a period, so none could have matched. `indicators.views.page_not_found`
    (the project's handler404) shows the message.
    """

    regex = "[0-9]{4}-[0-9]{2}"

    def to_python(self, value: str) -> date:
        try:
            return parse_period(value)
        except ValueError as exc:
            raise PeriodNotFound(f"{exc}.") from None

    def to_url(self, value: date | str) -> str:
        """A date, or a period already written as YYYY-MM (checked: `reverse` never builds a bad address)."""
        return format_period(parse_period(value) if isinstance(value, str) else value)


class YearConverter:
    """A financial year by the year it starts in, 1900 to 2099."""

    regex = "(?:19|20)[0-9]{2}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return f"{value:04d}"


register_converter(CodeConverter, "code")
register_converter(PeriodConverter, "period")
register_converter(YearConverter, "year")
