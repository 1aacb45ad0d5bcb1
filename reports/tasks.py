"""Celery wrappers: ids in, service call, nothing else."""

from celery import shared_task
from django.conf import settings
from kombu.exceptions import OperationalError as BrokerError

from reports.addenda import addendum_generate, addendum_is_running
from reports.services import TRANSIENT_ERRORS, paper_generate, paper_is_running


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(*TRANSIENT_ERRORS, BrokerError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
    soft_time_limit=settings.KPIDASH_PAPER_SOFT_TIME_LIMIT,
    time_limit=settings.KPIDASH_PAPER_TIME_LIMIT,
)
def paper_generate_task(self, paper_id: int) -> str | None:
    paper = paper_generate(paper_id=paper_id)
    if paper is None and paper_is_running(paper_id=paper_id):
        # Redelivered while another worker has it: look again once that worker's
        # hard limit has passed, when a killed worker's row becomes claimable.
        raise self.retry(countdown=settings.KPIDASH_PAPER_TIME_LIMIT + 5)
    return paper.status if paper else None


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(*TRANSIENT_ERRORS, BrokerError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
    soft_time_limit=settings.KPIDASH_PAPER_SOFT_TIME_LIMIT,
    time_limit=settings.KPIDASH_PAPER_TIME_LIMIT,
)
def addendum_generate_task(self, addendum_id: int) -> str | None:
    addendum = addendum_generate(addendum_id=addendum_id)
    if addendum is None and addendum_is_running(addendum_id=addendum_id):
        raise self.retry(countdown=settings.KPIDASH_PAPER_TIME_LIMIT + 5)
    return addendum.status if addendum else None
