"""The letters run as a shared core.Job of kind incentives.letters (issue 12), and the old
LetterJob rows move onto core.Job when the migration runs."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from handinhand.core.models import Job, JobStatus
from handinhand.incentives import services
from handinhand.incentives.models import LetterJob
from handinhand.incentives.tests.factories import final_year


def test_letters_job_is_a_core_job(cast, client, django_capture_on_commit_callbacks):
    year = final_year(cast)
    with django_capture_on_commit_callbacks() as callbacks:
        job = services.letters_start(actor=cast.province_admin, year=year)
    assert len(callbacks) == 1  # handed to the task once the transaction commits
    row = Job.objects.get(pk=job.pk)
    assert (row.kind, row.params, row.status) == ("incentives.letters", {"year": year.pk}, "queued")
    assert row.task_path == "handinhand.incentives.tasks.generate_letters"
    assert row.created_by == cast.province_admin
    job = services.letters_run(job.pk)
    assert job.status == JobStatus.DONE and job.percent == 100 and job.seconds is not None
    assert LetterJob.objects.filter(pk=job.pk).exists()
    assert not LetterJob.objects.exclude(kind=LetterJob.KIND).exists()

    client.force_login(cast.province_admin)
    page = client.get(reverse("incentives:job_detail", args=[job.pk]))
    assert 'class="hh-job"' in page.content.decode()  # the shared core/job_progress.html
    assert "已生成通知书" in page.content.decode()
    fragment = client.get(reverse("incentives:job_detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode() and "hh-job" in fragment.content.decode()
    year_page = client.get(reverse("incentives:year_detail", args=[year.pk]))
    assert reverse("incentives:job_detail", args=[job.pk]) in year_page.content.decode()


def test_failed_run_is_recorded_on_the_job(cast, monkeypatch):
    year = final_year(cast)
    job = services.letters_start(actor=cast.province_admin, year=year)

    def boom(*args, **kwargs):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(services, "_write", boom)
    with pytest.raises(RuntimeError):
        services.letters_run(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "磁盘已满" in job.error


@pytest.mark.django_db(transaction=True)
def test_migration_moves_letter_jobs_onto_core_job(cast):
    year = final_year(cast)
    executor = MigrationExecutor(connection)
    before, after = [("incentives", "0001_initial")], [("incentives", "0002_shared_job")]
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    OldJob = old_apps.get_model("incentives", "LetterJob")
    old = OldJob.objects.create(
        year_id=year.pk,
        status="done",
        total=7,
        done=7,
        seconds=1.5,
        started_by_id=cast.province_admin.pk,
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    moved = LetterJob.objects.get()
    assert (moved.status, moved.total, moved.done, moved.seconds) == ("done", 7, 7, 1.5)
    assert moved.year == year and moved.created_by_id == cast.province_admin.pk
    assert moved.created_at == old.created_at
    assert "incentives_letterjob" not in connection.introspection.table_names()
