"""URL converters: an indicator's code in an address matches exactly what the model accepts."""

from django.urls import register_converter

from indicators.validators import CODE_REGEX


class CodeConverter:
    """An indicator's code (`indicators.validators.CODE_REGEX`) as a path segment."""

    regex = CODE_REGEX

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CodeConverter, "code")
