"""Data scope (DESIGN §2), decided here and nowhere else.

`get_scope(user)` gathers, once per request, where a user's view of the province begins: the
region subtrees, schools and groups they hold through role assignments and memberships. Each
model's `visible_to(user)` turns that into a filter; a person holding several roles sees the
union. Views never re-implement any of this.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

SCOPE_ATTR = "_handinhand_scope"


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    is_business: bool = False
    region_paths: tuple[str, ...] = ()
    # Regions whose education bureau the user works for: where they may edit organisations.
    staff_paths: tuple[str, ...] = ()
    school_ids: frozenset[int] = frozenset()
    group_ids: frozenset[int] = frozenset()
    led_group_ids: frozenset[int] = frozenset()
    university_ids: frozenset[int] = frozenset()
    # Units (单位) whose people a unit contact (单位联络人) looks after.
    unit_ids: frozenset[int] = frozenset()
    # Regions above a user's own (province excluded): whose guidance groups they may see.
    upward_codes: frozenset[str] = frozenset()
    # Every region above anything in scope, so that navigation can show where things are.
    ancestor_codes: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    can_manage_users: bool = False
    can_manage_roles: bool = False
    can_read_audit: bool = False

    def region_q(self, path_field: str) -> Q:
        """Q matching rows whose region (reached by `path_field`) lies in a scope subtree."""
        query = Q(pk__in=[])
        for path in self.region_paths:
            query |= Q(**{f"{path_field}__startswith": path})
        return query

    def staff_q(self, path_field: str) -> Q:
        """Q matching rows whose region lies where the user works for the education bureau."""
        query = Q(pk__in=[])
        for path in self.staff_paths:
            query |= Q(**{f"{path_field}__startswith": path})
        return query

    @property
    def is_instructor(self) -> bool:
        return bool(self.group_ids)

    @property
    def is_province_admin(self) -> bool:
        return self.everything

    def can_edit_region(self, region_path: str) -> bool:
        """Province admins and region staff edit organisation data inside their region."""
        if self.everything:
            return True
        return "region_staff" in self.roles and any(
            region_path.startswith(p) for p in self.staff_paths
        )


EMPTY = Scope()


def _ancestors(path: str) -> list[str]:
    return [code for code in path.strip("/").split("/") if code]


def compute_scope(user: Any) -> Scope:
    from handinhand.accounts.models import Role, RoleAssignment
    from handinhand.programme.models import DistrictSchool, MemberRole, Membership, Pairing

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY

    assignments = list(
        RoleAssignment.objects.active().filter(user=user).select_related("region", "school__county")
    )
    roles = {a.role for a in assignments}
    memberships = list(
        Membership.objects.current()
        .filter(user=user, group__is_active=True)
        .select_related("group__region")
    )

    paths: set[str] = set()
    staff_paths: set[str] = set()
    school_ids: set[int] = set()
    upward: set[str] = set()
    ancestors: set[str] = set()

    for a in assignments:
        if a.role == Role.REGION_STAFF and a.region is not None:
            paths.add(a.region.path)
            staff_paths.add(a.region.path)
            upward.update(_ancestors(a.region.path))
        elif a.role == Role.SCHOOL_USER and a.school is not None:
            school_ids.add(a.school.pk)
            upward.update(_ancestors(a.school.county.path))
            ancestors.update(_ancestors(a.school.county.path))

    unit_ids = {a.unit_id for a in assignments if a.role == Role.UNIT_CONTACT and a.unit_id}
    group_ids = {m.group_id for m in memberships}
    led = {m.group_id for m in memberships if m.role in (MemberRole.LEADER, MemberRole.DEPUTY)}
    university_ids = {m.group.lead_university_id for m in memberships if m.group.lead_university_id}
    if memberships:
        roles.add("instructor")
        for m in memberships:
            # City and county groups guide their own region; provincial groups guide their pairs.
            if m.group.level != "province":
                paths.add(m.group.region.path)
        for path in Pairing.objects.filter(group_id__in=group_ids).values_list(
            "region__path", flat=True
        ):
            paths.add(path)
        school_ids.update(
            DistrictSchool.objects.filter(
                district__instructors__in=[m.pk for m in memberships]
            ).values_list("school_id", flat=True)
        )

    for path in paths:
        ancestors.update(_ancestors(path))
    everything = Role.PROVINCE_ADMIN in roles
    business_roles = {
        Role.PROVINCE_ADMIN,
        Role.REGION_STAFF,
        Role.SCHOOL_USER,
        Role.UNIT_CONTACT,
        "instructor",
    }
    # The province itself is above everyone; seeing its groups would mean seeing all groups.
    province_codes = {p.strip("/").split("/")[0] for p in paths} | {
        c for c in upward if c.endswith("0000")
    }
    return Scope(
        everything=everything,
        is_business=bool(roles & business_roles),
        region_paths=tuple(sorted(_minimal(paths))),
        staff_paths=tuple(sorted(staff_paths)),
        school_ids=frozenset(school_ids),
        group_ids=frozenset(group_ids),
        led_group_ids=frozenset(led),
        university_ids=frozenset(university_ids),
        unit_ids=frozenset(unit_ids),
        upward_codes=frozenset(upward - province_codes),
        ancestor_codes=frozenset(ancestors),
        roles=frozenset(roles),
        can_manage_users=Role.SYSTEM_ADMIN in roles,
        can_manage_roles=Role.SECURITY_ADMIN in roles,
        can_read_audit=Role.AUDIT_ADMIN in roles,
    )


def _minimal(paths: set[str]) -> set[str]:
    """Drop paths already inside another path, so that the SQL has fewer OR terms."""
    return {p for p in paths if not any(p != q and p.startswith(q) for q in paths)}


def get_scope(user: Any) -> Scope:
    scope = getattr(user, SCOPE_ATTR, None)
    if scope is None:
        scope = compute_scope(user)
        # AnonymousUser and other attribute-less objects simply compute again next time.
        with contextlib.suppress(AttributeError):
            setattr(user, SCOPE_ATTR, scope)
    return scope


def reset_scope(user: Any) -> None:
    if hasattr(user, SCOPE_ATTR):
        delattr(user, SCOPE_ATTR)
