"""Celery wrappers: ids in, the document's lifecycle (reports.jobs) around its build, nothing else."""

from celery import shared_task

from reports import jobs
from reports.addenda import ADDENDUM_JOB
from reports.services import PAPER_JOB


@shared_task(**jobs.TASK_OPTIONS)
def paper_generate_task(self, paper_id: int) -> str | None:
    return jobs.run_task(self, PAPER_JOB, paper_id)


@shared_task(**jobs.TASK_OPTIONS)
def addendum_generate_task(self, addendum_id: int) -> str | None:
    return jobs.run_task(self, ADDENDUM_JOB, addendum_id)
