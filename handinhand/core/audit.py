"""Writing the audit log. Services call these inside their own transaction."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import models

from handinhand.core.models import AuditAction, AuditEvent
from handinhand.core.request_context import request_ip
from handinhand.core.users import AnyUser


def audit_value(instance: models.Model, field: models.Field[Any, Any]) -> Any:
    """A JSON-safe, human-readable value of one field, as the audit log keeps it."""
    if isinstance(field, models.ForeignKey):
        related_id = getattr(instance, field.attname)
        if related_id is None:
            return None
        return f"{getattr(instance, field.name)} (#{related_id})"
    value = getattr(instance, field.attname)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if field.choices and value not in (None, ""):
        return f"{dict(field.flatchoices).get(value, value)}"
    return value


def audited_fields(instance: models.Model) -> list[models.Field[Any, Any]]:
    skip = {"id", "created_at", "updated_at", "version", "password", "last_login"}
    return [
        f
        for f in instance._meta.concrete_fields
        if f.name not in skip and not getattr(f, "primary_key", False)
    ]


def snapshot(instance: models.Model) -> dict[str, Any]:
    return {f.name: audit_value(instance, f) for f in audited_fields(instance)}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        name: [before.get(name), value]
        for name, value in after.items()
        if before.get(name) != value
    }


def _object_type(instance: models.Model) -> str:
    return instance._meta.label_lower


def record(
    *,
    actor: AnyUser | None,
    action: str,
    instance: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    actor_name: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        **_event_fields(
            actor=actor,
            action=action,
            instance=instance,
            changes=changes,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr,
            actor_name=actor_name,
        )
    )


def record_many(
    *, actor: AnyUser | None, action: str, items: Iterable[tuple[models.Model, dict[str, Any]]]
) -> int:
    """One bulk insert for the events of a bulk write (an import of thousands of rows)."""
    events = [
        AuditEvent(**_event_fields(actor=actor, action=action, instance=obj, changes=changes))
        for obj, changes in items
    ]
    AuditEvent.objects.bulk_create(events, batch_size=2000)
    return len(events)


def _event_fields(
    *,
    actor: AnyUser | None,
    action: str,
    instance: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    actor_name: str = "",
) -> dict[str, Any]:
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}")
    real_actor = actor if getattr(actor, "pk", None) else None
    if instance is not None:
        object_type = object_type or _object_type(instance)
        object_id = object_id or str(instance.pk)
        object_repr = object_repr or str(instance)
    return {
        "actor": real_actor,
        "actor_name": (actor_name or getattr(real_actor, "username", ""))[:150],
        "action": action,
        "object_type": object_type[:60],
        "object_id": object_id[:64],
        "object_repr": object_repr[:200],
        "changes": changes or {},
        "ip": request_ip.get(),
    }
