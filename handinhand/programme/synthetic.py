"""Synthetic data for the workloads of DESIGN §6, reproducible from a seed.

`plan(workload, seed)` builds every row in memory (unsaved model instances that point at each
other) and touches no database, so two plans from the same seed can be compared; `write(plan)`
inserts them with bulk_create in dependency order, hashing the one password once. Seeding is a
data generator, not a user action: it leaves one AuditEvent that summarises what it wrote.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction

from handinhand.accounts.models import Role, RoleAssignment, User
from handinhand.core import audit
from handinhand.core.models import AuditAction, AuditEvent
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
from handinhand.orgs.regions import read_regions, region_rows_with_paths
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
from handinhand.programme.pilot import PILOT_BATCH_NAME, PILOT_PAIRS

DEMO_PASSWORD = "HandInHand@2025"
PROVINCE_CODE = "360000"
BATCH_SIZE = 1000


# --- workloads ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    name: str
    jiangxi_schools: int
    batches: int  # 1: the pilot only; 3: every Jiangxi city paired
    city_members: tuple[int, int]  # members of a city guidance group (min, max)
    county_members: tuple[int, int]
    school_user_share: float  # schools that get a school_user account
    region_staff: bool  # one region_staff account per city and county
    other_province_schools: int = 0  # nation: schools outside Jiangxi
    cities_per_province: int = 10  # synthetic provinces only
    counties_per_city: int = 10


WORKLOADS: dict[str, Workload] = {
    "pilot": Workload(
        "pilot",
        1_500,
        batches=1,
        city_members=(4, 5),
        county_members=(2, 3),
        school_user_share=0.0,
        region_staff=False,
    ),
    # ≈ 55 provincial + 11 × 13 city + 100 × 8 county members ≈ 1,000 instructors; with region
    # staff and school users ≈ 3,000 accounts (DESIGN §6).
    "province": Workload(
        "province",
        12_000,
        batches=3,
        city_members=(11, 15),
        county_members=(6, 10),
        school_user_share=0.16,
        region_staff=True,
    ),
    "nation": Workload(
        "nation",
        12_000,
        batches=3,
        city_members=(11, 15),
        county_members=(6, 10),
        school_user_share=0.25,
        region_staff=True,
        other_province_schools=208_000,
    ),
}


# --- the programme's fixed cast -------------------------------------------------------------


@dataclass(frozen=True)
class UniversitySpec:
    name: str
    short_name: str
    code: str  # 学校标识码, 10 digits
    city: str


OTHER_UNIVERSITIES = (
    UniversitySpec("江西师范大学", "江西师大", "4136010414", "360100"),
    UniversitySpec("南昌航空大学", "南航", "4136010406", "360100"),
    UniversitySpec("江西理工大学", "江理工", "4136010407", "360700"),
    UniversitySpec("江西农业大学", "江农大", "4136010410", "360100"),
    UniversitySpec("江西中医药大学", "江中医", "4136010412", "360100"),
    UniversitySpec("赣南师范大学", "赣南师大", "4136010418", "360700"),
    UniversitySpec("井冈山大学", "井大", "4136010419", "360800"),
    UniversitySpec("九江学院", "九院", "4136011843", "360400"),
    UniversitySpec("景德镇陶瓷大学", "景陶大", "4136010408", "360200"),
    UniversitySpec("东华理工大学", "东华理工", "4136010405", "360100"),
    UniversitySpec("宜春学院", "宜院", "4136010417", "360900"),
    UniversitySpec("上饶师范学院", "上饶师院", "4136010416", "361100"),
    UniversitySpec("赣南医科大学", "赣医", "4136010413", "360700"),
)

# Batches 2 and 3 of the province workload: (university, paired city). With the pilot's three
# cities these cover all 11 cities of Jiangxi (全面覆盖).
LATER_PAIRS: dict[int, tuple[tuple[str, str], ...]] = {
    2: (
        ("江西理工大学", "360700"),
        ("井冈山大学", "360800"),
        ("九江学院", "360400"),
        ("景德镇陶瓷大学", "360200"),
    ),
    3: (
        ("江西师范大学", "360100"),
        ("宜春学院", "360900"),
        ("东华理工大学", "361000"),
        ("上饶师范学院", "361100"),
    ),
}
BATCHES = {
    1: (PILOT_BATCH_NAME, 2024, BatchStatus.ACTIVE),
    2: ("第二批（推广批次）", 2025, BatchStatus.ACTIVE),
    3: ("第三批（全面覆盖）", 2026, BatchStatus.PLANNED),
}

# GB/T 2260 province-level divisions; Jiangxi's own tree comes from the migration.
PROVINCES = (
    ("110000", "北京市"),
    ("120000", "天津市"),
    ("130000", "河北省"),
    ("140000", "山西省"),
    ("150000", "内蒙古自治区"),
    ("210000", "辽宁省"),
    ("220000", "吉林省"),
    ("230000", "黑龙江省"),
    ("310000", "上海市"),
    ("320000", "江苏省"),
    ("330000", "浙江省"),
    ("340000", "安徽省"),
    ("350000", "福建省"),
    ("360000", "江西省"),
    ("370000", "山东省"),
    ("410000", "河南省"),
    ("420000", "湖北省"),
    ("430000", "湖南省"),
    ("440000", "广东省"),
    ("450000", "广西壮族自治区"),
    ("460000", "海南省"),
    ("500000", "重庆市"),
    ("510000", "四川省"),
    ("520000", "贵州省"),
    ("530000", "云南省"),
    ("540000", "西藏自治区"),
    ("610000", "陕西省"),
    ("620000", "甘肃省"),
    ("630000", "青海省"),
    ("640000", "宁夏回族自治区"),
    ("650000", "新疆维吾尔自治区"),
)

AREA_CODES = {
    "360100": "0791",
    "360200": "0798",
    "360300": "0799",
    "360400": "0792",
    "360500": "0790",
    "360600": "0701",
    "360700": "0797",
    "360800": "0796",
    "360900": "0795",
    "361000": "0794",
    "361100": "0793",
}

DEMO_USERNAMES = (
    "admin",
    "instructor",
    "leader",
    "pingxiang",
    "xiangdong",
    "school",
    "sysadmin",
    "secadmin",
    "auditor",
)


# --- names ----------------------------------------------------------------------------------

SURNAMES = (
    "王" * 8
    + "李" * 8
    + "张" * 7
    + "刘" * 6
    + "陈" * 6
    + "杨" * 4
    + "黄" * 4
    + "赵" * 3
    + "吴" * 3
    + "周" * 3
    + "徐" * 2
    + "孙" * 2
    + "马" * 2
    + "朱" * 2
    + "胡" * 2
    + "郭" * 2
    + "何" * 2
    + "高" * 2
    + "林" * 2
    + "罗" * 2
    + "郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺"
    "顾毛郝龚邵万钱严覃武戴莫孔向汤聂熊"
)
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚华建国文辉玲红英斌波宇浩凯鹏飞琳雪梅兰婷慧颖晨"
    "晓东海峰志云亮鑫俊健欣佳嘉怡萍燕霖宏春秋德成荣新昌涵睿博彬琴蓉倩莉丹阳光林卫东兵"
)
TOWN_FIRST = "东西南北上下新老高白青石长大小黄金麻良桐荷腊福湖坪桥塘田溪源坊山岭江港陂埠岗洲"
TOWN_SECOND = "口头市渡铺坑田桥塘源岭坪湖溪冲埠洲港岗山坊垄湾圩"
PLACE_WORDS = (
    "育才",
    "育英",
    "城南",
    "城北",
    "城东",
    "城西",
    "新城",
    "滨江",
    "文昌",
    "崇文",
    "阳光",
    "红星",
    "人民路",
    "解放路",
    "建设路",
    "站前",
    "西门",
    "东门",
    "凤凰",
    "明珠",
    "翠湖",
    "光明",
    "实验",
    "外国语",
    "师范附属",
)
DEPARTMENTS = (
    "马克思主义学院",
    "教育学院",
    "文学院",
    "经济管理学院",
    "信息工程学院",
    "机电工程学院",
    "化学化工学院",
    "法学院",
    "外国语学院",
    "数学与计算机学院",
)
TITLES_UNIVERSITY = (
    "党委组织部部长",
    "党委组织部副部长",
    "马克思主义学院院长",
    "教授",
    "副教授",
    "党委宣传部副部长",
    "学院党委书记",
    "学院党委副书记",
    "讲师",
)
TITLES_LOCAL = (
    "教育局党组成员",
    "机关党委书记",
    "基础教育科科长",
    "党建办主任",
    "中学校长",
    "小学党支部书记",
    "教研员",
    "督学",
)

DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 12 → 十二, 25 → 二十五 (1–99)."""
    if n < 10:
        return DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[ones] if ones else "")


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN_CHARS)
    if rng.random() < 0.6:
        given += rng.choice(GIVEN_CHARS)
    return rng.choice(SURNAMES) + given


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('35789')}{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"


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


class _CountyNamer:
    """Realistic, unique school names inside one county: a few numbered schools in town (第三小学),
    named ones (实验中学), and most of them after their town and village (良坊镇中心小学)."""

    def __init__(self, rng: random.Random, county: str, schools: int) -> None:
        self.rng = rng
        self.county = county
        urban = county.endswith("区")
        self.caps = {"primary": 20 if urban else 8, "middle": 12 if urban else 6}
        self.used: set[str] = set()
        self.numbers: dict[str, int] = defaultdict(int)
        towns = {"城关镇"} if not urban else set()
        wanted = min(30, max(6, schools // 8))
        while len(towns) < wanted:
            towns.add(self._two() + ("镇" if rng.random() < 0.7 else "乡"))
        self.towns = sorted(towns)

    def _two(self) -> str:
        first = self.rng.choice(TOWN_FIRST)
        second = self.rng.choice(TOWN_SECOND)
        return first + (second if second != first else "田")

    def _numbered(self, family: str, suffix: str) -> str | None:
        if self.numbers[family] >= self.caps[family]:
            return None
        self.numbers[family] += 1
        return f"{self.county}第{chinese_number(self.numbers[family])}{suffix}"

    def _village(self, suffix: str) -> str:
        return f"{self.county}{self.rng.choice(self.towns)}{self._two()}{suffix}"

    def _candidate(self, school_type: str) -> tuple[str | None, str]:
        rng, county = self.rng, self.county
        town = rng.choice(self.towns)
        place = rng.choice(PLACE_WORDS)
        roll = rng.random()
        if school_type == SchoolType.PRIMARY:
            if roll < 0.12:
                return self._numbered("primary", "小学"), "urban"
            if roll < 0.18:
                return f"{county}{place}小学", "urban"
            if roll < 0.4:
                return f"{county}{town}中心小学", "town"
            return self._village("小学"), "village"
        if school_type == SchoolType.JUNIOR:
            if roll < 0.15:
                return self._numbered("middle", "中学"), "urban"
            if roll < 0.25:
                return f"{county}{place}中学", "urban"
            return f"{county}{town}中学", "town"
        if school_type in (SchoolType.SENIOR, SchoolType.COMPLETE):
            if roll < 0.5:
                return self._numbered("middle", "中学"), "urban"
            if roll < 0.75:
                return f"{county}{place}中学", "urban"
            return f"{county}{town}高级中学", "town"
        if school_type == SchoolType.NINE_YEAR:
            if roll < 0.6:
                return f"{county}{town}九年一贯制学校", "town"
            return self._village("学校"), "village"
        if school_type == SchoolType.TWELVE_YEAR:
            return f"{county}{place}学校", "urban"
        if roll < 0.4:
            kind = rng.choice(("职业中等专业学校", "职业技术学校", "中等专业学校"))
            return f"{county}{kind}", "urban"
        return f"{county}{place}职业学校", "urban"

    def name(self, school_type: str) -> tuple[str, str]:
        """A new name and its kind: "urban", "town" or "village" (which sizes the school)."""
        suffix = "小学" if school_type == SchoolType.PRIMARY else "学校"
        candidate, kind = self._candidate(school_type)
        attempts = 0
        while candidate is None or candidate in self.used:
            attempts += 1
            if attempts < 4:
                candidate, kind = self._candidate(school_type)
                continue
            kind = "village"
            candidate = self._village(suffix)
            if attempts > 500:  # a county with more schools than town × village names
                candidate = f"{candidate[: -len(suffix)]}{attempts}{suffix}"
        self.used.add(candidate)
        return candidate, kind


# --- the plan -------------------------------------------------------------------------------


@dataclass
class Plan:
    """Every row of a workload, unsaved. Foreign keys point at unsaved instances; bulk_create
    fills the keys in as each level is written."""

    workload: str
    seed: int
    regions: list[dict[str, Any]] = field(default_factory=list)  # synthetic regions only
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


def _jiangxi_regions() -> list[_Region]:
    return [_Region(r["code"], r["name"], r["level"], r["parent"] or None) for r in read_regions()]


def _synthetic_regions(w: Workload) -> list[_Region]:
    out: list[_Region] = []
    for code, name in PROVINCES:
        if code == PROVINCE_CODE:
            continue
        out.append(_Region(code, name, RegionLevel.PROVINCE, None))
        for c in range(1, w.cities_per_province + 1):
            city = f"{code[:2]}{c:02d}00"
            out.append(_Region(city, f"模拟市{c:02d}", RegionLevel.CITY, code))
            for k in range(1, w.counties_per_city + 1):
                out.append(
                    _Region(f"{city[:4]}{k:02d}", f"模拟县{k:02d}", RegionLevel.COUNTY, city)
                )
    return out


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
        self.regions = {r.code: r for r in _jiangxi_regions()}
        self.counties_of: dict[str, list[str]] = defaultdict(list)
        for r in self.regions.values():
            if r.level == RegionLevel.COUNTY and r.parent:
                self.counties_of[r.parent].append(r.code)
        self.universities: dict[str, University] = {}
        self.batches: dict[int, Batch] = {}
        self.schools_by_county: dict[str, list[School]] = defaultdict(list)
        self.users_by_name: dict[str, User] = {}
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

        paired: list[tuple[int, str, str, str]] = [  # batch, university, city, slug
            (1, p.university, p.paired_city, p.slug) for p in PILOT_PAIRS
        ]
        for number in range(2, w.batches + 1):
            paired += [
                (number, uni, city, f"b{number}_{i}")
                for i, (uni, city) in enumerate(LATER_PAIRS[number], start=1)
            ]
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
        specs = [
            UniversitySpec(p.university, p.short_name, p.code, p.city_code) for p in PILOT_PAIRS
        ] + list(OTHER_UNIVERSITIES)
        leading = {p.university for p in PILOT_PAIRS} | {
            u for pairs in LATER_PAIRS.values() for u, _c in pairs
        }
        for spec in specs:
            uni = University(
                name=spec.name,
                short_name=spec.short_name,
                code=spec.code,
                city_id=spec.city,
                party_secretary=person_name(self.rng),
                contact=person_name(self.rng),
                phone=f"{AREA_CODES[spec.city]}-8{self.rng.randint(100000, 999999)}",
            )
            self.universities[spec.name] = uni
            self.plan.universities.append(uni)
            if spec.name not in leading:
                continue
            # R1: why a university leads — its recognised Party-building units.
            depts = self.rng.sample(DEPARTMENTS, 3)
            year = self.rng.randint(2019, 2023)
            self.plan.recognitions += [
                UniversityRecognition(
                    university=uni, kind=Recognition.MODEL_SCHOOL, unit_name=spec.name, year=year
                ),
                UniversityRecognition(
                    university=uni,
                    kind=Recognition.BENCHMARK_DEPT,
                    unit_name=f"{depts[0]}党委",
                    year=year,
                ),
                UniversityRecognition(
                    university=uni,
                    kind=Recognition.MODEL_BRANCH,
                    unit_name=f"{depts[1]}教工第一党支部",
                    year=year,
                ),
                UniversityRecognition(
                    university=uni,
                    kind=Recognition.MODEL_BRANCH,
                    unit_name=f"{depts[2]}学生党支部",
                    year=year + 1,
                ),
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
        namer = _CountyNamer(rng, county_name, count)
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
        start = dt.date(batch.start_year, 3, 1)
        group = GuidanceGroup(
            name=f"{uni_name}党建指导组",
            level=GroupLevel.PROVINCE,
            region_id=PROVINCE_CODE,
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
        roles = [MemberRole.LEADER] + ([MemberRole.DEPUTY] if size >= 3 else [])
        roles += [MemberRole.INSTRUCTOR] * (size - len(roles))
        members: list[Membership] = []
        for i, role in enumerate(roles, start=1):
            if slug == "ncu" and role == MemberRole.LEADER:
                username, full_name = "leader", "王建华"
            elif (
                slug == "ncu"
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
            if slug == "ncu" and county == "360313":
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
        start = dt.date(batch.start_year, 3, 1)
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
            roles = [MemberRole.LEADER, MemberRole.LIAISON]
            if size >= 6:
                roles.insert(1, MemberRole.DEPUTY)
            roles += [MemberRole.INSTRUCTOR] * max(0, size - len(roles))
            for i, role in enumerate(roles[: max(size, 2)], start=1):
                user = self.user(
                    f"g{code}_{i:02d}", work_unit=unit, title=self.rng.choice(TITLES_LOCAL)
                )
                self.member(group, user, role, start)

    def make_other_provinces(self) -> None:
        synthetic = _synthetic_regions(self.w)
        self.plan.regions = [
            {"code": r.code, "name": r.name, "level": r.level, "parent": r.parent or ""}
            for r in synthetic
        ]
        for r in synthetic:
            self.regions[r.code] = r
        counties = [r.code for r in synthetic if r.level == RegionLevel.COUNTY]
        total = round(self.w.other_province_schools * self.scale)
        weights = [self.rng.uniform(0.5, 1.6) for _ in counties]
        for county, count in zip(counties, _split(total, weights), strict=True):
            self.schools_for_county(county, self.regions[county].name, count)

    def make_demo_accounts(self) -> None:
        """The same known accounts in every workload (README lists them)."""
        admin = self.user(
            "admin", "省委教育工委管理员", work_unit="中共江西省委教育工委", title="组织处干部"
        )
        self.role(admin, Role.PROVINCE_ADMIN)
        self.role(
            self.user("pingxiang", "萍乡市教育局", work_unit="萍乡市教育局"),
            Role.REGION_STAFF,
            region="360300",
        )
        self.role(
            self.user("xiangdong", "湘东区教育局", work_unit="萍乡市湘东区教育局"),
            Role.REGION_STAFF,
            region="360313",
        )
        xiangdong = next(
            d
            for d in self.plan.districts
            if d.group.name == "南昌大学党建指导组" and d.name == "湘东片区"
        )
        school = next(ds.school for ds in self.plan.district_schools if ds.district is xiangdong)
        self.role(
            self.user("school", f"{school.secretary}", work_unit=school.name, title="党组织书记"),
            Role.SCHOOL_USER,
            school=school,
        )
        self.role(
            self.user("sysadmin", "系统管理员", work_unit="中共江西省委教育工委"), Role.SYSTEM_ADMIN
        )
        self.role(
            self.user("secadmin", "安全保密管理员", work_unit="中共江西省委教育工委"),
            Role.SECURITY_ADMIN,
        )
        self.role(
            self.user("auditor", "安全审计员", work_unit="中共江西省委教育工委"), Role.AUDIT_ADMIN
        )

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
        if p.regions:
            Region.objects.bulk_create(
                [Region(**r) for r in region_rows_with_paths(p.regions)], batch_size=BATCH_SIZE
            )
        for objs in (
            p.universities,
            p.recognitions,
            p.batches,
            p.groups,
            p.users,
            p.memberships,
            p.pairings,
            p.schools,
            p.districts,
        ):
            _bulk(objs)
        through = District.instructors.through
        through.objects.bulk_create(
            [through(district_id=d.pk, membership_id=m.pk) for d, m in p.district_instructors],
            batch_size=BATCH_SIZE,
        )
        _bulk(p.district_schools)
        _bulk(p.role_assignments)
        counts = {
            "regions (synthetic)": len(p.regions),
            "universities": len(p.universities),
            "recognitions": len(p.recognitions),
            "batches": len(p.batches),
            "guidance groups": len(p.groups),
            "users": len(p.users),
            "memberships": len(p.memberships),
            "pairings": len(p.pairings),
            "schools": len(p.schools),
            "districts": len(p.districts),
            "district instructors": len(p.district_instructors),
            "district schools": len(p.district_schools),
            "role assignments": len(p.role_assignments),
        }
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


def _bulk(objs: Sequence[models.Model]) -> None:
    if objs:
        type(objs[0])._default_manager.bulk_create(objs, batch_size=BATCH_SIZE)


# --- reset (development only) ---------------------------------------------------------------


class ResetRefused(Exception):
    pass


# Tables that keep their rows on reset: the append-only audit log, the region tree of the
# migration (synthetic regions are removed separately), and Django's own catalogues.
_KEEP = {
    "core.auditevent",
    "orgs.region",
    "contenttypes.contenttype",
    "auth.permission",
    "auth.group",
    "auth.group_permissions",
}


def reset() -> dict[str, int]:
    """Delete every row the seed (or anyone) wrote, except the audit log and the migration's
    regions. Refused once a person has acted: their audit events keep their accounts."""
    if AuditEvent.objects.filter(actor__isnull=False).exists():
        raise ResetRefused(
            "审计日志中已有用户的操作记录（审计事件只增不删，其操作人不能删除），不能重置。"
            "开发环境请删除数据库（SQLite 文件或 PostgreSQL 库）后重新 migrate 再 seed。"
        )
    targets = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.label_lower not in _KEEP and not m._meta.proxy and m._meta.managed
    ]
    deleted: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        qn = connection.ops.quote_name
        for model in _delete_order(targets):
            cursor.execute(f"DELETE FROM {qn(model._meta.db_table)}")
            if cursor.rowcount:
                deleted[model._meta.label] = cursor.rowcount
        jiangxi = {r["code"] for r in read_regions()}
        for level in (RegionLevel.COUNTY, RegionLevel.CITY, RegionLevel.PROVINCE):
            n = (
                Region.objects.filter(level=level)
                .exclude(code__in=jiangxi)
                ._raw_delete(connection.alias)
            )
            if n:
                deleted[f"orgs.Region ({level})"] = n
    return deleted


def _delete_order(targets: list[type[models.Model]]) -> list[type[models.Model]]:
    """Referencing tables before the tables they reference."""
    inside = set(targets)
    order: list[type[models.Model]] = []
    seen: set[type[models.Model]] = set()

    def visit(model: type[models.Model]) -> None:
        if model in seen:
            return
        seen.add(model)
        for other in targets:  # everything that points at `model` goes first
            if other is model:
                continue
            if any(
                f.is_relation and f.many_to_one and f.related_model is model
                for f in other._meta.concrete_fields
            ):
                visit(other)
        order.append(model)

    for model in sorted(inside, key=lambda m: m._meta.label):
        visit(model)
    return order
