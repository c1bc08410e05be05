"""The one background-job service: enqueue, report progress, finish or fail (issue 8 item 2).

django-tasks runs the work; a `Job` row (core.models) carries its state for the page, which
polls `/jobs/<id>/` (core/job_progress.html) until the job is done or failed.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from typing import Any, TypeVar, overload

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from handinhand.core import audit
from handinhand.core.models import Job, JobStatus
from handinhand.core.users import AnyUser

J = TypeVar("J", bound=Job)
log = logging.getLogger(__name__)


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
    _heartbeat_start(job.pk)


# --- workers that die mid-job (issue 15 point 8) -----------------------------------------------
# With workers on several machines (REDIS_URL), a worker killed in the middle of a job leaves
# its Job row RUNNING for ever, and the page polls a bar that never moves. While a job runs, a
# thread of its worker renews a key in Redis every HEARTBEAT_SECONDS; the active scheduler
# (reap_abandoned, each tick) marks a RUNNING job whose key has lapsed as failed and queues it
# again within the retry policy. The job's own writes are one transaction, which the database
# rolled back when the worker's connection died; its file is attached only by job_finish, so
# nothing half-written is offered. Without Redis (one machine, db_worker) there is no reaper.
ABANDONED_AFTER = float(getattr(settings, "JOBS_ABANDONED_AFTER", 45))
# At least three beats within the key's life: one late beat does not fail a living job.
HEARTBEAT_SECONDS = min(float(getattr(settings, "JOBS_HEARTBEAT_SECONDS", 10)), ABANDONED_AFTER / 3)
_beats: dict[int, threading.Event] = {}


def _shared_cache() -> Any:
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    cache = caches["default"]
    return cache if isinstance(cache, RedisCache) else None


def _alive_key(job_id: int) -> str:
    return f"job-alive:{job_id}"


def _heartbeat_start(job_id: int) -> None:
    cache = _shared_cache()
    if cache is None:
        return
    cache.set(_alive_key(job_id), _worker_name(), ABANDONED_AFTER)
    stop = _beats[job_id] = threading.Event()

    def beat() -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            try:
                cache.set(_alive_key(job_id), _worker_name(), ABANDONED_AFTER)
            except Exception:  # a lost beat is retried; the reaper allows several
                log.warning("job %s heartbeat not written", job_id, exc_info=True)

    threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True).start()


def _heartbeat_stop(job_id: int) -> None:
    stop = _beats.pop(job_id, None)
    if stop is not None:
        stop.set()
        cache = _shared_cache()
        if cache is not None:
            cache.delete(_alive_key(job_id))


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


ABANDONED_MESSAGE = _lazy(
    "执行该任务的后台进程已中断：任务未完成，未生成文件，已写入的数据已全部回滚。"
)


def reap_abandoned() -> list[Job]:
    """Fail (and, within the retry policy, requeue) RUNNING jobs whose worker stopped beating."""
    cache = _shared_cache()
    if cache is None:
        return []
    since = timezone.now() - dt.timedelta(seconds=ABANDONED_AFTER)
    reaped: list[Job] = []
    for job in Job.objects.filter(status=JobStatus.RUNNING, started_at__lt=since):
        if cache.get(_alive_key(job.pk)) is not None:
            continue
        with transaction.atomic():
            current = Job.objects.select_for_update().get(pk=job.pk)
            if current.status != JobStatus.RUNNING:
                continue
            log.error("job %s (%s): its worker stopped; marked failed", current.pk, current.kind)
            job_fail(current, str(ABANDONED_MESSAGE))
            if can_retry(current):
                job_requeue(current)
        reaped.append(current)
    return reaped


def job_progress(job: Job, done: int, total: int | None = None) -> None:
    """Record progress (one UPDATE; safe inside the worker's own transactions)."""
    job.done = done
    changes: dict[str, Any] = {"done": done}
    if total is not None:
        job.total = changes["total"] = total
    Job.objects.filter(pk=job.pk).update(**changes)


def job_finish(job: Job, *, result: dict[str, Any] | None = None, message: str = "") -> None:
    _heartbeat_stop(job.pk)
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
    _heartbeat_stop(job.pk)
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
