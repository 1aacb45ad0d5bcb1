from celery import shared_task
from django.utils import timezone

from returns.reminders import reminders_send


@shared_task
def send_reminders() -> dict[str, int]:
    """Daily (see CELERY_BEAT_SCHEDULE): reminders before the deadline, escalation after."""
    report = reminders_send(today=timezone.localdate())
    return {"reminded": len(report.reminded), "escalated": len(report.escalated)}
