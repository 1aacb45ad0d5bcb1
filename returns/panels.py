"""Home's section for whoever owns indicators: the returns still to do in each open month.

Registered with `indicators.panels` (returns/apps.py), so home (in indicators, below this app)
shows it without importing returns. It is for those who work with returns (service owners and
the performance team, as My returns is) and own an active indicator; the rows and their
statuses are My returns' own (`returns.rows.return_rows`).
"""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from accounts.roles import is_performance_team
from indicators.models import Indicator
from returns.models import ReportingPeriod
from returns.permissions import is_service_owner
from returns.rows import return_rows


def returns_to_do(request: HttpRequest) -> SafeString | None:
    """Each open month's deadline and the user's returns in it not yet submitted; None if they own no indicator."""
    user = request.user
    if not (is_service_owner(user) or is_performance_team(user)):
        return None
    owned = Indicator.objects.owned_by(user)
    if not owned.active().exists():
        return None
    months = []
    for reporting_period in ReportingPeriod.objects.open():
        rows = return_rows(owned, reporting_period.period)
        months.append({"period": reporting_period, "rows": rows, "to_do": [r for r in rows if r.status.outstanding]})
    return SafeString(render_to_string("returns/_home_panel.html", {"months": months}, request=request))
