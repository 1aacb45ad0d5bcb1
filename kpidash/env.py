"""Typed readers of environment variables, for kpidash/settings.py.

Each reader returns the default when the variable is unset or empty, and
otherwise either a value of its type or raises ImproperlyConfigured with one
message shape, naming the variable, the value given and what is allowed:

    KPIDASH_DEFAULT_SCHEME='flor' is not allowed: use one of 'floor', 'tolerance', ...

so a mistyped setting stops start-up instead of running half-configured.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def raw(name: str) -> str | None:
    """The variable's value, or None when it is unset or empty."""
    value = os.environ.get(name)
    return value if value else None


def refuse(name: str, value: str, allowed: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name}={value!r} is not allowed: {allowed}.")


def _one_of(choices: Iterable[str]) -> str:
    return "use one of " + ", ".join(repr(choice) for choice in choices)


def text(name: str, default: str = "", *, blank: bool = False) -> str:
    """Free text; with `blank`, a variable set empty means empty rather than the default."""
    if blank and os.environ.get(name) == "":
        return ""
    return raw(name) or default


def choice(name: str, default: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    value = raw(name)
    if value is None:
        return default
    if value not in choices:
        raise refuse(name, value, _one_of(choices))
    return value


def boolean(name: str, default: bool) -> bool:
    value = raw(name)
    if value is None:
        return default
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise refuse(name, value, "use 1 or 0 (true/false, yes/no, on/off)")


def _bounds(minimum, maximum, unit: str = "") -> str:
    unit = f" {unit}" if unit else ""
    if maximum is None:
        return f"use a number of at least {minimum}{unit}" if minimum is not None else "use a number"
    return f"use a number from {minimum} to {maximum}{unit}"


def integer(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    value = raw(name)
    if value is None:
        return default
    allowed = _bounds(minimum, maximum).replace("a number", "a whole number")
    try:
        number = int(value)
    except ValueError:
        raise refuse(name, value, allowed) from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise refuse(name, value, allowed)
    return number


def decimal(name: str, default: str, *, minimum: str | None = None, maximum: str | None = None) -> Decimal:
    value = raw(name)
    if value is None:
        return Decimal(default)
    allowed = _bounds(minimum, maximum) + ", e.g. 2.5"
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise refuse(name, value, allowed) from None
    out_of_range = (minimum is not None and number < Decimal(minimum)) or (
        maximum is not None and number > Decimal(maximum)
    )
    if not number.is_finite() or out_of_range:
        raise refuse(name, value, allowed)
    return number


def seconds(name: str, default: float, *, maximum: float = 60) -> float:
    """A positive number of seconds, fractions allowed (timeouts)."""
    value = raw(name)
    if value is None:
        return default
    allowed = f"use a number of seconds above 0 and at most {maximum:g}, e.g. 0.5"
    try:
        number = float(value)
    except ValueError:
        raise refuse(name, value, allowed) from None
    if not 0 < number <= maximum:
        raise refuse(name, value, allowed)
    return number


def listing(name: str, default: list[str], *, choices: Iterable[str] | None = None) -> list[str]:
    """A comma-separated list; with `choices`, each item must be one of them."""
    value = os.environ.get(name)
    if value is None:
        return default
    items = [item.strip() for item in value.split(",") if item.strip()]
    if choices is not None:
        choices = list(choices)
        if not set(items) <= set(choices):
            raise refuse(name, value, "list some of " + ", ".join(repr(c) for c in choices) + ", comma-separated")
    return items


def url(name: str, default: str, *, schemes: Iterable[str]) -> str:
    """An absolute URL with one of these schemes and a host (or a path, for unix:// and sqlite://)."""
    schemes = list(schemes)
    value = raw(name)
    if value is None:
        return default
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in schemes or not (parts.netloc or parts.path):
        # The URL may carry a password: the message shows it without.
        shown = value.replace(f":{parts.password}@", ":***@") if parts and parts.password else value
        raise refuse(name, shown, "use a URL starting " + " or ".join(f"{scheme}://" for scheme in schemes))
    return value


def origins(name: str) -> list[str]:
    """A comma-separated list of origins (scheme://host[:port]), as CSRF_TRUSTED_ORIGINS needs."""
    items = listing(name, [])
    for item in items:
        parts = urlsplit(item)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise refuse(name, item, "list origins such as https://kpidash.example.gov.uk, comma-separated")
    return items


def hosts(name: str, default: list[str]) -> list[str]:
    """Host names, comma-separated, as ALLOWED_HOSTS takes them (not URLs)."""
    items = listing(name, default)
    for item in items:
        if "/" in item or " " in item:
            raise refuse(
                name, item, "list host names such as kpidash.example.gov.uk, comma-separated, without https://"
            )
    return items


def path(name: str, default: Path | str) -> Path:
    value = raw(name)
    return Path(value) if value is not None else Path(default)


def dotted_path(name: str, default: str) -> str:
    """An importable `module.Attribute` path (backends); the module is found, not imported."""
    value = raw(name)
    if value is None:
        return default
    module, _, attribute = value.rpartition(".")
    try:
        found = bool(module and attribute) and importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise refuse(name, value, "use an importable dotted path, e.g. django.core.mail.backends.smtp.EmailBackend")
    return value


def email_address(name: str, default: str) -> str:
    """An address, optionally with a display name: `kpidash@council.gov.uk` or `KPI <kpidash@council.gov.uk>`."""
    value = raw(name)
    if value is None:
        return default
    _, address = parseaddr(value)
    local, at, domain = address.rpartition("@")
    if not (local and at and domain) or " " in address:
        raise refuse(name, value, "use an email address, e.g. kpidash@council.gov.uk")
    return value


def required(name: str, because: str) -> str:
    value = raw(name)
    if value is None:
        raise ImproperlyConfigured(f"{name} must be set when {because}.")
    return value
