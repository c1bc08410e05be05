"""The pilot batch as the source report describes it (R2): three universities, each leading a
provincial guidance group, paired with three cities. Used by the demo seed and the tests.

The report names the three universities and the three cities but not which pairs with which;
they are paired here in the order the report lists them — an assumption for the demo.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PilotPair:
    university: str
    short_name: str
    code: str  # 学校标识码
    city_code: str  # where the university is
    paired_city: str  # GB/T 2260 code of the paired city
    slug: str


PILOT_BATCH_NAME = "第一批（试点批次）"
PILOT_PAIRS = (
    PilotPair("南昌大学", "南大", "4136010403", "360100", "360300", "ncu"),
    PilotPair("华东交通大学", "华东交大", "4136010404", "360100", "360500", "ecjtu"),
    PilotPair("江西财经大学", "江财", "4136010421", "360100", "360600", "jxufe"),
)
