"""Publishing and unpublishing indicators for a financial year: the one write path.

The publication page, its bulk form and the demo call `publication_set`; the
admin only reads. Each publication added or withdrawn is saved on its own, so
its history says who did it and when.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.roles import PERFORMANCE_TEAM, user_roles
from indicators.models import Indicator
from indicators.periods import FinancialYear
from public.models import Publication

FIRST_YEAR, LAST_YEAR = 1990, 2100


def can_publish(user) -> bool:
    return PERFORMANCE_TEAM in user_roles(user)


def publication_set(*, year: int, indicators: Iterable[Indicator], user) -> tuple[list[str], list[str]]:
    """Make exactly `indicators` (active ones) published for `year`; returns the codes published and withdrawn.

    Indicators not listed lose their publication for the year; inactive ones
    cannot be published. Refused whole (nothing changes) for a user outside the
    performance team, a year out of range or an inactive indicator.
    """
    if not can_publish(user):
        raise PermissionDenied("Only the performance team publishes indicators.")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError(f"{year} is not a financial year kpidash can publish ({FIRST_YEAR} to {LAST_YEAR}).")
    wanted = {i.pk: i for i in indicators}
    inactive = sorted(i.code for i in wanted.values() if not i.active)
    if inactive:
        raise ValidationError(f"{', '.join(inactive)} is not active, so it cannot be published.")
    with transaction.atomic():
        existing = Publication.objects.filter(financial_year=year).select_related("indicator")
        current = {p.indicator_id: p for p in existing}
        added = [
            _save(Publication(indicator=i, financial_year=year, published_by=user, published_at=timezone.now()), user)
            for pk, i in sorted(wanted.items(), key=lambda item: item[1].code)
            if pk not in current
        ]
        withdrawn = []
        for pk, publication in sorted(current.items(), key=lambda item: item[1].indicator.code):
            if pk not in wanted:
                publication._history_user = user  # type: ignore[attr-defined]  # django-simple-history's
                publication.delete()
                withdrawn.append(publication.indicator.code)
    return [p.indicator.code for p in added], withdrawn


def _save(publication: Publication, user) -> Publication:
    publication._history_user = user  # type: ignore[attr-defined]  # django-simple-history's
    publication.save()
    return publication


def year_label(year: int) -> str:
    return FinancialYear(year).label
