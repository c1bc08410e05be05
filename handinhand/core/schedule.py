"""定时任务: the one place where scheduled jobs are defined (issue 10 item 5).

An app registers its daily work from its AppConfig.ready(), in one line::

    from datetime import time
    from handinhand.core.schedule import register_schedule

    register_schedule(name="dashboard.aggregates", at=time(2, 0), task=refresh_aggregates,
                      label=_("驾驶舱预汇总"))

`task` is a plain function taking the programme's day (`datetime.date`) and returning a small
dict of counts (it becomes the job's result). It runs inside one transaction in the worker: if
it raises, nothing it wrote stays, the job is marked failed with the error and retried up to
`settings.JOBS_MAX_RETRIES` times. `months=(1,)` limits a schedule to some months.

`manage.py scheduler` (run by `manage.py serve` and the systemd unit) looks every half minute
for schedules whose time has come today and starts each one once per day: a `ScheduleRun` row
unique per (schedule, day) is the lock, so several scheduler processes on several machines
still start it once. Each run enqueues a `core.Job`, which the jobs console (/jobs/console/)
lists. Registering a name twice is a configuration error at start-up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from handinhand.core.models import Job
    from handinhand.core.users import AnyUser
else:
    StrOrPromise = str

ScheduledTask = Callable[[dt.date], "dict[str, Any] | None"]
KIND_PREFIX = "schedule:"


@dataclass(frozen=True)
class Schedule:
    name: str  # "<app>.<what>", unique
    at: dt.time  # local time (Asia/Shanghai) of the daily run
    task: ScheduledTask
    label: StrOrPromise = ""
    months: tuple[int, ...] = ()  # empty: every month

    @property
    def kind(self) -> str:
        return f"{KIND_PREFIX}{self.name}"

    def runs_on(self, day: dt.date) -> bool:
        return not self.months or day.month in self.months

    def next_run(self, now: dt.datetime, *, ran_today: bool) -> dt.datetime:
        """The next local moment this schedule will start (from `now`, an aware datetime)."""
        local = timezone.localtime(now)
        day = local.date()
        if ran_today:
            day += dt.timedelta(days=1)
        for _ in range(400):  # a month filter skips at most a year
            if self.runs_on(day):
                break
            day += dt.timedelta(days=1)
        moment = dt.datetime.combine(day, self.at)
        return timezone.make_aware(moment, timezone.get_current_timezone())


_schedules: dict[str, Schedule] = {}


def register_schedule(
    *,
    name: str,
    at: dt.time,
    task: ScheduledTask,
    label: StrOrPromise = "",
    months: Iterable[int] = (),
) -> Schedule:
    """Define a scheduled job; a name registered twice is refused (two apps would otherwise
    silently replace each other's job)."""
    if name in _schedules:
        raise ImproperlyConfigured(f"schedule {name!r} is registered twice")
    schedule = Schedule(name=name, at=at, task=task, label=label or name, months=tuple(months))
    _schedules[name] = schedule
    return schedule


def unregister_schedule(name: str) -> None:
    """For tests that register a schedule of their own."""
    _schedules.pop(name, None)


def schedules() -> list[Schedule]:
    return sorted(_schedules.values(), key=lambda s: (s.at, s.name))


def get_schedule(name: str) -> Schedule | None:
    return _schedules.get(name)


def schedule_start(
    schedule: Schedule,
    *,
    period: str,
    actor: AnyUser | None = None,
    today: dt.date | None = None,
) -> Job | None:
    """Start one run of `schedule` for `period`: the ScheduleRun row and the queued Job in one
    transaction. None when another process already started this period (the lock)."""
    # A module import, not a name: core.tasks imports this module too.
    from handinhand.core import tasks
    from handinhand.core.jobs import job_enqueue
    from handinhand.core.models import ScheduleRun

    day = today or timezone.localdate()
    try:
        with transaction.atomic():
            run = ScheduleRun.objects.create(schedule=schedule.name, period=period)
            job = job_enqueue(
                actor=actor,
                kind=schedule.kind,
                task=tasks.run_schedule,
                params={"schedule": schedule.name, "day": day.isoformat(), "period": period},
            )
            ScheduleRun.objects.filter(pk=run.pk).update(job=job)
    except IntegrityError:
        return None
    return job


def scheduler_tick(now: dt.datetime | None = None) -> list[Job]:
    """Start every schedule whose time has come today and that no process has started yet."""
    # Imported here: apps.py files import this module before the models are ready.
    from handinhand.core.models import ScheduleRun

    local = timezone.localtime(now or timezone.now())
    day = local.date()
    due = [s for s in schedules() if s.runs_on(day) and local.time() >= s.at]
    if not due:
        return []
    started = set(
        ScheduleRun.objects.filter(
            schedule__in=[s.name for s in due], period=day.isoformat()
        ).values_list("schedule", flat=True)
    )
    jobs = []
    for schedule in due:
        if schedule.name in started:
            continue
        job = schedule_start(schedule, period=day.isoformat(), today=day)
        if job is not None:
            jobs.append(job)
    return jobs


def schedule_run_now(*, actor: AnyUser, name: str) -> Job:
    """运行一次: start a schedule by hand from the jobs console (not counted as the day's run,
    so the scheduled one still happens); audited."""
    from handinhand.core import audit

    entry = get_schedule(name)
    if entry is None:
        raise LookupError(name)
    period = f"manual:{timezone.now():%Y%m%d%H%M%S%f}"
    with transaction.atomic():
        job = schedule_start(entry, period=period, actor=actor)
        if job is None:  # the same microsecond twice: nothing to do
            raise IntegrityError(period)
        audit.record(
            actor=actor,
            action="create",
            instance=job,
            changes={"schedule": [None, name], "period": [None, period]},
        )
    return job


@dataclass(frozen=True)
class ScheduleStatus:
    schedule: Schedule
    last_job: Job | None
    last_started: dt.datetime | None
    next_run: dt.datetime


def schedule_statuses(now: dt.datetime | None = None) -> list[ScheduleStatus]:
    """Each schedule with its last run (and that run's job) and its next run: two queries."""
    from handinhand.core.models import ScheduleRun

    now = now or timezone.now()
    today = timezone.localtime(now).date().isoformat()
    entries = schedules()
    names = [s.name for s in entries]
    runs = ScheduleRun.objects.filter(schedule__in=names)
    last_ids = runs.values("schedule").annotate(last=Max("id")).values_list("last", flat=True)
    last = {
        r.schedule: r
        for r in ScheduleRun.objects.filter(pk__in=list(last_ids)).select_related("job")
    }
    ran_today = set(runs.filter(period=today).values_list("schedule", flat=True))
    return [
        ScheduleStatus(
            schedule=s,
            last_job=last[s.name].job if s.name in last else None,
            last_started=last[s.name].created_at if s.name in last else None,
            next_run=s.next_run(now, ran_today=s.name in ran_today),
        )
        for s in entries
    ]
