"""The one write path shared by every app's services: validate, save, audit, in a transaction.

Domain services (`school_update`, `membership_create`, …) add their rules and call these, so
that the optimistic lock and the audit row are written once, here.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from handinhand.core import audit
from handinhand.core.exceptions import ConflictError, PermissionDeniedError
from handinhand.core.models import AuditAction
from handinhand.core.scope import get_scope
from handinhand.core.users import AnyUser

M = TypeVar("M", bound=models.Model)


def require_province_admin(actor: AnyUser) -> None:
    """Structure of the whole programme (batches, pairings, universities) is the Education
    Work Committee's to change."""
    if not get_scope(actor).everything:
        raise PermissionDeniedError(_("仅省委教育工委管理员可执行此操作"))


def create_object(*, actor: AnyUser | None, instance: M) -> M:
    with transaction.atomic():
        instance.full_clean()
        instance.save(force_insert=True)
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=instance,
            changes=audit.diff({}, audit.snapshot(instance)),
        )
    return instance


def update_object(
    *, actor: AnyUser | None, instance: M, data: dict[str, Any], expected_version: int | None
) -> M:
    """Apply `data` to `instance` unless someone saved it since `expected_version` was read."""
    model = type(instance)
    with transaction.atomic():
        # Lock the row and read what is stored now: the audit's "old" is the stored value,
        # not what the form showed.
        current = model._default_manager.select_for_update().get(pk=instance.pk)
        stored_version = getattr(current, "version", None)
        versioned = stored_version is not None
        if versioned and expected_version is not None and stored_version != expected_version:
            raise ConflictError(str(current))
        before = audit.snapshot(current)
        for name, value in data.items():
            setattr(current, name, value)
        current.full_clean()
        after = audit.snapshot(current)
        changes = audit.diff(before, after)
        if not changes:
            return current
        update_fields = [name for name in data if name in changes]
        if versioned:
            current.version = F("version") + 1  # type: ignore[attr-defined]  # atomic bump
            update_fields.append("version")
        if "updated_at" in {f.name for f in current._meta.concrete_fields}:
            update_fields.append("updated_at")
        current.save(update_fields=sorted(set(update_fields)))
        current.refresh_from_db()
        audit.record(actor=actor, action=AuditAction.UPDATE, instance=current, changes=changes)
    return current


def delete_object(*, actor: AnyUser | None, instance: models.Model) -> None:
    with transaction.atomic():
        before = audit.snapshot(instance)
        object_id, object_repr = str(instance.pk), str(instance)
        instance.delete()
        audit.record(
            actor=actor,
            action=AuditAction.DELETE,
            object_type=instance._meta.label_lower,
            object_id=object_id,
            object_repr=object_repr,
            changes=audit.diff(before, {k: None for k in before}),
        )
