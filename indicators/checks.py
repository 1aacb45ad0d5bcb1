"""System checks on stored data that predates a rule (run by `migrate` and `check --database default`)."""

from __future__ import annotations

from django.core import checks
from django.db import DatabaseError

from indicators.validators import code_error


@checks.register(checks.Tags.database)
def check_indicator_codes(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """Indicators stored before codes were validated whose code no address can hold (e.g. "ZZ/01").

    Such an indicator cannot be linked to, so every page listing it fails: rename it in the admin
    (the change form accepts only a valid code). A warning, not an error, so `migrate` still runs.
    """
    if not databases:
        return []
    from indicators.models import Indicator

    try:
        codes = list(Indicator.objects.values_list("pk", "code"))
    except DatabaseError:  # not migrated yet
        return []
    return [
        checks.Warning(
            f"Indicator {pk} has the code {code!r}, which cannot be part of an address: {code_error(code)}",
            hint="Rename it in the admin (Indicators → the indicator → reference); its pages fail until then.",
            obj=f"Indicator {pk}",
            id="indicators.W001",
        )
        for pk, code in codes
        if code_error(code)
    ]
