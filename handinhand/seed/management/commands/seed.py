"""`manage.py seed --workload pilot|province|nation [--seed 42] [--scale 1.0] [--reset]`."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from handinhand.core.scope import bump_scope_version
from handinhand.seed import programme
from handinhand.seed.registry import analyze_seeded_tables, run_steps
from handinhand.seed.reset import ResetRefused, reset


class Command(BaseCommand):
    help = "生成合成数据（试点 / 全省 / 全国规模），同一 seed 生成相同数据。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--workload",
            choices=sorted(programme.WORKLOADS),
            default="pilot",
            help="pilot ≈ 1,500 所学校；province 12,000；nation 220,000",
        )
        parser.add_argument("--seed", type=int, default=42, help="随机种子（默认 42）")
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="学校数量倍数，例如 0.01 生成结构完整的微型数据（用于测试）",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="先删除除审计日志和迁移区划外的全部数据（仅限开发环境）",
        )

        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="数据库已有数据时不报错，只列出演示账号（供 make demo 重复运行）",
        )

    def _print_accounts(self, usernames: tuple[str, ...] = programme.DEMO_USERNAMES) -> None:
        self.stdout.write(
            f"演示账号（密码均为 {programme.DEMO_PASSWORD}）：" + "、".join(usernames)
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        if options["scale"] <= 0:
            raise CommandError("--scale 必须大于 0")
        if options["reset"]:
            try:
                deleted = reset()
            except ResetRefused as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"已清除 {sum(deleted.values()):,} 行（审计日志保留）")
        elif programme.has_data():
            if options["if_empty"]:
                self.stdout.write("数据库中已有数据，跳过生成。")
                self._print_accounts()
                return
            raise CommandError("数据库中已有数据，请使用 --reset")

        planned = programme.plan(options["workload"], seed=options["seed"], scale=options["scale"])
        plan_seconds = time.perf_counter() - started
        counts = programme.write(planned)
        analyze_seeded_tables()
        counts.update(run_steps(planned.workload, seed=planned.seed, scale=options["scale"]))
        # Fresh planner statistics for every table the seed filled (PostgreSQL; issue 15 item
        # 5), and no scope cached from before the seed survives it.
        analyzed = analyze_seeded_tables()
        if analyzed:
            self.stdout.write(f"ANALYZE：{len(analyzed)} 张表")
        bump_scope_version()
        seconds = time.perf_counter() - started

        self.stdout.write(
            self.style.SUCCESS(f"合成数据已生成：workload={planned.workload} seed={planned.seed}")
        )
        width = max(len(name) for name in counts)
        self.stdout.write(f"  {'model'.ljust(width)}  {'rows':>9}")
        for name, n in counts.items():
            self.stdout.write(f"  {name.ljust(width)}  {n:>9,}")
        self.stdout.write(f"  {'seconds (plan)'.ljust(width)}  {plan_seconds:>9.2f}")
        self.stdout.write(f"  {'seconds (total)'.ljust(width)}  {seconds:>9.2f}")
        self._print_accounts(planned.demo_usernames)
