"""The shipped region tree (GB/T 2260): Jiangxi's 11 cities and 100 county-level divisions."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

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
