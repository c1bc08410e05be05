"""Background work of the assessment (django-tasks); the letters' progress is kept on their
LetterJob, a core.Job of kind incentives.letters."""

from __future__ import annotations

from django_tasks import task


@task()
def generate_letters(job_id: int) -> int:
    """Write every notice letter of the job's year; returns how many."""
    from handinhand.incentives.services import letters_run

    return letters_run(job_id).total
