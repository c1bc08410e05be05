"""Writes of 业务培训: sessions, attendance and materials. Province admins write everything;
a group's leader (or deputy) the sessions of their own group."""

from __future__ import annotations

from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from handinhand.accounts.models import User
from handinhand.core import audit
from handinhand.core.exceptions import PermissionDeniedError
from handinhand.core.models import AuditAction
from handinhand.core.scope import get_scope
from handinhand.core.services import create_object, delete_object, update_object
from handinhand.core.uploads import check_upload
from handinhand.programme.models import GuidanceGroup, Membership
from handinhand.training.access import can_create_session as can_create_session
from handinhand.training.access import can_manage_session as can_manage_session
from handinhand.training.models import Attendance, TrainingMaterial, TrainingSession

SESSION_FIELDS = ("topic", "date", "hours", "group", "location", "description")


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDeniedError(_("您无权管理该培训"))


def _check_group(actor: User, group: GuidanceGroup | None) -> None:
    scope = get_scope(actor)
    if scope.everything:
        return
    if group is None or group.pk not in scope.led_group_ids:
        raise ValidationError({"group": _("只能为本人担任组长（副组长）的指导组组织培训")})


def session_create(*, actor: User, **data: Any) -> TrainingSession:
    _require(can_create_session(actor))
    _check_group(actor, data.get("group"))
    session = TrainingSession(organiser=actor, **{k: data.get(k) for k in SESSION_FIELDS})
    session.location = session.location or ""
    session.description = session.description or ""
    return create_object(actor=actor, instance=session)


def session_update(
    *,
    actor: User,
    session: TrainingSession,
    data: dict[str, Any],
    expected_version: int | None,
) -> TrainingSession:
    _require(can_manage_session(actor, session))
    if "group" in data:
        _check_group(actor, data["group"])
    unknown = set(data) - set(SESSION_FIELDS)
    if unknown:
        raise ValueError(f"fields not editable: {sorted(unknown)}")
    hours = data.get("hours")
    if hours is not None:
        longest = session.attendances.order_by("-hours").values_list(
            "hours", flat=True
        ).first() or Decimal("0")
        if hours < longest:
            raise ValidationError(
                {"hours": _("已有人员认定 %(h)s 学时，培训学时不能低于该值") % {"h": longest}}
            )
    return update_object(
        actor=actor, instance=session, data=data, expected_version=expected_version
    )


def attendance_add(
    *, actor: User, session: TrainingSession, user: User, hours: Decimal | None = None
) -> Attendance:
    _require(can_manage_session(actor, session))
    if not Membership.objects.current().filter(user=user).exists():
        raise ValidationError({"user": _("参训人员须为在任的指导组成员")})
    attendance = Attendance(
        session=session, user=user, hours=session.hours if hours is None else hours
    )
    return create_object(actor=actor, instance=attendance)


def attendance_remove(*, actor: User, attendance: Attendance) -> None:
    _require(can_manage_session(actor, attendance.session))
    delete_object(actor=actor, instance=attendance)


def material_upload(
    *, actor: User, session: TrainingSession, upload: UploadedFile[bytes]
) -> TrainingMaterial:
    _require(can_manage_session(actor, session))
    kind = check_upload(upload, module="training")
    name = PurePath(upload.name or "file").name[:200]
    with transaction.atomic():
        material = TrainingMaterial(
            session=session, name=name, kind=kind, size=upload.size or 0, uploaded_by=actor
        )
        material.file.save(name, upload, save=False)
        material.save()
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=material,
            changes={"name": [None, name], "size": [None, material.size]},
        )
    return material
