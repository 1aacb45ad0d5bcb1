"""The demo's public site: Strategic and Corporate Services published for 2018/19 and 2019/20.

Its returns from April 2018 to November 2019 are approved (the demo loads most
of them as figures only, which the returns pages show as entered, not
submitted), so `make run` shows a public site with the same numbers as the
intranet dashboard. Growth, Environment and Transport stays unpublished.
`load_demo` does not call this (the tests' demo has no publication); the
`load_demo` command does. Running it twice changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from demo.data import LONDON
from indicators.cache import data_version_bump
from indicators.models import Commentary, CommentaryStatus, Indicator, Rating
from indicators.periods import FinancialYear, period_label
from indicators.rules import Rag
from indicators.spc import Variation
from public.services import publication_set
from returns.services import commentary_requirement

PUBLISHED_DIRECTORATE = "strategic-and-corporate-services"
PUBLISHED_YEARS = (2018, 2019)
APPROVED_AT = datetime(2019, 12, 12, 10, 0, tzinfo=LONDON)


@transaction.atomic
def load_demo_publication() -> int:
    """Approve the published indicators' returns and publish them; returns how many returns it approved."""
    performance = get_user_model().objects.get(username="performance")
    indicators = list(Indicator.objects.active().filter(directorate__slug=PUBLISHED_DIRECTORATE))
    first, last = FinancialYear(min(PUBLISHED_YEARS)).start, FinancialYear(max(PUBLISHED_YEARS)).end
    by_pk = {i.pk: i for i in indicators}
    ratings = Rating.objects.filter(indicator__in=indicators, period__gte=first, period__lte=last, value__isnull=False)
    have = set(Commentary.objects.filter(indicator__in=indicators).values_list("indicator_id", "period"))
    owners = {i.pk: i.owners.first() for i in Indicator.objects.filter(pk__in=by_pk).prefetch_related("owners")}
    approved = [
        Commentary(
            indicator_id=rating.indicator_id,
            period=rating.period,
            text=_text(by_pk[rating.indicator_id], rating),
            status=CommentaryStatus.APPROVED,
            author=owners.get(rating.indicator_id),
            submitted_at=APPROVED_AT,
            approver=performance,
            approved_at=APPROVED_AT,
        )
        for rating in ratings
        if (rating.indicator_id, rating.period) not in have
    ]
    Commentary.objects.bulk_create(approved)  # bulk: no signal, so the pages' data versions are bumped below
    if approved:
        data_version_bump()
    for year in PUBLISHED_YEARS:
        publication_set(year=year, indicators=indicators, user=performance)
    return len(approved)


def _text(indicator: Indicator, rating: Rating) -> str:
    """Commentary where the rule asks for it (an Amber or Red figure, a special cause of concern), as an owner would."""
    rag = Rag(rating.month_rag) if indicator.is_kpi else Rag.NONE
    needed = commentary_requirement(
        indicator=indicator, period=rating.period, rag=rag, variation=Variation(rating.variation)
    )
    if not needed:
        return ""
    return (
        f"The service has looked into the figure for {period_label(rating.period)} and what lies behind it, "
        "and is acting on it (demonstration commentary)."
    )
