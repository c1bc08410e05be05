"""The province compliance calendar (every group × every period of a year) against one raw SQL
query computing the same figures, at province scale.

    .venv/bin/python benchmarks/meetings_compliance.py [--runs 15]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/handinhand_meet_bench \
        .venv/bin/python benchmarks/meetings_compliance.py

"ours" is `meetings.selectors.compliance_calendar(province admin, year)`: the visible groups
and one grouped query of held meetings per (group, period bucket), then the status of every
cell in Python. "raw SQL" is a hand-written query joining groups × a VALUES list of the periods
× meetings, grouped, with the statuses left to compute — the least work the same figures can
take. Both are checked to give identical (group, period, held) figures. "page" is the whole
page through django.test.Client. Median of `--runs` after two warm-ups.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/bench_meet.sqlite3")

import _common


def raw_figures(year: int) -> dict[tuple[int, str], int]:
    from django.db import connection

    from handinhand.core.policy import get_policy
    from handinhand.meetings.calendar import periods_starting

    cast = "CAST(%s AS date)" if connection.vendor == "postgresql" else "%s"
    parts, params = [], []
    for rule in get_policy().meetings:
        for level in rule.group_levels:
            for p in periods_starting(rule.period, year):
                parts.append(f"(%s, %s, %s, {cast}, {cast})")
                params += [rule.kind, level, p.key, p.start.isoformat(), p.end.isoformat()]
    sql = f"""
        WITH periods(kind, level, pkey, start_d, end_d) AS (VALUES {", ".join(parts)})
        SELECT g.id, p.kind, p.pkey, COUNT(m.id)
        FROM programme_guidancegroup g
        JOIN periods p ON p.level = g.level
        LEFT JOIN meetings_meeting m
          ON m.group_id = g.id AND m.kind = p.kind AND m.status = 'held'
         AND m.date BETWEEN p.start_d AND p.end_d
        WHERE g.is_active
        GROUP BY g.id, p.kind, p.pkey
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(gid, f"{kind}|{key}"): n for gid, kind, key, n in cursor.fetchall()}


def ours_figures(admin: Any, year: int) -> dict[tuple[int, str], int]:
    from handinhand.meetings.selectors import compliance_calendar

    return {
        (row.group.pk, f"{cal.rule.kind}|{cell.period.key}"): cell.held
        for cal in compliance_calendar(admin, year)
        for row in cal.rows
        for cell in row.cells
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    database = _common.setup()

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from handinhand.accounts.models import User
    from handinhand.meetings.models import Meeting
    from handinhand.programme.models import GuidanceGroup
    from handinhand.seed import meetings as meetings_synthetic

    if not Meeting.objects.exists():
        print("生成三年会议数据……", flush=True)
        print(meetings_synthetic.extend("province", seed=42, scale=1.0), flush=True)
    admin = User.objects.get(username="admin")
    client = Client()
    client.force_login(admin)
    groups = GuidanceGroup.objects.filter(is_active=True).count()
    meetings = Meeting.objects.count()
    this_year = timezone.localdate().year
    rows = []
    for year in (this_year - 2, this_year - 1, this_year):
        ours, raw = ours_figures(admin, year), raw_figures(year)
        if ours != raw:
            diff = {
                k: (ours.get(k), raw.get(k))
                for k in set(ours) | set(raw)
                if ours.get(k) != raw.get(k)
            }
            raise SystemExit(f"{year}: figures differ, e.g. {list(diff.items())[:5]}")

        def page(y: int = year) -> None:
            response = client.get(f"/meetings/compliance/?year={y}")
            if response.status_code != 200:
                raise SystemExit(f"page answered {response.status_code}")

        # len() at once: the next request empties the connection's query log.
        with CaptureQueriesContext(connection) as captured:
            ours_figures(admin, year)
        ours_queries = len(captured)
        with CaptureQueriesContext(connection) as captured:
            page()
        page_queries = len(captured)
        ours_s, raw_s, page_s = _common.median_times(
            [lambda y=year: ours_figures(admin, y), lambda y=year: raw_figures(y), page], args.runs
        )
        rows.append(
            [
                str(year),
                len(ours),
                f"{ours_s * 1000:.1f}",
                f"{raw_s * 1000:.1f}",
                f"{ours_s / raw_s:.2f}×",
                ours_queries,
                f"{page_s * 1000:.1f}",
                page_queries,
            ]
        )
    print(
        f"\n会议合规日历（全省） — {database}; {groups:,} active groups, {meetings:,} meetings; "
        f"median of {args.runs} runs\n"
    )
    _common.print_table(
        [
            "year",
            "cells",
            "ours ms",
            "raw SQL ms",
            "ours/raw",
            "ours queries",
            "page ms",
            "page queries",
        ],
        rows,
    )


if __name__ == "__main__":
    main()
