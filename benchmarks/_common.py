"""Shared set-up of the benchmarks: Django on the database of DATABASE_URL (default: a SQLite
file of its own), migrated, and seeded with the province workload when it has no school."""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "sqlite:////tmp/bench.sqlite3"


def setup() -> str:
    """Start Django; migrate and seed the province workload if the database is empty.

    Returns a one-line description of the database for the report."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("CONN_MAX_AGE", "0")
    # WhiteNoise warns that collectstatic has not run; the benchmarks serve no static file.
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from handinhand.accounts.models import User
    from handinhand.orgs.models import School

    call_command("migrate", verbosity=0)
    if not School.objects.exists():
        print("数据库为空：生成全省规模数据（manage.py seed --workload province）……", flush=True)
        started = time.perf_counter()
        call_command("seed", workload="province", stdout=io.StringIO())
        print(f"  完成，用时 {time.perf_counter() - started:.1f} s", flush=True)
    if not User.objects.filter(username="admin").exists():
        raise SystemExit("数据库中有学校但没有演示账号 admin：请用 manage.py seed 生成的库")
    schools = School.objects.count()
    vendor = connection.vendor
    version = ".".join(str(v) for v in connection.get_database_version())
    return f"{vendor} {version}, {schools:,} schools"


def median_times(fns: Sequence[Callable[[], Any]], runs: int, warmup: int = 2) -> list[float]:
    """Median seconds of each function, run in turn (a, b, a, b, …) after `warmup` rounds."""
    times: list[list[float]] = [[] for _ in fns]
    for round_ in range(warmup + runs):
        for fn, spent in zip(fns, times, strict=True):
            started = time.perf_counter()
            fn()
            if round_ >= warmup:
                spent.append(time.perf_counter() - started)
    return [statistics.median(spent) for spent in times]


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A GitHub-flavoured Markdown table, so that README.md can take it as printed."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]

    def width(text: str) -> int:  # CJK characters take two columns in a terminal
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)

    widths = [max(width(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        parts = []
        for i, text in enumerate(row):
            pad = " " * (widths[i] - width(text))
            parts.append(text + pad if i == 0 else pad + text)
        return "| " + " | ".join(parts) + " |"

    print(line(cells[0]))
    print(
        "|"
        + "|".join("-" * (w + 2) if i == 0 else "-" * (w + 1) + ":" for i, w in enumerate(widths))
        + "|"
    )
    for row in cells[1:]:
        print(line(row))


def database_state() -> str:
    """What the measured database holds and whether its statistics are fresh (issue 15 item 5):
    row counts of the big tables and, on PostgreSQL, when each was last analyzed."""
    from django.db import connection

    tables = [
        "orgs_region",
        "orgs_school",
        "accounts_user",
        "guidance_visit",
        "guidance_visitschool",
        "guidance_schoolvisitcount",
        "indicators_score",
        "programme_districtschool",
    ]
    lines = []
    with connection.cursor() as cursor:
        for table in tables:
            if table not in connection.introspection.table_names(cursor):
                continue
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            count = cursor.fetchone()[0]
            analyzed = ""
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT GREATEST(last_analyze, last_autoanalyze) FROM pg_stat_user_tables"
                    " WHERE relname = %s",
                    [table],
                )
                row = cursor.fetchone()
                analyzed = (
                    f", analyzed {row[0]:%Y-%m-%d %H:%M}" if row and row[0] else ", never analyzed"
                )
            lines.append(f"  {table}: {count:,} rows{analyzed}")
    return "database state:\n" + "\n".join(lines)
