"""The API's query parameters, read strictly: a bad one is a 400 naming it and saying why, never ignored."""

from __future__ import annotations

from datetime import date

from rest_framework.exceptions import APIException

from indicators.models import Committee, Directorate, Indicator, Kind
from indicators.periods import parse_period


class BadFilter(APIException):
    status_code = 400
    default_code = "bad_filter"


def period_param(params, name: str) -> date | None:
    text = params.get(name)
    if text is None or text == "":
        return None
    try:
        return parse_period(text)
    except ValueError as exc:
        raise BadFilter(f"{name}: {exc}.") from None


def period_range(params) -> tuple[date | None, date | None]:
    start, end = period_param(params, "period_from"), period_param(params, "period_to")
    if start and end and start > end:
        raise BadFilter(f"period_from ({params['period_from']}) is after period_to ({params['period_to']}).")
    return start, end


def _row_param(params, name: str, model, field: str, what: str):
    """The row the parameter `name` names by its `field`; None if it is not given."""
    value = params.get(name)
    if not value:
        return None
    found = model.objects.filter(**{field: value}).first()
    if found is None:
        raise BadFilter(f"{name}: there is no {name} with the {what} {value!r}.")
    return found


def committee_param(params) -> Committee | None:
    return _row_param(params, "committee", Committee, "slug", "slug")


def directorate_param(params) -> Directorate | None:
    return _row_param(params, "directorate", Directorate, "slug", "slug")


def indicator_param(params) -> Indicator | None:
    return _row_param(params, "indicator", Indicator, "code", "reference")


def kind_param(params) -> str | None:
    kind = params.get("kind")
    if not kind:
        return None
    if kind not in Kind.values:
        raise BadFilter(f"kind: {kind!r} is not a kind of indicator: use {' or '.join(Kind.values)}.")
    return kind


def boolean_param(params, name: str) -> bool | None:
    text = params.get(name)
    if not text:
        return None
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise BadFilter(f"{name}: {text!r} is not true or false.")
