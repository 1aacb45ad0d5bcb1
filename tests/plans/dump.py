"""The council plan, its actions and their notes as plain values, to compare before and after an
import or a site restore: each row by its natural keys (actions keep their ids), so it reads the
same in a site restored elsewhere."""

from __future__ import annotations

from plans.models import Action, ActionNote, Objective, Plan, Priority


def plan_dump() -> dict[str, list]:
    return {
        "plans": sorted(Plan.objects.values_list("slug", "name", "description")),
        "priorities": sorted(Priority.objects.values_list("plan__slug", "number", "title", "description")),
        "objectives": sorted(
            (
                o.priority.plan.slug,
                o.priority.number,
                o.number,
                o.title,
                tuple(sorted(i.code for i in o.indicators.all())),
            )
            for o in Objective.objects.select_related("priority__plan").prefetch_related("indicators")
        ),
        "actions": sorted(
            (a.pk, a.title, a.description, a.owner.username, a.due, a.status, a.source, a.resolution)
            + (tuple(sorted(i.code for i in a.indicators.all())),)
            + (tuple(sorted((o.priority.plan.slug, o.priority.number, o.number) for o in a.objectives.all())),)
            for a in Action.objects.select_related("owner", "source_committee").prefetch_related(
                "indicators", "objectives__priority__plan"
            )
        ),
        "notes": sorted(
            (n.action_id, n.author.username if n.author else None, n.created_at, n.text)
            for n in ActionNote.objects.select_related("author")
        ),
    }
