"""Who returned a record, when and why (issue 14, point 4): read from the audit log, where
every service's write of a `return_reason` is kept, so no app needs a `returned_by` column."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models

from handinhand.core.models import AuditEvent


@dataclass(frozen=True)
class LatestReturn:
    reason: str
    by: str
    at: dt.datetime


def latest_return(instance: models.Model, field: str = "return_reason") -> LatestReturn | None:
    """The last audited write that set a non-empty `field` on this record (a submit that clears
    the reason is skipped, so the reason stays explained after a resubmission). One query on
    the (object_type, object_id) index. The caller has already scoped the record."""
    if instance.pk is None:
        return None
    events = (
        AuditEvent.objects.filter(
            object_type=instance._meta.label_lower,
            object_id=str(instance.pk),
            changes__has_key=field,
        )
        .select_related("actor")
        .order_by("-at", "-id")[:20]
    )
    for event in events:
        value = event.changes.get(field)
        reason = value[1] if isinstance(value, list) and len(value) == 2 else None
        if reason:
            by = str(event.actor) if event.actor is not None else event.actor_name
            return LatestReturn(reason=str(reason), by=by, at=event.at)
    return None
