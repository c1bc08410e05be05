"""Writes to the programme's structure: batches, guidance groups, memberships, pairings and
districts. Rules live here once; pages and the API both call these."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from handinhand.accounts.models import SEPARATED_ADMIN_ROLES, RoleAssignment, User
from handinhand.core import audit
from handinhand.core.exceptions import PermissionDeniedError
from handinhand.core.models import AuditAction
from handinhand.core.scope import bump_scope_version, get_scope, reset_scope
from handinhand.core.services import (
    create_object,
    delete_object,
    require_province_admin,
    update_object,
)
from handinhand.orgs.models import School
from handinhand.programme.access import can_create_group as can_create_group
from handinhand.programme.access import can_manage_group as can_manage_group
from handinhand.programme.access import can_restructure_group as can_restructure_group
from handinhand.programme.models import (
    Batch,
    BatchStatus,
    District,
    DistrictSchool,
    GroupLevel,
    GuidanceGroup,
    Membership,
    Pairing,
    PairingHandover,
)
from handinhand.programme.scope import group_region_q


def _require_group(actor: User, group: GuidanceGroup) -> None:
    if not can_manage_group(actor, group):
        raise PermissionDeniedError(_("您无权管理该指导组"))


def _only(data: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValueError(f"fields not editable: {sorted(unknown)}")


# --- batches --------------------------------------------------------------------------------

BATCH_FIELDS = ("number", "name", "start_year", "status", "description")


def batch_create(*, actor: User, **fields: Any) -> Batch:
    require_province_admin(actor)
    return create_object(
        actor=actor, instance=Batch(**{k: v for k, v in fields.items() if k in BATCH_FIELDS})
    )


def batch_update(
    *, actor: User, batch: Batch, data: dict[str, Any], expected_version: int | None
) -> Batch:
    require_province_admin(actor)
    _only(data, BATCH_FIELDS)
    return update_object(actor=actor, instance=batch, data=data, expected_version=expected_version)


# --- guidance groups ------------------------------------------------------------------------

GROUP_FIELDS = ("name", "level", "region", "lead_university", "batch", "is_active", "note")


def group_create(*, actor: User, **fields: Any) -> GuidanceGroup:
    group = GuidanceGroup(**{k: v for k, v in fields.items() if k in GROUP_FIELDS})
    scope = get_scope(actor)
    if not (
        scope.everything
        or (
            group.level != GroupLevel.PROVINCE
            and group.region_id
            and scope.can_edit_region(group.region.path)
        )
    ):
        raise PermissionDeniedError(_("您无权在该地区设立指导组"))
    return create_object(actor=actor, instance=group)


def group_update(
    *, actor: User, group: GuidanceGroup, data: dict[str, Any], expected_version: int | None
) -> GuidanceGroup:
    _require_group(actor, group)
    _only(data, GROUP_FIELDS)
    # Forms send every field: only a field whose value changes is a structural change.
    structural = {
        name
        for name in ("level", "region", "lead_university", "batch")
        if name in data and _value_id(data[name]) != _value_id(getattr(group, name))
    }
    if structural:
        if not can_restructure_group(actor, group):
            raise PermissionDeniedError(_("指导组的层级、地区、牵头高校和批次由上级管理员维护"))
        # A bureau may not move a group out of its own region, nor raise it to province.
        moved = GuidanceGroup(
            level=data.get("level", group.level), region=data.get("region", group.region)
        )
        if not can_restructure_group(actor, moved):
            raise PermissionDeniedError(_("您无权将指导组调整到该层级或地区"))
        if "batch" in structural and (group.pairings.exists() or group.districts.exists()):
            # Pairings and districts carry the batch: moving the group alone would split them.
            raise ValidationError({"batch": _("该指导组已有结对或片区，不能更换批次")})
    return update_object(actor=actor, instance=group, data=data, expected_version=expected_version)


def _value_id(value: Any) -> Any:
    return getattr(value, "pk", value)


# --- memberships ----------------------------------------------------------------------------

MEMBERSHIP_FIELDS = ("user", "role", "subgroup", "term_start", "term_end", "is_active")


def membership_create(*, actor: User, group: GuidanceGroup, **fields: Any) -> Membership:
    _require_group(actor, group)
    user = fields.get("user")
    if (
        user is not None
        and RoleAssignment.objects.active()
        .filter(user=user, role__in=SEPARATED_ADMIN_ROLES)
        .exists()
    ):
        # 三员分立: the system, security and audit administrators hold no business role.
        raise ValidationError({"user": _("三员分立：系统、安全、审计管理员不得兼任指导组成员")})
    membership = Membership(
        group=group, **{k: v for k, v in fields.items() if k in MEMBERSHIP_FIELDS}
    )
    result = create_object(actor=actor, instance=membership)
    reset_scope(membership.user)
    return result


def membership_update(
    *, actor: User, membership: Membership, data: dict[str, Any], expected_version: int | None
) -> Membership:
    _require_group(actor, membership.group)
    _only(data, MEMBERSHIP_FIELDS)
    if "user" in data and data["user"] != membership.user:
        raise ValidationError({"user": _("不能更换成员本人，请结束任期后另行添加")})
    return update_object(
        actor=actor, instance=membership, data=data, expected_version=expected_version
    )


# --- pairings -------------------------------------------------------------------------------


def pairing_create(
    *,
    actor: User,
    batch: Batch,
    group: GuidanceGroup,
    region: Any,
    since: Any,
    note: str = "",
    handover_reason: str = "",
) -> Pairing:
    """Pair a group with a region in a batch. A region already paired (itself, above or below)
    in another batch in force is paired again only with a handover decision and its reason,
    recorded as a PairingHandover from each earlier pairing to the new one."""
    require_province_admin(actor)
    if group.batch_id != batch.pk:
        raise ValidationError({"group": _("指导组不属于该批次")})
    if region is not None and getattr(region, "path", None):
        # A city and one of its counties paired in the same batch would guide the same
        # schools twice; the exact same region is refused by the database constraint.
        overlapping = (
            Pairing.objects.filter(batch=batch)
            .exclude(region=region)
            .filter(
                Q(region__path__startswith=region.path) | Q(region__code__in=region.ancestor_codes)
            )
            .select_related("region", "group")
        )
        errors = [
            _("%(region)s 与本批次已结对的「%(other)s」（%(group)s）范围重叠")
            % {"region": region.name, "other": p.region.name, "group": p.group.name}
            for p in overlapping
        ]
        if errors:
            raise ValidationError({"region": errors})
    earlier = _paired_in_force_elsewhere(batch, region)
    reason = (handover_reason or "").strip()
    if earlier and not reason:
        raise ValidationError(
            {
                "handover_reason": [
                    _(
                        "%(region)s 已在实施中的「%(batch)s」与「%(group)s」结对（%(other)s）："
                        "再次结对须作出交接决定并填写交接理由"
                    )
                    % {
                        "region": region.name,
                        "batch": p.batch.name,
                        "group": p.group.name,
                        "other": p.region.name,
                    }
                    for p in earlier
                ]
            }
        )
    with transaction.atomic():
        pairing = create_object(
            actor=actor,
            instance=Pairing(batch=batch, group=group, region=region, since=since, note=note),
        )
        for p in earlier:
            handover = PairingHandover(
                region=region,
                from_pairing=p,
                to_pairing=pairing,
                reason=reason,
                decided_by=actor,
            )
            create_object(actor=actor, instance=handover)
    return pairing


def _paired_in_force_elsewhere(batch: Batch, region: Any) -> list[Pairing]:
    if region is None or not getattr(region, "path", None):
        return []
    return list(
        Pairing.objects.filter(batch__status=BatchStatus.ACTIVE)
        .exclude(batch=batch)
        .filter(
            Q(region=region)
            | Q(region__path__startswith=region.path)
            | Q(region__code__in=region.ancestor_codes)
        )
        .select_related("batch", "group", "region")
        .order_by("batch__number", "region_id")
    )


def pairing_delete(*, actor: User, pairing: Pairing) -> None:
    require_province_admin(actor)
    if DistrictSchool.objects.filter(
        district__group=pairing.group, school__county__path__startswith=pairing.region.path
    ).exists():
        raise ValidationError(_("该结对地区的学校已划入片区，请先调整片区"))
    delete_object(actor=actor, instance=pairing)


# --- districts ------------------------------------------------------------------------------


def district_create(
    *,
    actor: User,
    group: GuidanceGroup,
    name: str,
    note: str = "",
    instructors: Iterable[Membership] = (),
) -> District:
    _require_group(actor, group)
    with transaction.atomic():
        district = create_object(
            actor=actor, instance=District(group=group, batch=group.batch, name=name, note=note)
        )
        _set_instructors(actor, district, list(instructors))
    return district


def district_update(
    *,
    actor: User,
    district: District,
    data: dict[str, Any],
    expected_version: int | None,
    instructors: Iterable[Membership] | None = None,
) -> District:
    _require_group(actor, district.group)
    with transaction.atomic():
        district = update_object(
            actor=actor, instance=district, data=data, expected_version=expected_version
        )
        if instructors is not None:
            _set_instructors(actor, district, list(instructors))
    return district


def _set_instructors(actor: User, district: District, memberships: list[Membership]) -> None:
    wrong = [m for m in memberships if m.group_id != district.group_id or not m.is_active]
    if wrong:
        raise ValidationError(
            {
                "instructors": _("以下人员不是本指导组在任成员：%(names)s")
                % {"names": "、".join(str(m.user) for m in wrong)}
            }
        )
    before = sorted(str(m.user) for m in district.instructors.select_related("user"))
    district.instructors.set(memberships)
    after = sorted(str(m.user) for m in memberships)
    if before != after:
        # A change of instructors is a change of the district: the next stale form conflicts.
        District.objects.filter(pk=district.pk).update(version=F("version") + 1)
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=district,
            changes={"instructors": [before, after]},
        )
    for m in memberships:
        reset_scope(m.user)


def district_assign_schools(*, actor: User, district: District, schools: Iterable[School]) -> int:
    """Add schools to a district. A school already in another district of the same batch, or
    outside the regions the group guides, is refused and nothing is written."""
    _require_group(actor, district.group)
    schools = list(schools)
    ids = [s.pk for s in schools]
    errors: list[str] = []
    taken = (
        DistrictSchool.objects.filter(batch=district.batch, school_id__in=ids)
        .exclude(district=district)
        .select_related("school", "district")
    )
    errors += [
        _("%(school)s 已划入片区「%(district)s」")
        % {"school": link.school.name, "district": link.district.name}
        for link in taken
    ]
    guided = School.objects.filter(pk__in=ids).filter(group_region_q(district.group))
    outside = set(ids) - set(guided.values_list("pk", flat=True))
    errors += [
        _("%(school)s 不在本指导组结对地区内") % {"school": s.name}
        for s in schools
        if s.pk in outside
    ]
    if errors:
        raise ValidationError(errors)
    already = set(district.assignments.values_list("school_id", flat=True))
    new = [s for s in schools if s.pk not in already]
    with transaction.atomic():
        DistrictSchool.objects.bulk_create(
            [DistrictSchool(district=district, school=s, batch=district.batch) for s in new]
        )
        bump_scope_version()  # the district's instructors now see these schools
        if new:
            audit.record(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=district,
                changes={"schools_added": [None, [s.name for s in new]]},
            )
    return len(new)


def district_remove_schools(*, actor: User, district: District, schools: Iterable[School]) -> int:
    _require_group(actor, district.group)
    ids = [s.pk for s in schools]
    with transaction.atomic():
        links = DistrictSchool.objects.filter(district=district, school_id__in=ids)
        # The audit names the schools that really left the district, not what was asked.
        names = sorted(links.values_list("school__name", flat=True))
        removed, _detail = links.delete()
        if removed:
            audit.record(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=district,
                changes={"schools_removed": [names, None]},
            )
    return removed
