"""Reads of the programme's structure, all starting from visible_to(user)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from handinhand.accounts.models import User
from handinhand.core.policy import get_policy
from handinhand.core.scope import get_scope
from handinhand.orgs.models import Region, RegionLevel, School
from handinhand.programme.models import (
    Batch,
    BatchStatus,
    District,
    DistrictSchool,
    GroupLevel,
    GuidanceGroup,
    MemberRole,
    Membership,
    Pairing,
)
from handinhand.programme.scope import group_region_q, guided_region_paths

# Province, city, county: the stored values do not sort that way.
LEVEL_ORDER = Case(
    *[When(level=level, then=Value(i)) for i, level in enumerate(GroupLevel.values)],
    default=Value(99),
    output_field=IntegerField(),
)

# Leader first, then deputy, instructor, liaison (the stored values do not sort that way).
ROLE_ORDER = Case(
    *[When(role=role, then=Value(i)) for i, role in enumerate(MemberRole.values)],
    default=Value(99),
    output_field=IntegerField(),
)


def current_instructors(lookup: str = "instructors") -> Prefetch[Any, Any, Any]:
    """A district's instructors in force today: an ended term stays linked for the record but
    is no longer shown as guiding the schools."""
    return Prefetch(lookup, queryset=Membership.objects.current().select_related("user"))


@dataclass
class CoverageRow:
    region: Region | None
    label: str
    level: str
    schools: int = 0
    paired: int = 0
    districted: int = 0
    children: list[CoverageRow] = field(default_factory=list)

    @property
    def paired_pct(self) -> float:
        return round(100 * self.paired / self.schools, 1) if self.schools else 0.0

    @property
    def districted_pct(self) -> float:
        return round(100 * self.districted / self.schools, 1) if self.schools else 0.0


@dataclass
class BatchCoverage:
    batch: Batch | None  # None: all batches together (累计)
    total: CoverageRow
    cities: list[CoverageRow]


def coverage(user: User) -> list[BatchCoverage]:
    """Schools in paired regions and schools in a district, per batch, city and county.

    A handful of grouped queries whatever the size of the province: counts per county are
    fetched and the (small) region tree is rolled up in Python. The last entry is the total
    over all batches (累计) when there is more than one batch.
    """
    schools = School.objects.visible_to(user)
    per_county = dict(
        schools.values_list("county_id").annotate(n=Count("id")).values_list("county_id", "n")
    )
    districted: dict[int | None, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for batch_id, county_id, n in (
        DistrictSchool.objects.filter(school__in=schools)
        .values_list("batch_id", "school__county_id")
        .annotate(n=Count("id"))
        .values_list("batch_id", "school__county_id", "n")
    ):
        districted[batch_id][county_id] += n
    # Across batches a school counts once, however many batches placed it in a district; only
    # batches in force (实施中) count: a batch in preparation covers nothing yet.
    districted_any = dict(
        DistrictSchool.objects.filter(school__in=schools, batch__status=BatchStatus.ACTIVE)
        .values_list("school__county_id")
        .annotate(n=Count("school_id", distinct=True))
        .values_list("school__county_id", "n")
    )
    batches = list(Batch.objects.visible_to(user).order_by("number"))
    paired_paths: dict[int, list[str]] = defaultdict(list)
    for batch_id, path in Pairing.objects.visible_to(user).values_list("batch_id", "region__path"):
        paired_paths[batch_id].append(path)

    regions = list(Region.objects.visible_to(user).order_by("code"))
    counties = [r for r in regions if r.level == RegionLevel.COUNTY and r.code in per_county]
    cities = [r for r in regions if r.level == RegionLevel.CITY]

    def build(batch: Batch | None) -> BatchCoverage:
        in_district: dict[str, int]
        if batch is None:
            paths = [
                p for b in batches if b.status == BatchStatus.ACTIVE for p in paired_paths[b.pk]
            ]
            in_district = districted_any
        else:
            paths = paired_paths[batch.pk]
            in_district = districted[batch.pk]
        total = CoverageRow(None, _("合计"), "total")
        city_rows = {c.code: CoverageRow(c, c.name, "city") for c in cities}
        for county in counties:
            n = per_county.get(county.code, 0)
            row = CoverageRow(
                county,
                county.name,
                "county",
                schools=n,
                paired=n if any(county.path.startswith(p) for p in paths) else 0,
                districted=min(n, in_district.get(county.code, 0)),
            )
            parent = city_rows.get(county.parent_id or "")
            if parent is not None:
                parent.children.append(row)
                parent.schools += row.schools
                parent.paired += row.paired
                parent.districted += row.districted
            total.schools += row.schools
            total.paired += row.paired
            total.districted += row.districted
        rows = [r for r in city_rows.values() if r.children]
        return BatchCoverage(batch, total, rows)

    result = [build(b) for b in batches]
    # The total (累计) counts the active batches alone; with one batch it is that batch, unless
    # the batch is not yet (or no longer) in force.
    if len(batches) > 1 or any(b.status != BatchStatus.ACTIVE for b in batches):
        result.append(build(None))
    return result


def groups_for_list(user: User) -> QuerySet[GuidanceGroup]:
    return (
        GuidanceGroup.objects.visible_to(user)
        .select_related("region", "lead_university", "batch")
        .annotate(
            member_count=Count("memberships", filter=Q(memberships__is_active=True), distinct=True),
            pairing_count=Count("pairings", distinct=True),
            district_count=Count("districts", distinct=True),
        )
    )


def group_detail(user: User, pk: int) -> GuidanceGroup:
    return get_object_or_404(
        GuidanceGroup.objects.visible_to(user)
        .select_related("region", "lead_university", "batch")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("user").order_by(
                    "-is_active", ROLE_ORDER, "user__full_name"
                ),
            ),
            Prefetch(
                "pairings", queryset=Pairing.objects.select_related("region__parent", "batch")
            ),
            Prefetch(
                "districts",
                queryset=District.objects.annotate(
                    school_count=Count("assignments")
                ).prefetch_related(current_instructors()),
            ),
        ),
        pk=pk,
    )


def school_programme(user: User, school: School) -> dict[str, Any]:
    """The guidance a school receives: its districts and instructors, the groups paired with
    its city or county, in the user's scope."""
    links = (
        DistrictSchool.objects.filter(school=school, district__in=District.objects.visible_to(user))
        .select_related("district__group", "batch")
        .prefetch_related(current_instructors("district__instructors"))
    )
    ancestor_codes = [c for c in school.county.path.strip("/").split("/") if c]
    pairings = (
        Pairing.objects.visible_to(user)
        .filter(region_id__in=ancestor_codes)
        .select_related("group__lead_university", "batch", "region")
    )
    return {"district_links": list(links), "pairings": list(pairings)}


def cumulative(result: list[BatchCoverage]) -> BatchCoverage | None:
    """The all-batches entry of `coverage()` (the only entry when there is one batch)."""
    return result[-1] if result else None


def batches_for_list(user: User) -> QuerySet[Batch]:
    # Counted among what the user may see, so that a count reveals nothing beyond scope.
    groups = GuidanceGroup.objects.visible_to(user).values("pk")
    return Batch.objects.visible_to(user).annotate(
        group_count=Count("groups", filter=Q(groups__in=groups), distinct=True),
        pairing_count=Count("pairings", filter=Q(pairings__group__in=groups), distinct=True),
    )


def memberships_for_list(user: User) -> QuerySet[Membership]:
    return Membership.objects.visible_to(user).select_related("user", "group")


def pairings_for_list(user: User) -> QuerySet[Pairing]:
    return Pairing.objects.visible_to(user).select_related(
        "batch", "group__lead_university", "region__parent"
    )


def districts_for_list(user: User) -> QuerySet[District]:
    return (
        District.objects.visible_to(user)
        .select_related("group", "batch")
        .annotate(school_count=Count("assignments", distinct=True))
        .prefetch_related(current_instructors())
    )


def district_detail_qs(user: User) -> QuerySet[District]:
    return District.objects.visible_to(user).select_related(
        "group__region", "group__lead_university", "batch"
    )


def district_schools(user: User, district: District) -> QuerySet[School]:
    return (
        School.objects.visible_to(user)
        .filter(district_links__district=district)
        .select_related("county__parent")
        .order_by("county_id", "name")
    )


def district_candidates(user: User, district: District, text: str = "") -> QuerySet[School]:
    """Schools the district's group guides that no district of its batch holds yet."""
    qs = (
        School.objects.visible_to(user)
        .filter(group_region_q(district.group))
        .exclude(pk__in=DistrictSchool.objects.filter(batch=district.batch).values("school_id"))
        .select_related("county__parent")
        .order_by("county_id", "name")
    )
    text = text.strip()
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(county__name__icontains=text))
    return qs


@dataclass
class Overview:
    """Headline numbers of the programme within a user's scope."""

    batches: int
    groups: int
    instructors: int
    coverage: BatchCoverage | None

    @property
    def schools(self) -> int:
        return self.coverage.total.schools if self.coverage else 0


def overview(user: User) -> Overview:
    groups = GuidanceGroup.objects.visible_to(user).filter(is_active=True)
    return Overview(
        batches=Batch.objects.visible_to(user).count(),
        groups=groups.count(),
        instructors=Membership.objects.current()
        .filter(group__in=groups)
        .values("user_id")
        .distinct()
        .count(),
        coverage=cumulative(coverage(user)),
    )


@dataclass
class MyProgramme:
    """An instructor's or leader's own place in the programme."""

    memberships: Sequence[Membership]
    districts: Sequence[District]
    pairings: Sequence[Pairing]


def my_programme(user: User) -> MyProgramme:
    memberships = list(
        Membership.objects.current()
        .filter(user=user, group__is_active=True)
        .select_related("group__region", "group__lead_university", "group__batch")
        .annotate(
            group_members=Count(
                "group__memberships", filter=Q(group__memberships__is_active=True), distinct=True
            ),
            group_districts=Count("group__districts", distinct=True),
        )
        .order_by(ROLE_ORDER, "group__name")
    )
    districts = list(
        District.objects.filter(instructors__in=[m.pk for m in memberships])
        .select_related("group", "batch")
        .annotate(school_count=Count("assignments", distinct=True))
        .order_by("group__name", "name")
        .distinct()
    )
    pairings = list(
        Pairing.objects.filter(group_id__in=[m.group_id for m in memberships])
        .select_related("group", "batch", "region__parent")
        .order_by("batch__number", "region_id")
    )
    return MyProgramme(memberships, districts, pairings)


@dataclass
class SchoolProgramme:
    school: School
    district_links: list[DistrictSchool]
    pairings: list[Pairing]
    # City and county groups guide their own region without a pairing.
    local_groups: list[GuidanceGroup]


def schools_programme(user: User) -> list[SchoolProgramme]:
    """`school_programme` for every school a school user holds, in a constant number of
    queries however many schools that is."""
    schools = list(
        School.objects.visible_to(user)
        .filter(pk__in=get_scope(user).own_school_ids)
        .select_related("county__parent")
        .order_by("name")
    )
    if not schools:
        return []
    links = list(
        DistrictSchool.objects.filter(
            school__in=schools, district__in=District.objects.visible_to(user)
        )
        .select_related("district__group", "batch")
        .prefetch_related(
            Prefetch(
                "district__instructors",
                queryset=Membership.objects.current().select_related("user"),
            )
        )
        .order_by("batch__number")
    )
    codes = {c for s in schools for c in s.county.path.strip("/").split("/") if c}
    pairings = list(
        Pairing.objects.visible_to(user)
        .filter(region_id__in=codes)
        .select_related("group__lead_university", "batch", "region")
        .order_by("batch__number")
    )
    local_groups = list(
        GuidanceGroup.objects.visible_to(user)
        .filter(region_id__in=codes, is_active=True)
        .exclude(level=GroupLevel.PROVINCE)
        .select_related("region", "lead_university")
        .order_by(LEVEL_ORDER, "name")
    )
    return [
        SchoolProgramme(
            school=s,
            district_links=[link for link in links if link.school_id == s.pk],
            pairings=[p for p in pairings if s.county.path.startswith(p.region.path)],
            local_groups=[g for g in local_groups if s.county.path.startswith(g.region.path)],
        )
        for s in schools
    ]


def staffing(group: GuidanceGroup, active: list[Membership]) -> dict[str, Any] | None:
    """A provincial group's instructors against the policy (R3: 5 per group). Leader, deputy
    and instructors are all 党建指导员 of the group; a liaison (联络员) is staff. One rule for
    the group page, the API and, later, the funding per member (R12)."""
    if group.level != GroupLevel.PROVINCE:
        return None
    target = get_policy().groups.instructors_per_group
    staffed = sum(1 for m in active if m.role != MemberRole.LIAISON)
    return {"count": staffed, "target": target, "ok": staffed == target}


def groups_by_county(group_ids: list[int]) -> dict[str, list[int]]:
    """For each county, the given groups that guide it: grouped queries by county stand in for
    a query per group (annual reports)."""
    paths = guided_region_paths(group_ids)
    result: dict[str, list[int]] = defaultdict(list)
    for code, county_path in Region.objects.filter(level=RegionLevel.COUNTY).values_list(
        "code", "path"
    ):
        for pk, prefixes in paths.items():
            if any(county_path.startswith(p) for p in prefixes):
                result[code].append(pk)
    return dict(result)
