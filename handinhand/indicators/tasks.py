"""Background work of evaluations (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def create_cycle_evaluations(job_id: int) -> int:
    """Create every evaluation of a newly opened cycle; returns how many schools."""
    from handinhand.indicators.services import cycle_job_run

    return cycle_job_run(job_id).total
