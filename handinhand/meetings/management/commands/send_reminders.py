"""`manage.py send_reminders`: run the daily reminder job (from cron), or enqueue it for the
task worker with --enqueue. Running it twice the same day creates nothing twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from handinhand.meetings.tasks import send_reminders


class Command(BaseCommand):
    help = "创建待办提醒（会议即将到期未开、决定事项逾期、报告待提交）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="按该日期运行（YYYY-MM-DD），默认今天")
        parser.add_argument(
            "--enqueue", action="store_true", help="交给后台任务队列执行，而不是立即执行"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        day = options["date"] or timezone.localdate().isoformat()
        dt.date.fromisoformat(day)  # refuse a bad date here, not in the worker
        if options["enqueue"]:
            result = send_reminders.enqueue(day)
            self.stdout.write(f"已加入任务队列：{result.id}")
            return
        counts = send_reminders.call(day)
        self.stdout.write(f"{day} 新建待办 {counts['total']} 条：{counts}")
