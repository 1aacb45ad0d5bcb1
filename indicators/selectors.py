"""The reading pages' selectors: what a dashboard is drawn for and home's summaries, each in a
fixed number of queries.

Views fetch through these and render; a dashboard's rows themselves are `dashboard.build_dashboard`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import OuterRef, Subquery
from django.urls import reverse

from indicators.dashboard import latest_rags
from indicators.guidance import rag_summary
from indicators.models import (
    Committee,
    DirectionBasis,
    Directorate,
    Indicator,
    IndicatorQuerySet,
    Result,
)
from indicators.rules import Rag


@dataclass
class Scope:
    """A committee's or a directorate's indicators: what a dashboard is drawn for."""

    kind: str  # "committee" or "directorate"
    obj: Committee | Directorate
    indicators: IndicatorQuerySet
    direction_basis: str
    directorates: list[Directorate]

    @property
    def name(self) -> str:
        return self.obj.name

    def url(self, period: date | None = None, fmt: str | None = None, query: str = "") -> str:
        args: list[object] = [self.obj.slug]
        name = f"{self.kind}_dashboard"
        if period is not None:
            name, args = f"{self.kind}_dashboard_period", [*args, period]
        if fmt is not None:
            name, args = f"{self.kind}_dashboard_download", [*args, fmt]
        return reverse(name, args=args) + (f"?{query}" if query else "")


def committee_scope(slug: str) -> Scope | None:
    """The committee's dashboard scope: its directorates' active indicators (`for_committee`)."""
    committee = Committee.objects.filter(slug=slug).first()
    if committee is None:
        return None
    indicators = Indicator.objects.active().for_committee(committee)
    return Scope("committee", committee, indicators, committee.direction_basis, list(committee.directorates.all()))


def directorate_scope(slug: str) -> Scope | None:
    directorate = Directorate.objects.filter(slug=slug).first()
    if directorate is None:
        return None
    indicators = directorate.indicators.active()
    return Scope("directorate", directorate, indicators, DirectionBasis.PREVIOUS_PERIOD, [directorate])


def home_summaries() -> list[dict]:
    """Every committee and directorate: its latest period and RAG counts.

    A committee's position is its directorates' indicators at the committee's
    latest period, counted from the stored ratings (no dashboard row is built).
    """
    newest = Result.objects.filter(indicator__directorate=OuterRef("pk"), indicator__active=True, value__isnull=False)
    directorates = list(Directorate.objects.annotate(latest=Subquery(newest.order_by("-period").values("period")[:1])))
    latest = {d.pk: d.latest for d in directorates}
    scopes: list[tuple[str, Committee | Directorate, list[int]]] = [
        ("committee", c, [d.pk for d in c.directorates.all()])
        for c in Committee.objects.prefetch_related("directorates")
    ]
    scopes += [("directorate", d, [d.pk]) for d in directorates]
    periods = [max((latest[pk] for pk in ids if latest.get(pk)), default=None) for _, _, ids in scopes]
    wanted = {(period, pk) for (_, _, ids), period in zip(scopes, periods, strict=True) if period for pk in ids}
    ratings = _directorate_ratings(wanted)
    summaries = []
    for (kind, obj, ids), period in zip(scopes, periods, strict=True):
        line = rag_summary([rag for pk in ids for rag in ratings.get((period, pk), [])]) if period else "No results yet"
        summaries.append({"kind": kind, "obj": obj, "latest": period, "line": line})
    return summaries


def _directorate_ratings(wanted: set[tuple[date, int]]) -> dict[tuple, list[Rag]]:
    """The ratings of each (period, directorate)'s active KPIs: one query per distinct period."""
    by_period: dict[date, set[int]] = {}
    for period, pk in wanted:
        by_period.setdefault(period, set()).add(pk)
    rated: dict[tuple, list[Rag]] = {item: [] for item in wanted}
    for period, pks in by_period.items():
        for directorate, rag in latest_rags(Indicator.objects.active().filter(directorate__in=pks), period):
            rated[(period, directorate)].append(rag)
    return rated
