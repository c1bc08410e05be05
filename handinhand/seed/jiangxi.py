"""The fixed facts a synthetic province is built from: the universities, the later batches and
their pairings, telephone area codes, and the demo accounts."""

from __future__ import annotations

from dataclasses import dataclass

from handinhand.programme.models import BatchStatus
from handinhand.programme.pilot import PILOT_BATCH_NAME

# Every synthetic account shares it; README lists it with the demo accounts below.
DEMO_PASSWORD = "HandInHand@2025"  # noqa: S105 -- a published demo password, never a real one
PROVINCE_CODE = "360000"


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
