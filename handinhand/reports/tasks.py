"""Background work of the annual reports (django-tasks)."""

from __future__ import annotations

from django_tasks import task

# A module import, not a name: services imports this module too, and either may load first.
from handinhand.reports import services


@task()
def generate_reports(job_id: int) -> int:
    """Draft every active group's report for the job's year; returns how many groups."""
    return services.job_run(job_id).total
