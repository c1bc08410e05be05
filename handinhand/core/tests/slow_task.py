"""A job for test_several_servers: writes rows in its transaction, then works on long enough to
be killed in the middle (the worker-killed fault)."""

from __future__ import annotations

import time

from django.db import transaction
from django_tasks import task

from handinhand.core import jobs
from handinhand.core.models import Job

ROWS = 50


@task()
def slow_rows(job_id: int) -> None:
    """Writes ROWS rows in one transaction; the first attempt then waits to be killed, a retry
    completes."""
    job = Job.objects.get(pk=job_id)
    jobs.job_running(job)
    with transaction.atomic():
        Job.objects.bulk_create([Job(kind="half-written") for _ in range(ROWS)])
        if job.attempts == 0:
            time.sleep(120)  # killed here
    jobs.job_finish(job)


def start() -> int:
    with transaction.atomic():
        job = jobs.job_enqueue(actor=None, kind="slow-test", task=slow_rows)
    return int(job.pk)
