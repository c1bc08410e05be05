"""The audience of a notice, and its resolution to people at publication.

What a publisher picks, and what each pick reaches (all parts are added together):

- roles × regions: the people holding one of the picked roles (all roles when none is picked)
  in the picked regions' subtrees (the publisher's own region when none is picked);
- levels: the members of the guidance groups of that level that concern the picked regions
  (or the publisher's region);
- groups: all current members of each picked group;
- schools: the school users of each picked school.

A group *concerns* a region when its own region lies in it (city and county groups) or when it
is paired with a region that overlaps it (the provincial group paired with 萍乡市 concerns
湘东区 too, since it guides its schools).

Every pick must lie inside the publisher's scope; resolution costs one query per kind of pick,
however many people it reaches, and never one per person.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from handinhand.accounts.models import Role, RoleAssignment
from handinhand.notices.models import AudienceLevel, AudienceRole
from handinhand.orgs.models import Region, School
from handinhand.programme.models import GuidanceGroup, MemberRole, Membership


@dataclass(frozen=True)
class Audience:
    levels: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()  # region codes
    roles: tuple[str, ...] = ()
    groups: tuple[int, ...] = ()
    schools: tuple[int, ...] = ()

    @classmethod
    def of(
        cls,
        *,
        levels: Iterable[str] = (),
        regions: Iterable[str] = (),
        roles: Iterable[str] = (),
        groups: Iterable[int] = (),
        schools: Iterable[int] = (),
    ) -> Audience:
        return cls(
            levels=tuple(sorted(set(levels))),
            regions=tuple(sorted(set(regions))),
            roles=tuple(sorted(set(roles))),
            groups=tuple(sorted(set(groups))),
            schools=tuple(sorted(set(schools))),
        )

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Audience:
        return cls.of(
            levels=data.get("levels", ()),
            regions=data.get("regions", ()),
            roles=data.get("roles", ()),
            groups=data.get("groups", ()),
            schools=data.get("schools", ()),
        )

    def as_json(self) -> dict[str, list[Any]]:
        return {
            "levels": list(self.levels),
            "regions": list(self.regions),
            "roles": list(self.roles),
            "groups": list(self.groups),
            "schools": list(self.schools),
        }

    @property
    def is_empty(self) -> bool:
        return not (self.levels or self.regions or self.roles or self.groups or self.schools)


@dataclass
class Resolved:
    """The recipients (user id → the region they are in, for the receipts' filter) and a
    readable description of the picks."""

    recipients: dict[int, str | None] = field(default_factory=dict)
    label: str = ""

    def add(self, rows: Iterable[tuple[int, str | None]]) -> None:
        for user_id, region in rows:
            # The first place found wins; a person reached twice gets one receipt.
            self.recipients.setdefault(user_id, region)


def _under(field_name: str, paths: Sequence[str]) -> Q:
    query = Q(pk__in=[])
    for path in paths:
        query |= Q(**{f"{field_name}__startswith": path})
    return query


def _ancestors_and_self(path: str) -> list[str]:
    """'360000/360300/360313/' → the paths of 360000, 360300 and 360313."""
    codes = [c for c in path.strip("/").split("/") if c]
    return ["".join(f"{c}/" for c in codes[: i + 1]) for i in range(len(codes))]


def groups_concerning(paths: Sequence[str]) -> Q:
    """Guidance groups that concern any of the region subtrees `paths` ("" is everything)."""
    if "" in paths:
        return Q()
    above = sorted({a for p in paths for a in _ancestors_and_self(p)})
    return (
        (~Q(level=AudienceLevel.PROVINCE) & _under("region__path", paths))
        | _under("pairings__region__path", paths)
        | Q(pairings__region__path__in=above)
    )


def validate(audience: Audience, *, publisher_paths: Sequence[str]) -> tuple[list[str], str]:
    """Check the picks against the publisher's scope; return the regions' paths and a label.

    One query per kind of pick. A pick outside the scope is refused without naming it, so
    that its existence is not revealed."""
    if audience.is_empty:
        raise ValidationError(
            {"audience": _("通知对象不能为空：请至少选择层级、地区、角色、指导组或学校之一")}
        )
    errors: list[str] = []
    labels: list[str] = []
    bad_levels = set(audience.levels) - set(AudienceLevel.values)
    bad_roles = set(audience.roles) - set(AudienceRole.values)
    if bad_levels or bad_roles:
        errors.append(_("无效的层级或角色"))
    region_paths: list[str] = []
    if audience.regions:
        regions = list(Region.objects.filter(code__in=audience.regions).values_list("path", "name"))
        inside = [(p, n) for p, n in regions if any(p.startswith(s) for s in publisher_paths)]
        if len(inside) != len(audience.regions):
            errors.append(
                _("所选地区中有 %(n)d 个不在您的发布范围内")
                % {"n": len(audience.regions) - len(inside)}
            )
        region_paths = [p for p, _n in inside]
        labels.append(_("地区：%(names)s") % {"names": "、".join(n for _p, n in inside)})
    if audience.schools:
        schools = list(
            School.objects.filter(pk__in=audience.schools).values_list("county__path", "name")
        )
        inside_s = [n for p, n in schools if any(p.startswith(s) for s in publisher_paths)]
        if len(inside_s) != len(audience.schools):
            errors.append(
                _("所选学校中有 %(n)d 所不在您的发布范围内")
                % {"n": len(audience.schools) - len(inside_s)}
            )
        labels.append(_("学校：%(names)s") % {"names": "、".join(inside_s)})
    if audience.groups:
        names = list(
            GuidanceGroup.objects.filter(pk__in=audience.groups, is_active=True)
            .filter(groups_concerning(publisher_paths))
            .values_list("name", flat=True)
            .distinct()
        )
        if len(names) != len(audience.groups):
            errors.append(
                _("所选指导组中有 %(n)d 个不在您的发布范围内")
                % {"n": len(audience.groups) - len(names)}
            )
        labels.append(_("指导组：%(names)s") % {"names": "、".join(names)})
    if errors:
        raise ValidationError({"audience": errors})
    if audience.levels:
        labels.append(
            _("层级：%(names)s")
            % {"names": "、".join(str(AudienceLevel(v).label) for v in audience.levels)}
        )
    if audience.roles:
        labels.append(
            _("角色：%(names)s")
            % {"names": "、".join(str(AudienceRole(v).label) for v in audience.roles)}
        )
    return region_paths, "；".join(labels)


def resolve(audience: Audience, *, publisher_paths: Sequence[str]) -> Resolved:
    """The people the audience reaches now: a handful of set-based queries, never one per
    person (a province-wide notice reaches about 15,000 people)."""
    region_paths, label = validate(audience, publisher_paths=publisher_paths)
    resolved = Resolved(label=label)
    places = region_paths or list(publisher_paths)
    assignments = RoleAssignment.objects.active().filter(user__is_active=True)
    if audience.roles or audience.regions:
        roles = set(audience.roles or AudienceRole.values)
        if AudienceRole.REGION_STAFF in roles:
            resolved.add(
                assignments.filter(role=Role.REGION_STAFF)
                .filter(_under("region__path", places))
                .values_list("user_id", "region_id")
            )
        if AudienceRole.SCHOOL_USER in roles:
            resolved.add(
                assignments.filter(role=Role.SCHOOL_USER)
                .filter(_under("school__county__path", places))
                .values_list("user_id", "school__county_id")
            )
        if AudienceRole.UNIT_CONTACT in roles:
            units = assignments.filter(role=Role.UNIT_CONTACT)
            if "" not in places:
                units = units.filter(_under("unit__region__path", places))
            resolved.add(units.values_list("user_id", "unit__region_id"))
        if roles & {AudienceRole.INSTRUCTOR, AudienceRole.LEADER}:
            members = _members(GuidanceGroup.objects.filter(groups_concerning(places)))
            if AudienceRole.INSTRUCTOR not in roles:
                members = members.filter(role__in=[MemberRole.LEADER, MemberRole.DEPUTY])
            resolved.add(members.values_list("user_id", "group__region_id"))
    if audience.levels:
        groups = GuidanceGroup.objects.filter(level__in=audience.levels).filter(
            groups_concerning(places)
        )
        resolved.add(_members(groups).values_list("user_id", "group__region_id"))
    if audience.groups:
        groups = GuidanceGroup.objects.filter(pk__in=audience.groups)
        resolved.add(_members(groups).values_list("user_id", "group__region_id"))
    if audience.schools:
        resolved.add(
            assignments.filter(role=Role.SCHOOL_USER, school_id__in=audience.schools).values_list(
                "user_id", "school__county_id"
            )
        )
    return resolved


def _members(groups: Any) -> Any:
    return Membership.objects.current().filter(
        group__in=groups.filter(is_active=True).values("pk"), user__is_active=True
    )
