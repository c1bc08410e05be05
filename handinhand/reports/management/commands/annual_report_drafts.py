"""Draft last year's annual reports in the policy's report month (run daily from cron; it does
nothing in other months unless --year is given)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from handinhand.core.policy import get_policy
from handinhand.reports.services import reports_generate


class Command(BaseCommand):
    help = "生成上一年度各指导组的年度报告草稿（仅在政策规定的报告月份运行，或用 --year 指定）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, help="报告年度（默认：上一年，且仅在报告月份）")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        year = options.get("year")
        if year is None:
            if today.month != get_policy().reports.due_month:
                self.stdout.write("不在报告月份，未生成。")
                return
            year = today.year - 1
        counts = reports_generate(actor=None, year=year)
        self.stdout.write(
            f"{year}年度：新建 {counts['created']}，更新 {counts['refreshed']}，"
            f"已提交未变动 {counts['skipped']}"
        )
