"""The programme's scope rules (DESIGN §2): who sees what, from role assignments, memberships,
pairings and districts. core holds the `Scope` value and `get_scope`; this module computes it
(registered from ProgrammeConfig.ready()) and states the region rules built on pairings, so that
no other module re-derives them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from handinhand.accounts.models import Role, RoleAssignment, User
from handinhand.core.scope import EMPTY, Scope, get_scope
from handinhand.orgs.models import Region, RegionLevel, School
from handinhand.programme.models import (
    DistrictSchool,
    GroupLevel,
    GuidanceGroup,
    MemberRole,
    Membership,
    Pairing,
)


def _ancestors(path: str) -> list[str]:
    return [code for code in path.strip("/").split("/") if code]


def compute_scope(user: User) -> Scope:
    """Where the user's view of the province begins, from their role assignments and current
    memberships. Registered as core's scope computation by ProgrammeConfig.ready()."""
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
    own_school_ids: set[int] = set()
    school_counties: dict[int, str] = {}  # each school of school_ids: its county
    upward: set[str] = set()
    ancestors: set[str] = set()

    for a in assignments:
        if a.role == Role.REGION_STAFF and a.region is not None:
            paths.add(a.region.path)
            staff_paths.add(a.region.path)
            upward.update(_ancestors(a.region.path))
        elif a.role == Role.SCHOOL_USER and a.school is not None:
            school_ids.add(a.school.pk)
            school_counties[a.school.pk] = a.school.county_id
            own_school_ids.add(a.school.pk)
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
        school_counties.update(
            DistrictSchool.objects.filter(
                district__instructors__in=[m.pk for m in memberships]
            ).values_list("school_id", "school__county_id")
        )
        school_ids.update(school_counties)

    for path in paths:
        ancestors.update(_ancestors(path))
    everything = Role.PROVINCE_ADMIN in roles
    minimal = _minimal(paths)
    county_codes: set[str] = set()
    if minimal and not everything:
        # One query on the region table (3,411 rows nationally), served by the path column's
        # varchar_pattern_ops index that Django adds on PostgreSQL: the scope then filters
        # schools on their own county column (see SchoolQuerySet.in_scope).
        in_paths = Q(pk__in=[])
        for path in minimal:
            in_paths |= Q(path__startswith=path)
        county_codes.update(
            Region.objects.filter(in_paths, level=RegionLevel.COUNTY).values_list("code", flat=True)
        )
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
    outside = {pk for pk in school_ids if school_counties.get(pk) not in county_codes}
    return Scope(
        everything=everything,
        is_business=bool(roles & business_roles),
        region_paths=tuple(sorted(minimal)),
        staff_paths=tuple(sorted(staff_paths)),
        school_ids=frozenset(school_ids),
        county_codes=frozenset(county_codes),
        outside_school_ids=frozenset(outside),
        own_school_ids=frozenset(own_school_ids),
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


def guided_region_paths(groups: Iterable[int | GuidanceGroup]) -> dict[int, list[str]]:
    """The region subtrees each group guides (R2, R4): its pairings' regions, and for a city or
    county group its own region. The one statement of that rule: one query for the pairings,
    one more for the groups given by id rather than loaded (with their region)."""
    groups = list(groups)
    loaded = [g for g in groups if isinstance(g, GuidanceGroup)]
    ids = [g for g in groups if not isinstance(g, GuidanceGroup)]
    own = [(g.pk, g.level, g.region.path) for g in loaded]
    if ids:
        own += GuidanceGroup.objects.filter(pk__in=ids).values_list("pk", "level", "region__path")
    paths: dict[int, list[str]] = {pk: [] for pk, _level, _path in own}
    for pk, level, path in own:
        if level != GroupLevel.PROVINCE:
            paths[pk].append(path)
    for pk, path in Pairing.objects.filter(group_id__in=list(paths)).values_list(
        "group_id", "region__path"
    ):
        paths[pk].append(path)
    return paths


def group_region_q(group: GuidanceGroup) -> Q:
    """Schools a group guides: its pairings' regions, or its own region below province."""
    query = Q(pk__in=[])
    for path in guided_region_paths([group])[group.pk]:
        query |= Q(county__path__startswith=path)
    return query


def readable_university_ids(user: User) -> set[int]:
    """Universities whose shared materials the user reads: their own (as a member of a group it
    leads), and each university leading a group paired with a region where the user sees a
    school. Two queries; the pairings of a province are a few hundred rows at most."""
    scope = get_scope(user)
    own_school_paths = set(
        School.objects.filter(pk__in=scope.school_ids).values_list("county__path", flat=True)
    )
    readable = set(scope.university_ids)
    for path, university_id in Pairing.objects.filter(
        group__lead_university__isnull=False
    ).values_list("region__path", "group__lead_university_id"):
        overlaps = any(p.startswith(path) or path.startswith(p) for p in scope.region_paths)
        if overlaps or any(p.startswith(path) for p in own_school_paths):
            readable.add(university_id)
    return readable
