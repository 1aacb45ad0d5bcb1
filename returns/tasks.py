from datetime import date

from celery import shared_task
from django.utils import timezone

from returns.reminders import reminders_send


@shared_task
def send_reminders(today: str | None = None) -> dict[str, int]:
    """Daily (see CELERY_BEAT_SCHEDULE): reminders before the deadline, escalation after.

    `today` (ISO date) is for tests and re-runs; the schedule leaves it out.
    """
    day = date.fromisoformat(today) if today else timezone.localdate()
    report = reminders_send(today=day)
    return {"reminded": len(report.reminded), "escalated": len(report.escalated)}
