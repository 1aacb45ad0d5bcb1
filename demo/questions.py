"""The demo's members' questions (loaded by `demo.data.load_demo`).

Policy and Resources Cabinet Committee meets on 21 January 2020 to receive the
Performance Dashboard up to November 2019; two councillors asked about its Red and
an Amber KPI, the owners answered and the performance team approved the answers, and
the committee resolved that officers report back on the help desk (tracked as an
action with the meeting as its source, due like the plan's actions from the day of
the load, so never overdue). No response sheet is published: the clerk publishes it from
the meeting page.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.utils import timezone

from indicators.models import CommentaryStatus, Committee, Indicator
from plans.models import Action
from questions.models import Answer, Meeting, Question

MEETING_DATE = date(2020, 1, 21)
PERIOD = date(2019, 11, 1)
# (indicator, member, question, answering user, answer)
QUESTIONS = [
    (
        "ICT02",
        "Cllr Margaret Hollis",
        "The help desk's positive feedback rating is Red and below its floor. What is being done, and when "
        "will it recover?",
        "owner",
        "The fall followed the move to the new service desk tool in the autumn, when calls took longer to "
        "resolve. Since 2 December every customer who rates the help desk poorly is called back within two "
        "working days, and the extra staff brought in for the tool's first months stay until March. We "
        "expect the rating to be back above the floor standard by the end of the financial year.",
    ),
    (
        "FN02",
        "Cllr David Okafor",
        "Fewer retirement benefits are being paid within 20 working days than the target. How many retiring "
        "staff waited longer, and what is being done?",
        "owner2",
        "Most of those that took longer in November were waiting for a final salary figure from a school "
        "payroll provider. Those providers now send the figure with the leaving date, and a second pensions "
        "officer checks every case at 15 days so that none is missed.",
    ),
]
RESOLUTION = (
    "Officers to report back to the committee on the ICT help desk's positive feedback rating at its March meeting.",
    "Report back to the committee on the help desk's feedback rating",
)


def load_questions(users: dict) -> None:
    """Create or refresh the meeting, its questions and approved answers, and the resolution; idempotent."""
    committee = Committee.objects.get(slug="policy-and-resources")
    meeting, _ = Meeting.objects.update_or_create(
        committee=committee, date=MEETING_DATE, defaults={"period": PERIOD, "created_by": users["clerk"]}
    )
    approved_at = datetime(2020, 1, 14, 10, 0, tzinfo=UTC)
    for code, member, text, answerer, answer_text in QUESTIONS:
        question, _ = Question.objects.update_or_create(
            meeting=meeting,
            indicator=Indicator.objects.get(code=code),
            member_name=member,
            defaults={"text": text, "recorded_by": users["clerk"]},
        )
        Answer.objects.update_or_create(
            question=question,
            defaults={
                "text": answer_text,
                "status": CommentaryStatus.APPROVED,
                "answered_by": users[answerer],
                "submitted_at": approved_at - timedelta(days=2),
                "approver": users["performance"],
                "approved_at": approved_at,
            },
        )
    resolution, title = RESOLUTION
    action, _ = Action.objects.update_or_create(
        title=title,
        defaults={
            "owner": users["owner"],
            "due": timezone.localdate() + timedelta(days=98),
            "created_by": users["clerk"],
            "description": "The committee's resolution of 21 January 2020.",
            "source_committee": committee,
            "source_meeting": MEETING_DATE,
            "resolution": resolution,
        },
    )
    action.indicators.set([Indicator.objects.get(code="ICT02")])
