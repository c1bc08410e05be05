"""The province's funding summary (every lead university's allocated, disbursed, spent, balance)
through our selectors against raw SQL over the same ledger tables, at seeded scale.

    .venv/bin/python benchmarks/funding_summary.py [--runs 15]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/handinhand_bench \
        .venv/bin/python benchmarks/funding_summary.py

"ours" is `funding.selectors.province_summary(province admin, year)` (the lead universities the
admin sees, then three grouped queries: the allocations' versions, disbursements, expenses, and
the alerts in Python), and `group_funding_figures` (the 经费使用情况 of every provincial group's
annual report). "raw SQL" is one hand-written query: the latest allocation version, the sums of
disbursements and expenses per lead university, LEFT JOINed. Both are checked to give the same
numbers to the cent. The database is ANALYZEd first, so that PostgreSQL plans on statistics of
the seeded rows. Median of `--runs` after two warm-ups.
"""

from __future__ import annotations

import argparse
import os
from decimal import Decimal
from typing import Any

os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/bench.sqlite3")

import _common

CENT = Decimal("0.01")

RAW = """
    WITH unis AS (
        SELECT DISTINCT lead_university_id AS id FROM programme_guidancegroup
        WHERE level = 'province' AND lead_university_id IS NOT NULL
    ), alloc AS (
        SELECT a.university_id, a.amount FROM funding_allocation a
        WHERE a.year = %s AND a.number = (
            SELECT MAX(b.number) FROM funding_allocation b
            WHERE b.university_id = a.university_id AND b.year = a.year)
    ), disb AS (
        SELECT university_id, SUM(amount) AS total FROM funding_disbursement
        WHERE year = %s GROUP BY university_id
    ), spent AS (
        SELECT university_id, SUM(amount) AS total,
               SUM(CASE WHEN visit_id IS NULL AND meeting_id IS NULL AND training_id IS NULL
                        THEN amount ELSE 0 END) AS loose
        FROM funding_expense WHERE year = %s GROUP BY university_id
    )
    SELECT u.id, alloc.amount, disb.total, spent.total, spent.loose
    FROM unis u
    LEFT JOIN alloc ON alloc.university_id = u.id
    LEFT JOIN disb ON disb.university_id = u.id
    LEFT JOIN spent ON spent.university_id = u.id
"""


def _yuan(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


def raw_figures(year: int) -> dict[int, tuple[Decimal, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(RAW, [year, year, year])
        rows = cursor.fetchall()
    return {
        uni: (_yuan(a), _yuan(d), _yuan(s), _yuan(loose), _yuan(a) - _yuan(s))
        for uni, a, d, s, loose in rows
    }


def ours_figures(admin: Any, year: int) -> dict[int, tuple[Decimal, ...]]:
    from handinhand.funding.selectors import province_summary

    return {
        row.university.pk: (t.allocated, t.disbursed, t.spent, t.unlinked, t.balance)
        for row in province_summary(admin, year)
        for t in [row.totals]
    }


def report_figures(group_ids: list[int], year: int) -> Any:
    from handinhand.funding.selectors import group_funding_figures

    return group_funding_figures(group_ids, year)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    database = _common.setup()

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from handinhand.accounts.models import User
    from handinhand.core.policy import get_policy
    from handinhand.funding.models import Allocation, Disbursement, Expense, MonthClose
    from handinhand.programme.models import GroupLevel, GuidanceGroup

    if get_policy().funding.carry_over != "returned":
        raise SystemExit("raw SQL here takes each year alone: run with carry_over = 'returned'")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    admin = User.objects.get(username="admin")
    groups = list(
        GuidanceGroup.objects.filter(level=GroupLevel.PROVINCE).values_list("pk", flat=True)
    )
    state = (
        f"{Allocation.objects.count():,} allocation versions, "
        f"{Disbursement.objects.count():,} disbursements, {Expense.objects.count():,} expense "
        f"lines, {MonthClose.objects.count():,} closed months; ANALYZEd"
    )
    this_year = timezone.localdate().year
    rows = []
    for year in (this_year - 1, this_year):
        ours, raw = ours_figures(admin, year), raw_figures(year)
        if ours != raw:
            diff = {
                k: (ours.get(k), raw.get(k))
                for k in set(ours) | set(raw)
                if ours.get(k) != raw.get(k)
            }
            raise SystemExit(f"{year}: figures differ, e.g. {list(diff.items())[:3]}")
        reported = report_figures(groups, year)
        for fig in reported.values():
            if Decimal(fig["spent"]) != raw[fig["university_id"]][2]:
                raise SystemExit(f"{year}: the report's figures differ from the ledger")
        lines = Expense.objects.filter(year=year).count()
        spent = sum((v[2] for v in raw.values()), Decimal(0))
        # len() at once: the next statement empties the connection's query log.
        with CaptureQueriesContext(connection) as captured:
            ours_figures(admin, year)
        ours_queries = len(captured)
        with CaptureQueriesContext(connection) as captured:
            report_figures(groups, year)
        report_queries = len(captured)
        ours_s, report_s, raw_s = _common.median_times(
            [
                lambda y=year: ours_figures(admin, y),
                lambda y=year: report_figures(groups, y),
                lambda y=year: raw_figures(y),
            ],
            args.runs,
        )
        common = [str(year), len(raw), f"{lines:,}", f"¥{spent:,.2f}"]
        rows.append(
            [
                *common,
                "province_summary",
                f"{ours_s * 1000:.1f}",
                ours_queries,
                f"{raw_s * 1000:.1f}",
                f"{ours_s / raw_s:.2f}×",
                "yes",
            ]
        )
        rows.append(
            [
                *common,
                f"report figures ({len(groups)} groups)",
                f"{report_s * 1000:.1f}",
                report_queries,
                f"{raw_s * 1000:.1f}",
                f"{report_s / raw_s:.2f}×",
                "yes",
            ]
        )
    print(f"\n经费汇总（全省） — {database}; {state}; median of {args.runs} runs\n")
    _common.print_table(
        [
            "year",
            "universities",
            "expense lines",
            "spent",
            "ours",
            "ours ms",
            "ours queries",
            "raw SQL ms",
            "ours/raw",
            "same numbers",
        ],
        rows,
    )


if __name__ == "__main__":
    main()
