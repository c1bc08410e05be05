"""The three workloads of DESIGN §6: pilot, province, nation."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Workload:
    name: str
    jiangxi_schools: int
    batches: int  # 1: the pilot only; 3: every Jiangxi city paired
    city_members: tuple[int, int]  # members of a city guidance group (min, max)
    county_members: tuple[int, int]
    school_user_share: float  # schools that get a school_user account
    region_staff: bool  # one region_staff account per city and county
    other_province_schools: int = 0  # nation: schools in the other 30 provinces' real regions


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
