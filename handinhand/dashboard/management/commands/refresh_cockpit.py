"""`manage.py refresh_cockpit`: recompute the cockpit's pre-aggregates (nightly, and whenever
figures must be current). Running it twice writes the same rows."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from handinhand.dashboard.cockpit import cockpit_refresh


class Command(BaseCommand):
    help = "刷新驾驶舱预汇总数据"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, action="append", help="年度（可重复），默认今年")

    def handle(self, *args: Any, **options: Any) -> None:
        years = options["year"] or [timezone.localdate().year]
        for year in years:
            started = time.perf_counter()
            rows = cockpit_refresh(year=year)
            elapsed = time.perf_counter() - started
            self.stdout.write(f"{year}：{rows} 行，{elapsed:.2f} 秒")
