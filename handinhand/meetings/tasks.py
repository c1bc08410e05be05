"""Background work of the meetings module (django-tasks)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from handinhand.meetings.reminders import run_reminders


@task()
def send_reminders(today: str = "") -> dict[str, int]:
    """The daily reminder job; `today` (ISO date) defaults to the local date of the run."""
    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    return run_reminders(day)
