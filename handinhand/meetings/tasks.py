"""Background work of the meetings module (django-tasks)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task


@task()
def send_reminders(today: str = "") -> dict[str, int]:
    """The daily reminder job; `today` (ISO date) defaults to the local date of the run."""
    from django.utils import timezone

    from handinhand.meetings.reminders import run_reminders

    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    return run_reminders(day)
