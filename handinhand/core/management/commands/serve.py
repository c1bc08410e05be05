"""`manage.py serve`: the web server, the task worker and the scheduler in one command.

For `make demo` and a single machine: starts the three as child processes, restarts one that
dies (waiting a little longer each time it keeps dying), and stops them all on Ctrl-C or
SIGTERM. Production runs them as three systemd units instead (deploy/, README).

Why not honcho: a Procfile runner stops everything when one process exits; here a worker that
crashes on a bad job must come back while the web server keeps serving.
"""

from __future__ import annotations

import shlex
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    started_at: float = 0.0
    due_at: float = field(default=0.0)  # when a dead child may be started again


class Command(BaseCommand):
    help = "同时运行 Web 服务、后台任务 worker 和定时任务调度；子进程退出自动重启，Ctrl-C 停止"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--web", default="", help="Web 服务命令（默认：manage.py runserver <addrport>）"
        )
        parser.add_argument("--no-web", action="store_true", help="不启动 Web 服务")
        parser.add_argument("--no-worker", action="store_true", help="不启动后台任务 worker")
        parser.add_argument("--no-scheduler", action="store_true", help="不启动定时任务调度")
        parser.add_argument(
            "--max-restarts", type=int, default=20, help="单个子进程最多重启次数（超过则全部停止）"
        )

    def children(self, options: dict[str, Any]) -> list[Child]:
        manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
        found = []
        if not options["no_web"]:
            web = (
                shlex.split(options["web"])
                if options["web"]
                else [*manage, "runserver", "--noreload", options["addrport"]]
            )
            found.append(Child("web", web))
        if not options["no_worker"]:
            found.append(Child("worker", [*manage, "db_worker", "--interval", "1"]))
        if not options["no_scheduler"]:
            found.append(Child("scheduler", [*manage, "scheduler"]))
        return found

    def start(self, child: Child) -> None:
        self.stdout.write(f"[serve] 启动 {child.name}: {' '.join(child.argv)}")
        child.process = subprocess.Popen(child.argv)  # noqa: S603  (argv we built, no shell)
        child.started_at = time.monotonic()

    def handle(self, *args: Any, **options: Any) -> None:
        children = self.children(options)
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        for child in children:
            self.start(child)
        try:
            while not stopping:
                time.sleep(0.5)
                now = time.monotonic()
                for child in children:
                    if child.process is None:
                        if now >= child.due_at:
                            self.start(child)
                        continue
                    code = child.process.poll()
                    if code is None:
                        continue
                    if now - child.started_at > 60:
                        child.restarts = 0  # it ran a while: a new fault, not the same one
                    child.restarts += 1
                    if child.restarts > options["max_restarts"]:
                        self.stderr.write(f"[serve] {child.name} 反复退出，全部停止")
                        stopping = True
                        break
                    delay = min(2 ** (child.restarts - 1), 30)
                    self.stderr.write(
                        f"[serve] {child.name} 已退出（代码 {code}），{delay} 秒后重启"
                    )
                    child.process, child.due_at = None, now + delay
        finally:
            self.shutdown(children)

    def shutdown(self, children: list[Child]) -> None:
        running = [c.process for c in children if c.process and c.process.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + 10
        for process in running:
            try:
                process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
        self.stdout.write("[serve] 已全部停止")
