"""The one background-job model and its progress display."""

from __future__ import annotations

from django.urls import reverse

from handinhand.core.jobs import job_enqueue, job_fail, job_finish, job_progress, job_running
from handinhand.core.models import Job, JobStatus


def test_job_lifecycle(cast):
    job = job_enqueue(actor=cast.leader, kind="test.export", total=4, params={"year": 2025})
    assert (job.status, job.percent, job.is_finished) == (JobStatus.QUEUED, 0, False)
    job_running(job)
    job_progress(job, 2)
    job.refresh_from_db()
    assert (job.status, job.done, job.percent) == (JobStatus.RUNNING, 2, 50)
    assert job.started_at is not None
    job_finish(job, result={"rows": 4}, message="已导出 4 行")
    job.refresh_from_db()
    assert (job.status, job.percent, job.result, job.message) == (
        JobStatus.DONE,
        100,
        {"rows": 4},
        "已导出 4 行",
    )
    other = job_enqueue(actor=cast.leader, kind="test.export")
    job_fail(other, ValueError("坏了"))
    other.refresh_from_db()
    assert (other.status, other.error, other.is_finished) == (JobStatus.FAILED, "坏了", True)


def test_progress_page_is_the_creators_and_the_province_admins(cast, client_for):
    job = job_enqueue(actor=cast.leader, kind="test.export", total=10)
    url = reverse("core:job_detail", args=[job.pk])
    for user in (cast.leader, cast.province_admin):
        response = client_for(user).get(url)
        assert response.status_code == 200
        assert 'hx-trigger="every 1s"' in response.content.decode()
    for user in (cast.instructor, cast.outsider, cast.city_user):
        assert client_for(user).get(url).status_code == 404
    assert set(Job.objects.visible_to(cast.instructor)) == set()
    job_finish(job)
    fragment = client_for(cast.leader).get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and "已完成" in fragment and "every 1s" not in fragment
