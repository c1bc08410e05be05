"""Background work of evaluations (django-tasks)."""

from __future__ import annotations

from django_tasks import task

# A module import, not a name: services imports this module too, and either may load first.
from handinhand.indicators import services


@task()
def create_cycle_evaluations(job_id: int) -> int:
    """Create every evaluation of a newly opened cycle; returns how many schools."""
    return services.cycle_job_run(job_id).total
