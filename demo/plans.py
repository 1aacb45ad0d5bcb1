"""The demo's council plan and improvement actions (loaded by `demo.data.load_demo`).

A Kent-like plan, after "Framing Kent's Future 2022–2026": its four priorities, with
objectives that the indicators of both demo directorates support, and an improvement
action on each Red and Amber KPI of November 2019. Due dates count from the day the
demo is loaded, so whenever it is looked at exactly one action is overdue (the
Freedom of Information backlog, due three weeks before the load and still on track).
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from indicators.models import Indicator
from plans.models import Action, ActionNote, Objective, Plan, Priority
from plans.rules import ActionStatus

PLAN = ("Framing Kent's Future 2022–2026", "framing-kents-future")
# (priority, [(objective, [indicator codes])])
PRIORITIES = [
    (
        "Levelling up Kent",
        [
            ("Residents reach the council easily and are helped first time", ["CS01", "CS02", "CS03", "CS04", "CS05"]),
            ("Decisions are open and information requests answered on time", ["GL01", "GL02", "GL03", "GL04"]),
        ],
    ),
    (
        "Infrastructure for communities",
        [
            ("Roads, streetlights and paths are safe and repaired quickly", ["GT01", "GT02", "GT06", "GT09"]),
            ("Planning decisions support growth", ["GT04", "GT07"]),
        ],
    ),
    (
        "Environmental step change",
        [("Less waste, more of it recycled", ["GT03", "GT05", "GT08"])],
    ),
    (
        "New models of care and support: a well-run council behind them",
        [
            ("Staff have the ICT they need, when they need it", ["ICT01", "ICT02", "ICT03", "ICT04", "ICT05", "ICT06"]),
            ("A skilled, healthy and stable workforce", ["HR01", "HR02", "HR03", "HR04", "HR05", "HR06"]),
            ("Sound finances: suppliers, pensioners and staff paid on time", ["FN01", "FN02", "FN03", "FN04", "FN07"]),
        ],
    ),
]
# (title, owner, status, days from the load to the due date, indicator codes, note)
ACTIONS = [
    (
        "Call back every customer who rates the help desk poorly within two working days",
        "owner",
        ActionStatus.ON_TRACK,
        42,
        ["ICT02"],
        "Call-backs started on 2 December; 41 of 44 made within two days so far.",
    ),
    (
        "Clear the backlog of retirement paperwork awaiting checks",
        "owner2",
        ActionStatus.AT_RISK,
        35,
        ["FN02"],
        "Two of the three temporary staff have started; the third starts in January.",
    ),
    (
        "Bring in two temporary officers to clear the Freedom of Information backlog",
        "owner2",
        ActionStatus.ON_TRACK,
        -21,
        ["GL02"],
        "",
    ),
    (
        "Return-to-work interviews within three days of every absence",
        "owner2",
        ActionStatus.ON_TRACK,
        70,
        ["HR02"],
        "Managers briefed at the November leadership forum.",
    ),
    ("Replace the streetlight units with the most repeat faults", "owner2", ActionStatus.NOT_STARTED, 84, ["GT02"], ""),
    (
        "Recycling campaign with the district councils",
        "owner2",
        ActionStatus.ON_TRACK,
        56,
        ["GT03", "GT05"],
        "Leaflets agreed with the districts; delivery from January.",
    ),
]


def load_plans(users: dict) -> None:
    """Create or refresh the plan and the actions; running it again changes nothing (on the same day)."""
    plan, _ = Plan.objects.update_or_create(
        slug=PLAN[1],
        defaults={"name": PLAN[0], "description": "The council's strategic statement: its four priorities."},
    )
    indicators = Indicator.objects.in_bulk(field_name="code")
    objectives_by_code: dict[str, Objective] = {}
    for number, (title, objectives) in enumerate(PRIORITIES, start=1):
        priority, _ = Priority.objects.update_or_create(plan=plan, number=number, defaults={"title": title})
        for sub, (objective_title, codes) in enumerate(objectives, start=1):
            objective, _ = Objective.objects.update_or_create(
                priority=priority, number=sub, defaults={"title": objective_title}
            )
            objective.indicators.set([indicators[code] for code in codes])
            objectives_by_code.update(dict.fromkeys(codes, objective))
    today = timezone.localdate()
    for title, owner, status, days, codes, note in ACTIONS:
        action, created = Action.objects.update_or_create(
            title=title,
            defaults={
                "owner": users[owner],
                "status": status,
                "due": today + timedelta(days=days),
                "created_by": users[owner],
                "description": f"What is being done about {', '.join(codes)}.",
            },
        )
        action.indicators.set([indicators[code] for code in codes])
        action.objectives.set({objectives_by_code[code] for code in codes if code in objectives_by_code})
        if note and created:
            ActionNote.objects.create(action=action, text=note, author=users[owner])
