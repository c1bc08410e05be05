"""Drafting every guidance group's annual report for a year, at province scale, against raw
SQL computing the same figures (one GROUP BY statement per figure, no writes).

    .venv/bin/python benchmarks/reports_generate.py [--runs 5]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/handinhand_bench \
        .venv/bin/python benchmarks/reports_generate.py

"ours" is reports_generate(): the figures of all 122 groups (one grouped query per figure)
plus writing or refreshing the 122 reports and their audit events; "figures only" is
compute_figures() alone; "background job" runs the whole job path (job row, progress
updates) once. Target: the whole province in ≤ 60 s.
"""

from __future__ import annotations

import argparse
import time

import _common

RAW_SQL = {
    "members": """
        SELECT group_id, COUNT(DISTINCT user_id) FROM programme_membership
        WHERE term_start <= %(end)s AND ((term_end IS NULL AND is_active) OR term_end >= %(start)s)
        GROUP BY group_id""",
    "roles": """
        SELECT group_id, role, COUNT(*) FROM programme_membership
        WHERE term_start <= %(end)s AND ((term_end IS NULL AND is_active) OR term_end >= %(start)s)
        GROUP BY group_id, role""",
    "pairings": """
        SELECT p.group_id, r.name FROM programme_pairing p
        JOIN orgs_region r ON r.code = p.region_id WHERE p.since <= %(end)s""",
    "districts": "SELECT group_id, COUNT(*) FROM programme_district GROUP BY group_id",
    "schools": """
        SELECT d.group_id, COUNT(DISTINCT ds.school_id) FROM programme_districtschool ds
        JOIN programme_district d ON d.id = ds.district_id GROUP BY d.group_id""",
    "training": """
        SELECT m.group_id, SUM(h.hours), SUM(CASE WHEN h.hours >= %(min)s THEN 1 ELSE 0 END)
        FROM (SELECT DISTINCT group_id, user_id FROM programme_membership
              WHERE term_start <= %(end)s
                AND ((term_end IS NULL AND is_active) OR term_end >= %(start)s)) m
        JOIN (SELECT a.user_id, SUM(a.hours) AS hours FROM training_attendance a
              JOIN training_trainingsession s ON s.id = a.session_id
              WHERE s.date BETWEEN %(start)s AND %(end)s GROUP BY a.user_id) h
          ON h.user_id = m.user_id
        GROUP BY m.group_id""",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    database = _common.setup()

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from handinhand.accounts.models import User
    from handinhand.core.policy import get_policy
    from handinhand.reports.figures import active_group_ids, compute_figures
    from handinhand.reports.models import ReportJob
    from handinhand.reports.services import job_run, reports_generate

    year = timezone.localdate().year - 1
    admin = User.objects.get(username="admin")
    ids = active_group_ids()
    params = {
        "start": f"{year}-01-01",
        "end": f"{year}-12-31",
        "min": get_policy().training.min_hours_per_year,
    }

    def ours() -> None:
        reports_generate(actor=admin, year=year)

    def figures() -> None:
        compute_figures(ids, year)

    def raw() -> None:
        with connection.cursor() as cursor:
            for sql in RAW_SQL.values():
                cursor.execute(sql, params)
                cursor.fetchall()

    def queries(fn: object) -> int:
        with CaptureQueriesContext(connection) as captured:
            fn()  # type: ignore[operator]
        return len(captured)

    counts = [queries(ours), queries(figures), queries(raw)]
    ours_s, figures_s, raw_s = _common.median_times([ours, figures, raw], args.runs, warmup=1)
    job = ReportJob.objects.create(year=year, started_by=admin, total=len(ids))
    started = time.perf_counter()
    job_run(job.pk)
    job_s = time.perf_counter() - started

    print(
        f"\n年度报告生成 — {database}; {len(ids)} groups, year {year}; median of {args.runs} runs\n"
    )
    _common.print_table(
        ["what", "seconds", "vs raw SQL", "queries", "≤ 60 s"],
        [
            [
                "reports_generate (figures + write 122 reports + audit)",
                f"{ours_s:.3f}",
                f"{ours_s / raw_s:.1f}×",
                counts[0],
                "yes" if ours_s <= 60 else "NO",
            ],
            [
                "compute_figures only",
                f"{figures_s:.3f}",
                f"{figures_s / raw_s:.1f}×",
                counts[1],
                "",
            ],
            [
                "background job (job_run, once)",
                f"{job_s:.3f}",
                f"{job_s / raw_s:.1f}×",
                "",
                "yes" if job_s <= 60 else "NO",
            ],
            ["raw SQL, one GROUP BY per figure", f"{raw_s:.3f}", "1.0×", counts[2], ""],
        ],
    )


if __name__ == "__main__":
    main()
