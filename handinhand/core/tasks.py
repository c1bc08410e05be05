"""Background work of core (django-tasks): the run of a scheduled job (core/schedule.py)."""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from django.db import transaction
from django_tasks import task

from handinhand.core import jobs, schedule
from handinhand.core.models import Job

log = logging.getLogger(__name__)


@task()
def run_schedule(job_id: int) -> dict[str, Any]:
    """Run the scheduled function named in the job, in one transaction: a failure leaves nothing
    half-written, marks the job failed with the error and queues a retry within the policy."""
    job = Job.objects.get(pk=job_id)
    entry = schedule.get_schedule(str(job.params.get("schedule", "")))
    day = dt.date.fromisoformat(str(job.params["day"]))
    jobs.job_running(job)
    started = time.perf_counter()
    try:
        if entry is None:
            raise LookupError(f"no schedule named {job.params.get('schedule')!r}")
        with transaction.atomic():
            result = entry.task(day) or {}
    except Exception as exc:
        log.exception("scheduled job %s failed", job.kind)
        jobs.job_fail(job, exc)
        if jobs.can_retry(job):
            jobs.job_requeue(job, delay=dt.timedelta(minutes=5 * (job.attempts + 1)))
        return {"error": str(exc)}
    result = {**result, "seconds": round(time.perf_counter() - started, 2)}
    jobs.job_finish(job, result=result)
    return result


@task()
def run_export(job_id: int) -> dict[str, Any]:
    """A big list's .xlsx export (core.exports.export_run); a failure marks the job failed and
    leaves no file on it."""
    from handinhand.core.exports import export_run

    job = Job.objects.select_related("created_by").get(pk=job_id)
    try:
        export_run(job)
    except Exception as exc:
        log.exception("export job %s failed", job.pk)
        jobs.job_fail(job, exc)
        return {"error": str(exc)}
    return dict(job.result)
