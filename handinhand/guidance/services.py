"""Writes of guidance work. Every rule is checked here once; pages (and later the API) call these.

Who records a visit: an active member of the guidance group that makes it. Which schools: any
school the group guides — the schools of its districts and of the regions it is paired with
(and, for a city or county group, of its own region). An instructor is not held to their own
district: members of one group stand in for each other, and the group answers for the visit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from handinhand.core import audit
from handinhand.core.exceptions import PermissionDeniedError
from handinhand.core.models import AuditAction
from handinhand.core.scope import get_scope
from handinhand.core.services import update_object
from handinhand.guidance.files import check_upload
from handinhand.guidance.models import Visit, VisitAttachment, VisitSchool, VisitStatus
from handinhand.orgs.models import School
from handinhand.programme.models import (
    DistrictSchool,
    GroupLevel,
    GuidanceGroup,
    Membership,
    Pairing,
)

VISIT_FIELDS = ("date", "duration_hours", "form", "title", "content", "indicators")


def guided_schools(group_ids: Iterable[int]) -> QuerySet[School]:
    """Schools a group guides: its districts' schools and the schools of its paired regions
    (a city or county group also its own region). One query, no loop over schools."""
    ids = list(group_ids)
    query = Q(pk__in=DistrictSchool.objects.filter(district__group_id__in=ids).values("school_id"))
    paths = list(Pairing.objects.filter(group_id__in=ids).values_list("region__path", flat=True))
    paths += list(
        GuidanceGroup.objects.filter(pk__in=ids)
        .exclude(level=GroupLevel.PROVINCE)
        .values_list("region__path", flat=True)
    )
    for path in paths:
        query |= Q(county__path__startswith=path)
    return School.objects.filter(query)


def can_record_for(actor: Any, group: GuidanceGroup) -> bool:
    return group.pk in get_scope(actor).group_ids


def can_manage_visit(actor: Any, visit: Visit) -> bool:
    """The group that made a visit keeps its record; nobody else edits it."""
    return visit.group_id in get_scope(actor).group_ids


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDeniedError(_("您无权维护该指导活动"))


def _check_people(
    group: GuidanceGroup, schools: Sequence[School], instructors: Sequence[Membership]
) -> None:
    errors: dict[str, list[str]] = {}
    if not schools:
        errors["schools"] = [_("请至少选择一所学校")]
    else:
        allowed = set(
            guided_schools([group.pk])
            .filter(pk__in=[s.pk for s in schools])
            .values_list("pk", flat=True)
        )
        outside = [s.name for s in schools if s.pk not in allowed]
        if outside:
            errors["schools"] = [
                _("以下学校不在本指导组的指导范围内：%(names)s") % {"names": "、".join(outside)}
            ]
    strangers = [str(m.user) for m in instructors if m.group_id != group.pk or not m.is_active]
    if strangers:
        errors["instructors"] = [
            _("以下人员不是本指导组的在任成员：%(names)s") % {"names": "、".join(strangers)}
        ]
    if errors:
        raise ValidationError(errors)


def _check_held_date(status: str, day: date | None) -> None:
    if status == VisitStatus.HELD and day is not None and day > timezone.localdate():
        raise ValidationError({"date": _("活动日期在今天之后，不能标记为已开展")})


def _people_snapshot(schools: Iterable[School], instructors: Iterable[Membership]) -> dict:
    return {
        "schools": sorted(f"{s} (#{s.pk})" for s in schools),
        "instructors": sorted(f"{m.user} (#{m.pk})" for m in instructors),
    }


def visit_plan(
    *,
    actor: Any,
    group: GuidanceGroup,
    date: date,
    duration_hours: Decimal,
    form: str,
    title: str,
    schools: Sequence[School],
    instructors: Sequence[Membership] = (),
    content: str = "",
    indicators: Sequence[str] = (),
    status: str = VisitStatus.PLANNED,
) -> Visit:
    """Plan a visit ahead, or record one already held (status=held, never in the future)."""
    _require(can_record_for(actor, group))
    if status not in (VisitStatus.PLANNED, VisitStatus.HELD):
        raise ValidationError({"status": _("新登记的活动只能是计划中或已开展")})
    _check_held_date(status, date)
    _check_people(group, schools, instructors)
    visit = Visit(
        group=group,
        date=date,
        duration_hours=duration_hours,
        form=form,
        title=title,
        content=content,
        indicators=[i for i in indicators if i],
        status=status,
        created_by=actor,
    )
    with transaction.atomic():
        visit.full_clean()
        visit.save(force_insert=True)
        VisitSchool.objects.bulk_create([VisitSchool(visit=visit, school=s) for s in schools])
        visit.instructors.set(instructors)
        changes = audit.diff({}, audit.snapshot(visit))
        for name, value in _people_snapshot(schools, instructors).items():
            changes[name] = [None, value]
        audit.record(actor=actor, action=AuditAction.CREATE, instance=visit, changes=changes)
    return visit


def visit_update(
    *, actor: Any, visit: Visit, data: dict[str, Any], expected_version: int | None
) -> Visit:
    """Edit a planned or held visit; schools and instructors are checked like at planning."""
    _require(can_manage_visit(actor, visit))
    visit.refresh_from_db(fields=["status"])  # judge by the stored status, not a stale copy
    if visit.status == VisitStatus.CANCELLED:
        raise ValidationError(_("已取消的活动不能修改"))
    unknown = set(data) - set(VISIT_FIELDS) - {"schools", "instructors"}
    if unknown:
        raise ValueError(f"fields not editable: {sorted(unknown)}")
    old_schools = list(visit.schools.all())
    old_instructors = list(visit.instructors.select_related("user"))
    schools = list(data.get("schools", old_schools))
    instructors = list(data.get("instructors", old_instructors))
    _check_held_date(visit.status, data.get("date", visit.date))
    _check_people(visit.group, schools, instructors)
    scalar = {k: v for k, v in data.items() if k in VISIT_FIELDS}
    with transaction.atomic():
        before_version = Visit.objects.filter(pk=visit.pk).values_list("version", flat=True)[0]
        updated = update_object(
            actor=actor, instance=visit, data=scalar, expected_version=expected_version
        )
        before = _people_snapshot(old_schools, old_instructors)
        after = _people_snapshot(schools, instructors)
        changes = audit.diff(before, after)
        if changes:
            VisitSchool.objects.filter(visit=updated).exclude(school__in=schools).delete()
            kept = set(
                VisitSchool.objects.filter(visit=updated).values_list("school_id", flat=True)
            )
            VisitSchool.objects.bulk_create(
                [VisitSchool(visit=updated, school=s) for s in schools if s.pk not in kept]
            )
            updated.instructors.set(instructors)
            if updated.version == before_version:
                Visit.objects.filter(pk=updated.pk).update(version=F("version") + 1)
                updated.refresh_from_db()
            audit.record(actor=actor, action=AuditAction.UPDATE, instance=updated, changes=changes)
    return updated


def _set_status(*, actor: Any, visit: Visit, status: str, expected_version: int | None) -> Visit:
    _require(can_manage_visit(actor, visit))
    visit.refresh_from_db(fields=["status"])
    if visit.status != VisitStatus.PLANNED:
        raise ValidationError(_("只有计划中的活动可以执行此操作"))
    _check_held_date(status, visit.date)
    return update_object(
        actor=actor, instance=visit, data={"status": status}, expected_version=expected_version
    )


def visit_mark_held(*, actor: Any, visit: Visit, expected_version: int | None = None) -> Visit:
    return _set_status(
        actor=actor, visit=visit, status=VisitStatus.HELD, expected_version=expected_version
    )


def visit_cancel(*, actor: Any, visit: Visit, expected_version: int | None = None) -> Visit:
    return _set_status(
        actor=actor, visit=visit, status=VisitStatus.CANCELLED, expected_version=expected_version
    )


def attachment_add(*, actor: Any, visit: Visit, upload: UploadedFile) -> VisitAttachment:
    """Attach a photo or file; its type is read from its bytes, its size held to the policy."""
    _require(can_manage_visit(actor, visit))
    kind = check_upload(upload)
    name = (upload.name or "file")[-200:]
    attachment = VisitAttachment(
        visit=visit, file=upload, name=name, kind=kind, size=upload.size or 0, uploaded_by=actor
    )
    with transaction.atomic():
        attachment.full_clean()
        attachment.save(force_insert=True)
        # The audit snapshot keeps JSON values; a stored file is named by its path.
        after = {k: v for k, v in audit.snapshot(attachment).items() if k != "file"}
        after["file"] = attachment.file.name
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=attachment,
            changes=audit.diff({}, after),
        )
    return attachment
