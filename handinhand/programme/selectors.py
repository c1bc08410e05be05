"""Reads of the programme's structure, all starting from visible_to(user)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
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
    # The province's cities and counties, whether or not their schools are on the roster: a
    # pilot whose roster holds only the paired cities' schools must not read 100 %.
    cities_total: int = 0
    cities_paired: int = 0
    counties_total: int = 0
    counties_paired: int = 0
    remaining_cities: list[Region] = field(default_factory=list)
    # On the total (累计) only: what the batches in preparation (筹备中) would add, by their
    # pairings and their plans' target regions, apart from what is covered now.
    planned: CoverageRow | None = None
    planned_cities: list[Region] = field(default_factory=list)

    @property
    def cities_pct(self) -> float:
        return round(100 * self.cities_paired / self.cities_total, 1) if self.cities_total else 0.0

    @property
    def counties_pct(self) -> float:
        if not self.counties_total:
            return 0.0
        return round(100 * self.counties_paired / self.counties_total, 1)


def _under(path: str, paths: Sequence[str]) -> bool:
    return any(path.startswith(p) for p in paths)


def _prefixes(path: str) -> frozenset[str]:
    """A region's path and those of the regions above it ("36/", "36/3603/", …)."""
    parts = path.strip("/").split("/")
    return frozenset("/".join(parts[: i + 1]) + "/" for i in range(len(parts)))


def coverage(
    user: User, under: Region | None = None, *, drill: bool = False
) -> list[BatchCoverage]:
    """Schools in paired regions and schools in a district, per batch, city and county.

    A handful of grouped queries whatever the size of the province: counts per county are
    fetched and the (small) region tree is rolled up in Python. The last entry is the total
    over all batches (累计) when there is more than one batch.

    With `drill` (the page; issue 15 item 1) the rows are one level only, the children of
    `under` (or the top of the user's view: the provinces when it spans several, else the
    cities), so that the page's size follows what it shows, not the country: nationally the
    nested table was 11.6 MB. Without it (the .xlsx) the rows are cities with their counties.
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
    planned_ids = [b.pk for b in batches if b.status == BatchStatus.PLANNED]
    target_paths = (
        list(
            Batch.target_regions.through.objects.filter(batch_id__in=planned_ids).values_list(
                "region__path", flat=True
            )
        )
        if planned_ids
        else []
    )

    regions = list(Region.objects.visible_to(user).order_by("code"))
    all_counties = [r for r in regions if r.level == RegionLevel.COUNTY]
    counties = [r for r in all_counties if r.code in per_county]
    cities = [r for r in regions if r.level == RegionLevel.CITY]
    # A region above the user's scope is there for navigation (a county's city heads its row),
    # not to be counted as a city of theirs, covered or not.
    scope = get_scope(user)
    counted_cities = [c for c in cities if scope.everything or _under(c.path, scope.region_paths)]
    if drill:
        by_code = {r.code: r for r in regions}
        depth = len(under.path.strip("/").split("/")) if under is not None else 0
        if under is not None:
            counties = [c for c in counties if c.path.startswith(under.path)]
        else:
            # The top of the user's view: the first level where their regions part (the
            # provinces nationally, a province's cities, a city bureau's counties).
            while depth < 2 and len({c.path.split("/")[depth] for c in counties}) <= 1:
                depth += 1
        depth = min(depth, 2)  # a county shows itself

        def shown(county: Region) -> Region:
            code = county.path.strip("/").split("/")[depth]
            return by_code.get(code) or county

        cities = sorted({shown(c).code: shown(c) for c in counties}.values(), key=lambda r: r.code)
        counties_by_row = {c.code: shown(c).code for c in counties}
    else:
        counties_by_row = {c.code: c.parent_id or "" for c in counties}

    # Each county once: its schools, the row it adds to, and its path with those above it (a
    # county is paired when one of them is: set look-ups, not a scan of every pairing for each
    # of the 3,411 counties of the country).
    facts = []
    for county in counties:
        facts.append(
            (
                county,
                per_county.get(county.code, 0),
                counties_by_row[county.code],
                _prefixes(county.path),
            )
        )
    county_prefixes = [(c, _prefixes(c.path)) for c in all_counties]
    city_prefixes = [(c, _prefixes(c.path)) for c in counted_cities]

    def touched(paths: Sequence[str]) -> Callable[[Region, frozenset[str]], bool]:
        """A city is covered when it, or one of its counties, is paired."""
        exact = set(paths)
        above = {prefix for p in paths for prefix in _prefixes(p)}
        return lambda city, prefixes: city.path in above or not exact.isdisjoint(prefixes)

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
        paired_set = set(paths)
        shown_rows: set[str] = set()
        for county, n, row_code, prefixes in facts:
            paired = n if not paired_set.isdisjoint(prefixes) else 0
            placed = min(n, in_district.get(county.code, 0))
            parent = city_rows.get(row_code)
            if parent is not None:
                if not drill:  # the nested table (the .xlsx) lists the counties too
                    parent.children.append(
                        CoverageRow(
                            county, county.name, "county", n, paired=paired, districted=placed
                        )
                    )
                shown_rows.add(row_code)
                parent.schools += n
                parent.paired += paired
                parent.districted += placed
            total.schools += n
            total.paired += paired
            total.districted += placed
        rows = [r for code, r in city_rows.items() if code in shown_rows]
        is_touched = touched(paths)
        remaining = [c for c, prefixes in city_prefixes if not is_touched(c, prefixes)]
        entry = BatchCoverage(
            batch,
            total,
            rows,
            cities_total=len(counted_cities),
            cities_paired=len(counted_cities) - len(remaining),
            counties_total=len(all_counties),
            counties_paired=sum(1 for _c, pre in county_prefixes if not paired_set.isdisjoint(pre)),
            remaining_cities=remaining,
        )
        if batch is None:
            planned_set = set(target_paths + [p for pk in planned_ids for p in paired_paths[pk]])
            entry.planned = CoverageRow(None, "筹备中", "planned")
            for _county, n, _row, prefixes in facts:
                if not planned_set.isdisjoint(prefixes) and paired_set.isdisjoint(prefixes):
                    entry.planned.schools += n
                    entry.planned.paired += n
            in_plan = touched(list(planned_set))
            entry.planned_cities = [c for c in remaining if in_plan(c, _prefixes(c.path))]
        return entry

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
        # The province admin's home shows the top level only (provinces nationally, else the
        # cities); a bureau sees its own region's counties.
        coverage=cumulative(coverage(user, drill=get_scope(user).everything)),
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
