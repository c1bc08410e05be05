"""The one background-job service: enqueue, report progress, finish or fail (issue 8 item 2).

django-tasks runs the work; a `Job` row (core.models) carries its state for the page, which
polls `/jobs/<id>/` (core/job_progress.html) until the job is done or failed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar, overload

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from handinhand.core import audit
from handinhand.core.models import Job, JobStatus
from handinhand.core.users import AnyUser

J = TypeVar("J", bound=Job)


@overload
def job_enqueue(
    *,
    actor: AnyUser | None,
    kind: str,
    task: Any = None,
    total: int = 0,
    params: dict[str, Any] | None = None,
) -> Job: ...


@overload
def job_enqueue(
    *,
    actor: AnyUser | None,
    model: type[J],
    kind: str = "",
    task: Any = None,
    total: int = 0,
    params: dict[str, Any] | None = None,
) -> J: ...


def job_enqueue(
    *,
    actor: AnyUser | None,
    kind: str = "",
    task: Any = None,
    total: int = 0,
    params: dict[str, Any] | None = None,
    model: type[Job] = Job,
) -> Job:
    """Record a queued job and hand it to `task` (a django-tasks task taking the job's id) once
    the surrounding transaction commits."""
    # core names no domain app, so the actor is Django's base user, not accounts.User.
    job = model(kind=kind or model.KIND, total=total, params=params or {})
    # An anonymous user has no pk: the job is then nobody's, like a scheduled one.
    job.created_by_id = getattr(actor, "pk", None)
    job.task_path = getattr(task, "module_path", "")
    job.save(force_insert=True)
    if task is not None:
        transaction.on_commit(lambda: task.enqueue(job.pk))
    return job


def job_running(job: Job, *, total: int | None = None) -> None:
    job.status, job.started_at, job.done, job.error = JobStatus.RUNNING, timezone.now(), 0, ""
    fields = ["status", "started_at", "done", "error"]
    if total is not None:
        job.total = total
        fields.append("total")
    Job.objects.filter(pk=job.pk).update(**{f: getattr(job, f) for f in fields})


def job_progress(job: Job, done: int, total: int | None = None) -> None:
    """Record progress (one UPDATE; safe inside the worker's own transactions)."""
    job.done = done
    changes: dict[str, Any] = {"done": done}
    if total is not None:
        job.total = changes["total"] = total
    Job.objects.filter(pk=job.pk).update(**changes)


def job_finish(job: Job, *, result: dict[str, Any] | None = None, message: str = "") -> None:
    job.status, job.finished_at = JobStatus.DONE, timezone.now()
    job.done = max(job.done, job.total)
    job.result = {**job.result, **(result or {})}
    job.message = message or job.message
    Job.objects.filter(pk=job.pk).update(
        status=job.status,
        finished_at=job.finished_at,
        done=job.done,
        result=job.result,
        message=job.message,
    )


def job_fail(job: Job, error: BaseException | str) -> None:
    """Mark the job failed; the page shows why instead of a bar that never moves."""
    job.status, job.finished_at, job.error = JobStatus.FAILED, timezone.now(), str(error)[:2000]
    Job.objects.filter(pk=job.pk).update(
        status=job.status, finished_at=job.finished_at, error=job.error
    )


def max_retries() -> int:
    """How many times a failed job is retried (automatically for scheduled jobs, by hand from
    the jobs console for the others): settings.JOBS_MAX_RETRIES, 3 by default."""
    return int(getattr(settings, "JOBS_MAX_RETRIES", 3))


def can_retry(job: Job) -> bool:
    return job.status == JobStatus.FAILED and bool(job.task_path) and job.attempts < max_retries()


def job_requeue(job: Job, *, delay: dt.timedelta | None = None) -> None:
    """Put a failed job back in the queue (attempts + 1); the error stays until it runs again."""
    job.status, job.done, job.attempts = JobStatus.QUEUED, 0, job.attempts + 1
    Job.objects.filter(pk=job.pk).update(status=job.status, done=0, attempts=job.attempts)
    task = import_string(job.task_path)
    if delay is not None and task.get_backend().supports_defer:
        task = task.using(run_after=timezone.now() + delay)
    transaction.on_commit(lambda: task.enqueue(job.pk))


def job_retry(*, actor: AnyUser, job: Job) -> Job:
    """Retry a failed job from the jobs console, within the retry policy; audited."""
    with transaction.atomic():
        current: Job = Job.objects.select_for_update().get(pk=job.pk)
        if current.status != JobStatus.FAILED:
            raise ValidationError(_("只能重试失败的任务"))
        if not current.task_path:
            raise ValidationError(_("该任务无法重试"))
        if current.attempts >= max_retries():
            raise ValidationError(_("已重试 %(n)s 次，达到上限") % {"n": current.attempts})
        job_requeue(current)
        audit.record(
            actor=actor,
            action="update",
            instance=current,
            changes={
                "status": [JobStatus.FAILED, JobStatus.QUEUED],
                "attempts": [current.attempts - 1, current.attempts],
            },
        )
    return current
