"""Background work of the annual reports (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def generate_reports(job_id: int) -> int:
    """Draft every active group's report for the job's year; returns how many groups."""
    from handinhand.reports.services import job_run

    return job_run(job_id).total
