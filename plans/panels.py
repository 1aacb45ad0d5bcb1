"""The indicator page's "Improvement actions" section (registered in `PlansConfig.ready`)."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from indicators.models import Indicator
from plans.models import Action
from plans.permissions import may_create, not_theirs
from plans.rules import ActionStatus


def indicator_actions(indicator: Indicator):
    """The indicator's actions, open ones first (soonest due first), then the complete ones: one query."""
    done_last = Case(When(status=ActionStatus.COMPLETE, then=Value(1)), default=Value(0), output_field=IntegerField())
    return (
        Action.objects.filter(indicators=indicator)
        .select_related("owner", "source_committee")
        .annotate(done_last=done_last)
        .order_by("done_last", "due", "pk")
    )


def actions_panel(request: HttpRequest, indicator: Indicator) -> SafeString:
    today = timezone.localdate()
    rows = [(action, action.shown_status(today)) for action in indicator_actions(indicator)]
    # Only those who could link an action to this indicator are offered the button (as the form would refuse).
    can_add = may_create(request.user) and not not_theirs(request.user, [indicator])
    html = render_to_string(
        "plans/_indicator_actions.html", {"indicator": indicator, "rows": rows, "can_add": can_add}, request=request
    )
    return mark_safe(html)  # noqa: S308 - the template escapes every value
