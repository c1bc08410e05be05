"""`manage.py scheduler`: start the scheduled jobs (core/schedule.py) when their time comes.

Safe to run on several machines at once: a (schedule, day) row is the lock, so each day's run
starts once; with REDIS_URL only one scheduler is active at a time (core/leader.py), the others
take over within --lock-seconds if it stops. --once checks a single time and exits (for cron,
or a test)."""

from __future__ import annotations

import signal
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from handinhand.core.jobs import reap_abandoned
from handinhand.core.leader import Leadership
from handinhand.core.schedule import scheduler_tick, schedules


class Command(BaseCommand):
    help = "定时任务调度：到点时把定时任务加入后台任务队列（多个进程同时运行也只执行一次）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="只检查一次后退出")
        parser.add_argument("--interval", type=float, default=30.0, help="检查间隔（秒）")
        parser.add_argument(
            "--lock-seconds",
            type=float,
            default=90.0,
            help="执行者锁的有效期（秒，Redis）；执行者停止后其他调度器在此时间内接替",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        names = ", ".join(f"{s.name}@{s.at:%H:%M}" for s in schedules())
        self.stdout.write(f"定时任务：{names or '无'}")
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        if not options["once"]:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
        leader = Leadership(ttl=max(options["lock_seconds"], options["interval"] * 2))
        try:
            self._loop(options, leader, lambda: stopping)
        finally:
            leader.release()

    def _loop(self, options: dict[str, Any], leader: Leadership, stopping: Any) -> None:
        while True:
            if leader.acquire():
                for job in scheduler_tick():
                    self.stdout.write(f"已启动 {job.kind}（任务 #{job.pk}）")
                for job in reap_abandoned():
                    self.stdout.write(f"任务 #{job.pk}（{job.kind}）的执行进程已中断，已标记失败")
            if options["once"] or stopping():
                return
            deadline = time.monotonic() + options["interval"]
            while not stopping() and time.monotonic() < deadline:
                time.sleep(0.5)
            if stopping():
                return
            # A long-lived process: drop a connection the database has closed meanwhile.
            close_old_connections()
