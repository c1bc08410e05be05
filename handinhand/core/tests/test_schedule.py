"""Scheduled jobs (core/schedule.py), the jobs console and the daily reminder digest."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from handinhand.core import schedule as sched
from handinhand.core.inbox import WorkItem, WorkSource, register_work, work_sources
from handinhand.core.models import AuditEvent, Job, JobStatus, ReminderDigest, ScheduleRun
from handinhand.core.reminders import digests_send

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
CALLS: list[dt.date] = []


def _counting(today: dt.date) -> dict[str, Any]:
    CALLS.append(today)
    return {"n": len(CALLS)}


def _raising(today: dt.date) -> dict[str, Any]:
    # Writes, then fails: the write must not stay.
    ScheduleRun.objects.create(schedule="test.half_written", period=today.isoformat())
    raise RuntimeError("计算出错")


@pytest.fixture
def schedule_of() -> Any:
    names: list[str] = []

    def register(name: str, task: Any, at: dt.time = dt.time(1, 0)) -> sched.Schedule:
        names.append(name)
        return sched.register_schedule(name=name, at=at, task=task, label=name)

    yield register
    for name in names:
        sched.unregister_schedule(name)
    CALLS.clear()


def _at(hour: int, day: dt.date = dt.date(2025, 3, 18)) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def test_a_schedule_registered_twice_is_refused(schedule_of):
    schedule_of("test.twice", _counting)
    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        sched.register_schedule(name="test.twice", at=dt.time(3, 0), task=_counting)


def test_the_apps_register_their_schedules():
    names = {s.name for s in sched.schedules()}
    assert {"core.reminder_digest", "meetings.todos", "reports.annual_drafts"} <= names


def test_a_schedule_runs_once_a_day_when_its_time_has_come(
    db, settings, schedule_of, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    schedule_of("test.count", _counting, at=dt.time(5, 0))
    for entry in sched.schedules():  # the apps' own schedules are not under test here
        if entry.name != "test.count":
            ScheduleRun.objects.create(schedule=entry.name, period="2025-03-18")
    assert sched.scheduler_tick(_at(4)) == []
    with django_capture_on_commit_callbacks(execute=True):
        jobs = sched.scheduler_tick(_at(6))
    assert [j.kind for j in jobs] == ["schedule:test.count"]
    assert sched.scheduler_tick(_at(7)) == []
    job = Job.objects.get(kind="schedule:test.count")
    assert (job.status, job.result["n"], CALLS) == (JobStatus.DONE, 1, [dt.date(2025, 3, 18)])
    status = next(s for s in sched.schedule_statuses(_at(8)) if s.schedule.name == "test.count")
    assert status.last_job == job
    assert status.next_run == _at(5, dt.date(2025, 3, 19))


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_start_it_once(schedule_of):
    schedule_of("test.race", _counting)
    entry = sched.get_schedule("test.race")
    assert entry is not None
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def scheduler() -> None:
        try:
            barrier.wait()
            results.append(sched.schedule_start(entry, period="2025-03-18"))
        except Exception as exc:  # a lock timeout is a failed start too, never a second run
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    started = [r for r in results if isinstance(r, Job)]
    assert len(started) == 1, results
    assert ScheduleRun.objects.filter(schedule="test.race").count() == 1
    assert Job.objects.filter(kind="schedule:test.race").count() == 1


def test_a_failing_job_is_failed_with_its_error_retried_and_writes_nothing(
    db, settings, schedule_of, cast, client_for, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    settings.JOBS_MAX_RETRIES = 2
    schedule_of("test.raise", _raising)
    with django_capture_on_commit_callbacks(execute=True):
        job = sched.schedule_run_now(actor=cast.system_admin, name="test.raise")
    job.refresh_from_db()
    # The first run and two automatic retries, each failed; the policy then stops.
    assert (job.status, job.attempts) == (JobStatus.FAILED, 2)
    assert "计算出错" in job.error
    assert not ScheduleRun.objects.filter(schedule="test.half_written").exists()
    page = client_for(cast.system_admin).get(reverse("core:job_console"), {"status": "failed"})
    html = page.content.decode()
    assert page.status_code == 200 and "计算出错" in html and f"job-row-{job.pk}" in html
    # At the limit: the console refuses another retry.
    response = client_for(cast.system_admin).post(reverse("core:job_retry", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.attempts == 2
    assert AuditEvent.objects.filter(object_type="core.job", object_id=str(job.pk)).count() == 1


def test_the_console_retries_a_failed_job_and_runs_a_schedule_now(
    db, settings, schedule_of, cast, client_for, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    schedule_of("test.count", _counting)
    client = client_for(cast.system_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("core:schedule_run", args=["test.count"]))
    assert response.status_code == 302
    job = Job.objects.get(kind="schedule:test.count")
    assert job.status == JobStatus.DONE and len(CALLS) == 1
    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error="x")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("core:job_retry", args=[job.pk])).status_code == 302
    job.refresh_from_db()
    assert (job.status, job.attempts, len(CALLS)) == (JobStatus.DONE, 1, 2)
    actions = AuditEvent.objects.filter(object_type="core.job", object_id=str(job.pk))
    assert actions.count() == 2  # the run by hand, the retry
    html = client.get(reverse("core:job_console")).content.decode()
    assert "test.count" in html and "立即运行" in html


def _owed(user: Any, today: dt.date) -> list[WorkItem]:
    if not user.email:
        return []
    due = today + dt.timedelta(days=3)
    return [WorkItem(source="test.owed", key="1", title="填写自评", url="/x/", due=due)]


@pytest.fixture
def owed_work() -> Any:
    source = register_work(WorkSource(name="test.owed", label="测试", items=_owed))
    yield source
    work_sources._items.pop("test.owed", None)


def test_the_digest_is_sent_once_a_day(cast, settings, mailoutbox, owed_work):
    settings.REMINDER_EMAIL = True
    cast.school_user.email = "school@example.cn"
    cast.school_user.save()
    today = dt.date(2025, 3, 18)
    first = digests_send(today, user_ids=[cast.school_user.pk])
    assert (first["digests"], first["emails"]) == (1, 1)
    assert "填写自评" in mailoutbox[0].body and "剩 3 天" in mailoutbox[0].body
    again = digests_send(today, user_ids=[cast.school_user.pk])
    assert (again["digests"], again["emails"], len(mailoutbox)) == (0, 0, 1)
    assert ReminderDigest.objects.filter(user=cast.school_user, day=today).count() == 1


class BrokenMail:
    def __init__(self, *args: Any, **kwargs: Any) -> None: ...

    def send_messages(self, messages: Any) -> int:
        raise OSError("SMTP 连接失败")


def test_a_failing_mail_server_is_logged_once_and_the_reminder_stands(
    cast, settings, caplog, owed_work
):
    settings.REMINDER_EMAIL = True
    settings.EMAIL_BACKEND = f"{__name__}.BrokenMail"
    for user in (cast.school_user, cast.leader, cast.instructor):
        user.email = f"{user.username}@example.cn"
        user.save()
    with caplog.at_level(logging.ERROR, logger="handinhand.core.reminders"):
        counts = digests_send(dt.date(2025, 3, 18))
    assert (counts["digests"], counts["emails"], counts["email_failures"]) == (3, 0, 1)
    assert len([r for r in caplog.records if "e-mail failed" in r.getMessage()]) == 1
    assert ReminderDigest.objects.filter(day=dt.date(2025, 3, 18), emailed=False).count() == 3


class RecordingGateway:
    sent: list[str] = []

    def send(self, *, user: Any, text: str) -> bool:
        self.sent.append(user.username)
        return True


def test_the_gateway_is_pluggable(cast, settings, owed_work):
    settings.REMINDER_GATEWAY = f"{__name__}.RecordingGateway"
    cast.leader.email = "leader@example.cn"
    cast.leader.save()
    counts = digests_send(dt.date(2025, 3, 18))
    assert counts["messages"] == 1 and RecordingGateway.sent == [cast.leader.username]
    assert ReminderDigest.objects.get(user=cast.leader).messaged


def test_the_scheduler_command_runs_once(db, settings, django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=True):
        call_command("scheduler", "--once")
        call_command("scheduler", "--once")
    today = timezone.localdate().isoformat()
    for run in ScheduleRun.objects.filter(period=today):
        assert ScheduleRun.objects.filter(schedule=run.schedule, period=today).count() == 1
