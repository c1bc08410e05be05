"""Writes of guidance work. Every rule is checked here once; pages (and later the API) call these.

Who records a visit: an active member of the guidance group that makes it. Which schools: any
school the group guides — the schools of its districts and of the regions it is paired with
(and, for a city or county group, of its own region). An instructor is not held to their own
district: members of one group stand in for each other, and the group answers for the visit.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count, F, Max, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from handinhand.accounts.models import User
from handinhand.core import audit
from handinhand.core.exceptions import ConflictError, PermissionDeniedError
from handinhand.core.models import AuditAction
from handinhand.core.policy import get_policy
from handinhand.core.scope import get_scope
from handinhand.core.services import create_object, update_object
from handinhand.core.uploads import INLINE_KINDS, check_upload
from handinhand.guidance.access import can_manage_visit as can_manage_visit
from handinhand.guidance.access import can_publish_for as can_publish_for
from handinhand.guidance.access import can_record_for as can_record_for
from handinhand.guidance.access import is_school_user_of as is_school_user_of
from handinhand.guidance.models import (
    Brand,
    Finding,
    FindingStatus,
    Rectification,
    Resource,
    SchoolVisitCount,
    Verdict,
    Visit,
    VisitAttachment,
    VisitSchool,
    VisitStatus,
)
from handinhand.orgs.models import School
from handinhand.programme.models import (
    DistrictSchool,
    GroupLevel,
    GuidanceGroup,
    Membership,
)
from handinhand.programme.scope import guided_region_paths

VISIT_FIELDS = ("date", "duration_hours", "form", "title", "content", "indicators")


def guided_schools(group_ids: Iterable[int]) -> QuerySet[School]:
    """Schools a group guides: its districts' schools and the schools of its paired regions
    (a city or county group also its own region). One query, no loop over schools."""
    ids = list(group_ids)
    query = Q(pk__in=DistrictSchool.objects.filter(district__group_id__in=ids).values("school_id"))
    for paths in guided_region_paths(ids).values():
        for path in paths:
            query |= Q(county__path__startswith=path)
    return School.objects.filter(query)


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


def _people_snapshot(
    schools: Iterable[School], instructors: Iterable[Membership]
) -> dict[str, Any]:
    return {
        "schools": sorted(f"{s} (#{s.pk})" for s in schools),
        "instructors": sorted(f"{m.user} (#{m.pk})" for m in instructors),
    }


def visit_plan(
    *,
    actor: User,
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
    client_key: uuid.UUID | None = None,
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
        client_key=client_key,
    )
    with transaction.atomic():
        visit.full_clean()
        visit.save(force_insert=True)
        VisitSchool.objects.bulk_create(
            [VisitSchool(visit=visit, school=s, held_on=_held_on(visit)) for s in schools]
        )
        refresh_visit_counts(s.pk for s in schools)
        visit.instructors.set(instructors)
        changes = audit.diff({}, audit.snapshot(visit))
        for name, value in _people_snapshot(schools, instructors).items():
            changes[name] = [None, value]
        audit.record(actor=actor, action=AuditAction.CREATE, instance=visit, changes=changes)
    return visit


# --- a visit recorded in the field (on a phone, maybe offline) -----------------------------------

MAX_FIELD_PHOTOS = 10


class OutOfScopeError(ValidationError):
    """The school is not (or no longer) guided by the visit's group: a visit kept on a phone
    while offline meets this when the school left the group's scope before it was sent."""


@dataclass(frozen=True)
class FieldFinding:
    """A finding written on the visit screen; it is raised on the visit's school."""

    problem: str
    severity: str
    deadline: date
    indicator: str = ""


def visit_record(
    *,
    actor: User,
    group: GuidanceGroup,
    school: School,
    date: date,
    duration_hours: Decimal,
    form: str,
    title: str,
    instructors: Sequence[Membership] = (),
    content: str = "",
    status: str = VisitStatus.HELD,
    findings: Sequence[FieldFinding] = (),
    photos: Sequence[UploadedFile[bytes]] = (),
    client_key: uuid.UUID | None = None,
) -> tuple[Visit, bool]:
    """A visit to one school with its findings and photos, in one transaction: all or nothing.

    Idempotent by `client_key` (generated on the phone): the same key sent again returns the
    visit it made the first time, with `created` False, and writes nothing. A key that some
    other person used is refused rather than answered with their visit."""
    if client_key is not None:
        existing = Visit.objects.filter(client_key=client_key).first()
        if existing is not None:
            return _same_sender(actor, existing), False
    _require(can_record_for(actor, group))
    if not guided_schools([group.pk]).filter(pk=school.pk).exists():
        raise OutOfScopeError(
            {
                "school": [
                    _("“%(name)s”已不在%(group)s的指导范围内，未能登记；记录仍保留在本机")
                    % {"name": school.name, "group": group.name}
                ]
            }
        )
    if findings and status != VisitStatus.HELD:
        raise ValidationError({"findings": [_("计划中的活动不能提出问题，请先选择“已开展”")]})
    if len(photos) > MAX_FIELD_PHOTOS:
        raise ValidationError({"photos": [_("照片最多 %(n)d 张") % {"n": MAX_FIELD_PHOTOS}]})
    for photo in photos:
        # A photo is judged by its bytes like every upload, and must be a picture besides.
        kind = check_upload(photo, module="visits", field="photos")
        if kind not in INLINE_KINDS:
            raise ValidationError(
                {"photos": [_("“%(name)s”不是图片，请拍照或选择照片") % {"name": photo.name}]}
            )
    try:
        with transaction.atomic():
            visit = visit_plan(
                actor=actor,
                group=group,
                date=date,
                duration_hours=duration_hours,
                form=form,
                title=title,
                schools=[school],
                instructors=instructors,
                content=content,
                status=status,
                client_key=client_key,
            )
            for number, item in enumerate(findings, start=1):
                try:
                    finding_raise(
                        actor=actor,
                        school=school,
                        visit=visit,
                        problem=item.problem,
                        severity=item.severity,
                        found_on=date,
                        deadline=item.deadline,
                        indicator=item.indicator,
                    )
                except ValidationError as exc:
                    raise ValidationError(
                        {
                            "findings": [
                                _("第 %(n)d 个问题：%(m)s") % {"n": number, "m": message}
                                for message in exc.messages
                            ]
                        }
                    ) from exc
            for photo in photos:
                attachment_add(actor=actor, visit=visit, upload=photo)
    except IntegrityError:
        # The same key sent twice at once: the other request made the visit first.
        if client_key is not None:
            existing = Visit.objects.filter(client_key=client_key).first()
            if existing is not None:
                return _same_sender(actor, existing), False
        raise
    return visit, True


def _same_sender(actor: User, visit: Visit) -> Visit:
    if visit.created_by_id != actor.pk:
        raise ValidationError({"client_key": [_("提交编号无效，请重新提交")]})
    return visit


def visit_update(
    *, actor: User, visit: Visit, data: dict[str, Any], expected_version: int | None
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
                [
                    VisitSchool(visit=updated, school=s, held_on=_held_on(updated))
                    for s in schools
                    if s.pk not in kept
                ]
            )
            updated.instructors.set(instructors)
            if updated.version == before_version:
                Visit.objects.filter(pk=updated.pk).update(version=F("version") + 1)
                updated.refresh_from_db()
            audit.record(actor=actor, action=AuditAction.UPDATE, instance=updated, changes=changes)
        VisitSchool.objects.filter(visit=updated).update(held_on=_held_on(updated))
        refresh_visit_counts([s.pk for s in old_schools] + [s.pk for s in schools])
    return updated


def _held_on(visit: Visit) -> date | None:
    return visit.date if visit.status == VisitStatus.HELD else None


def _set_status(*, actor: User, visit: Visit, status: str, expected_version: int | None) -> Visit:
    _require(can_manage_visit(actor, visit))
    visit.refresh_from_db(fields=["status"])
    if visit.status != VisitStatus.PLANNED:
        raise ValidationError(_("只有计划中的活动可以执行此操作"))
    _check_held_date(status, visit.date)
    with transaction.atomic():
        updated = update_object(
            actor=actor, instance=visit, data={"status": status}, expected_version=expected_version
        )
        VisitSchool.objects.filter(visit=updated).update(held_on=_held_on(updated))
        refresh_visit_counts(
            VisitSchool.objects.filter(visit=updated).values_list("school_id", flat=True)
        )
    return updated


def visit_mark_held(*, actor: User, visit: Visit, expected_version: int | None = None) -> Visit:
    return _set_status(
        actor=actor, visit=visit, status=VisitStatus.HELD, expected_version=expected_version
    )


def visit_cancel(*, actor: User, visit: Visit, expected_version: int | None = None) -> Visit:
    return _set_status(
        actor=actor, visit=visit, status=VisitStatus.CANCELLED, expected_version=expected_version
    )


def visit_delete(*, actor: User, visit: Visit, expected_version: int | None = None) -> None:
    """Delete a visit entered by mistake, with its links; its schools' counts follow."""
    _require(can_manage_visit(actor, visit))
    with transaction.atomic():
        current = Visit.objects.select_for_update().get(pk=visit.pk)
        if expected_version is not None and current.version != expected_version:
            raise ConflictError(str(current))
        school_ids = list(
            VisitSchool.objects.filter(visit=current).values_list("school_id", flat=True)
        )
        audit.record(
            actor=actor,
            action=AuditAction.DELETE,
            instance=current,
            changes=audit.diff(audit.snapshot(current), {}),
        )
        current.delete()
        refresh_visit_counts(school_ids)


# --- pre-aggregated visit counts -----------------------------------------------------------------


def refresh_visit_counts(school_ids: Iterable[int] | None = None) -> int:
    """Recount SchoolVisitCount from the VisitSchool rows, for `school_ids` (every school if
    None); returns the rows written. Recounting the few schools a change touches (rather than
    adding ±1) keeps the table exact whatever the change was. Call inside the transaction that
    changed the visits: the schools' rows are locked first, so two visits of one school
    changed at once recount one after the other, each seeing the other's committed links."""
    counted = VisitSchool.objects.filter(held_on__isnull=False)
    stale = SchoolVisitCount.objects.all()
    if school_ids is not None:
        ids = sorted(set(school_ids))
        if not ids:
            return 0
        list(School.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
        counted = counted.filter(school_id__in=ids)
        stale = stale.filter(school_id__in=ids)
    rows = (
        counted.annotate(year=ExtractYear("held_on"))
        .values("school_id", "year")
        .annotate(held=Count("pk"), last_held_on=Max("held_on"))
        .order_by()
    )
    with transaction.atomic():
        stale.delete()
        # One INSERT … SELECT: the counts are made in the database, not in Python, however
        # many links a full recount reads.
        sql, params = rows.query.sql_with_params()
        qn = connection.ops.quote_name
        columns = ", ".join(qn(c) for c in ("school_id", "year", "held", "last_held_on"))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {qn(SchoolVisitCount._meta.db_table)} ({columns}) {sql}", params
            )
            written: int = cursor.rowcount
    return max(written, 0)


def attachment_add(*, actor: User, visit: Visit, upload: UploadedFile[bytes]) -> VisitAttachment:
    """Attach a photo or file; its type is read from its bytes, its size held to the policy."""
    _require(can_manage_visit(actor, visit))
    kind = check_upload(upload, module="visits")
    name = (upload.name or "file")[-200:]
    attachment = VisitAttachment(
        visit=visit, file=upload, name=name, kind=kind, size=upload.size or 0, uploaded_by=actor
    )
    return _create_with_file(actor=actor, instance=attachment, file_field="file")


M = TypeVar("M", bound=models.Model)


def _create_with_file(*, actor: User, instance: M, file_field: str) -> M:
    """create_object for a row holding an uploaded file: the audit names the stored path
    (a file is no JSON value). Call inside or outside a transaction."""
    with transaction.atomic():
        instance.full_clean()
        instance.save(force_insert=True)
        after = {k: v for k, v in audit.snapshot(instance).items() if k != file_field}
        after[file_field] = getattr(instance, file_field).name or ""
        audit.record(
            actor=actor, action=AuditAction.CREATE, instance=instance, changes=audit.diff({}, after)
        )
    return instance


# --- findings and rectification (问题整改) -------------------------------------------------------
#
# Who may move a finding, from where to where, in one table. "school": a school user of the
# finding's school; "group": an active member of the group that raised it. Anything not in the
# table is refused — so verifying a finding already closed (twice) is refused like any other.

SCHOOL, GROUP = "school", "group"
TRANSITIONS: dict[str, tuple[frozenset[str], str, str]] = {
    "answer": (
        frozenset({FindingStatus.OPEN, FindingStatus.RETURNED}),
        FindingStatus.ANSWERED,
        SCHOOL,
    ),
    "accept": (frozenset({FindingStatus.ANSWERED}), FindingStatus.CLOSED, GROUP),
    "return": (frozenset({FindingStatus.ANSWERED}), FindingStatus.RETURNED, GROUP),
}


def holds_role(actor: User, finding: Finding, role: str) -> bool:
    if role == SCHOOL:
        return is_school_user_of(actor, finding.school_id)
    return finding.group_id in get_scope(actor).group_ids


def allowed_actions(actor: User, finding: Finding) -> list[str]:
    return [
        name
        for name, (sources, _target, role) in TRANSITIONS.items()
        if finding.status in sources and holds_role(actor, finding, role)
    ]


def _transition(
    *, actor: User, finding: Finding, action: str, expected_version: int | None
) -> Finding:
    sources, target, role = TRANSITIONS[action]
    if not holds_role(actor, finding, role):
        raise PermissionDeniedError(_("您无权对该问题执行此操作"))
    finding.refresh_from_db(fields=["status"])
    if finding.status not in sources:
        raise ValidationError(
            _("问题当前状态为“%(s)s”，不能执行此操作") % {"s": finding.get_status_display()}
        )
    data: dict[str, Any] = {"status": target}
    if target == FindingStatus.CLOSED:
        data["closed_at"] = timezone.now()
    return update_object(
        actor=actor, instance=finding, data=data, expected_version=expected_version
    )


def finding_raise(
    *,
    actor: User,
    school: School,
    problem: str,
    severity: str,
    found_on: date,
    deadline: date,
    indicator: str = "",
    visit: Visit | None = None,
) -> Finding:
    """An instructor raises a finding on a school their group guides."""
    scope = get_scope(actor)
    membership = (
        Membership.objects.current()
        .filter(user=actor, group_id__in=scope.group_ids)
        .filter(group__in=_groups_guiding(school))
        .order_by("pk")
        .first()
    )
    if membership is None:
        raise PermissionDeniedError(_("只有指导该校的指导组成员可以提出问题"))
    if visit is not None and not visit.schools.filter(pk=school.pk).exists():
        raise ValidationError({"visit": _("该指导活动没有涉及这所学校")})
    finding = Finding(
        school=school,
        group_id=membership.group_id,
        visit=visit,
        raised_by=membership,
        problem=problem,
        indicator=indicator,
        severity=severity,
        found_on=found_on,
        deadline=deadline,
    )
    return create_object(actor=actor, instance=finding)


def _groups_guiding(school: School) -> QuerySet[GuidanceGroup]:
    """Groups whose guidance reaches the school: districts, pairings, or their own region."""
    ancestors = [c for c in school.county.path.strip("/").split("/") if c]
    return GuidanceGroup.objects.filter(
        Q(districts__assignments__school=school)
        | Q(pairings__region_id__in=ancestors)
        | (~Q(level=GroupLevel.PROVINCE) & Q(region_id__in=ancestors))
    ).distinct()


def finding_answer(
    *,
    actor: User,
    finding: Finding,
    measures: str,
    evidence: UploadedFile[bytes] | None = None,
    expected_version: int | None = None,
) -> Rectification:
    """The school answers with its measures (and evidence): the finding awaits verification."""
    if not measures.strip():
        raise ValidationError({"measures": _("请填写整改措施")})
    kind_checked = check_upload(evidence, module="findings") if evidence is not None else None
    with transaction.atomic():
        _transition(
            actor=actor, finding=finding, action="answer", expected_version=expected_version
        )
        answer = Rectification(
            finding=finding,
            measures=measures,
            answered_by=actor,
            evidence_name=(evidence.name or "")[-200:] if kind_checked and evidence else "",
            evidence_kind=kind_checked or "",
        )
        if evidence is not None:
            answer.evidence = evidence
        return _create_with_file(actor=actor, instance=answer, file_field="evidence")


def _review(
    *, actor: User, finding: Finding, action: str, reason: str, expected_version: int | None
) -> Finding:
    with transaction.atomic():
        updated = _transition(
            actor=actor, finding=finding, action=action, expected_version=expected_version
        )
        answer = updated.answers.filter(verdict="").order_by("-pk").first()
        if answer is not None:
            update_object(
                actor=actor,
                instance=answer,
                data={
                    "verdict": Verdict.ACCEPTED if action == "accept" else Verdict.RETURNED,
                    "reason": reason,
                    "reviewed_by": actor,
                    "reviewed_at": timezone.now(),
                },
                expected_version=None,
            )
    return updated


def finding_accept(
    *, actor: User, finding: Finding, expected_version: int | None = None
) -> Finding:
    """The instructor accepts the answer: the finding is closed (销号)."""
    return _review(
        actor=actor, finding=finding, action="accept", reason="", expected_version=expected_version
    )


def finding_return(
    *, actor: User, finding: Finding, reason: str, expected_version: int | None = None
) -> Finding:
    """The instructor returns the answer with a reason; the school answers again."""
    if not reason.strip():
        raise ValidationError({"reason": _("退回时请说明理由")})
    return _review(
        actor=actor,
        finding=finding,
        action="return",
        reason=reason,
        expected_version=expected_version,
    )


# --- Party-building brands (党建品牌) -------------------------------------------------------------
#
# A school user proposes; the brand then moves one stage at a time through the policy's stages
# (申报 → 培育 → 创建 → 命名), never skipping one. Who advances it: the province admin, or the
# leader (or deputy) of a guidance group that guides the school — the people who judge the
# school's Party-building work. Instructors and the school itself do not.


def can_advance_brand(actor: User, brand: Brand) -> bool:
    scope = get_scope(actor)
    if scope.everything:
        return True
    led = scope.led_group_ids
    return bool(led) and _groups_guiding(brand.school).filter(pk__in=led).exists()


def brand_propose(*, actor: User, school: School, name: str, idea: str, measures: str) -> Brand:
    if not is_school_user_of(actor, school.pk):
        raise PermissionDeniedError(_("只有本校用户可以申报本校的党建品牌"))
    stages = get_policy().brands.stages
    brand = Brand(
        school=school, name=name, idea=idea, measures=measures, stage=stages[0], proposed_by=actor
    )
    return create_object(actor=actor, instance=brand)


def brand_advance(
    *, actor: User, brand: Brand, to_stage: str, expected_version: int | None = None
) -> Brand:
    """Move the brand to the next stage; any other target (a skip, a step back) is refused."""
    if not can_advance_brand(actor, brand):
        raise PermissionDeniedError(_("您无权推进该品牌的阶段"))
    stages = get_policy().brands.stages
    brand.refresh_from_db(fields=["stage"])
    index = stages.index(brand.stage) if brand.stage in stages else -1
    if index + 1 >= len(stages) or to_stage != stages[index + 1]:
        raise ValidationError(
            {
                "stage": _("品牌须逐级推进：当前为“%(now)s”，下一阶段只能是“%(next)s”")
                % {
                    "now": brand.stage,
                    "next": stages[index + 1] if index + 1 < len(stages) else "—",
                }
            }
        )
    return update_object(
        actor=actor, instance=brand, data={"stage": to_stage}, expected_version=expected_version
    )


# --- shared resources -----------------------------------------------------------------------------


def resource_publish(
    *,
    actor: User,
    university: Any,
    kind: str,
    title: str,
    upload: UploadedFile[bytes],
    description: str = "",
) -> Resource:
    if not can_publish_for(actor, university.pk):
        raise PermissionDeniedError(_("只有该高校牵头指导组的成员可以发布其资源"))
    file_kind = check_upload(upload, module="resources")
    resource = Resource(
        university=university,
        kind=kind,
        title=title,
        description=description,
        file=upload,
        file_name=(upload.name or "file")[-200:],
        file_kind=file_kind,
        size=upload.size or 0,
        published_by=actor,
    )
    return _create_with_file(actor=actor, instance=resource, file_field="file")
