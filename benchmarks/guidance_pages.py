"""The instructor's workbench and the visit coverage pages against raw SQL computing the same
figures, at province scale (≈ 50,000 visits of one year).

    .venv/bin/python benchmarks/guidance_pages.py [--runs 15]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/handinhand_bench \
        .venv/bin/python benchmarks/guidance_pages.py

"ours" is the whole request through django.test.Client (middleware, scope, view, queries,
template); "raw SQL" runs only the hand-written queries over the same tables that yield the
same numbers and rows, on the same connection, and builds no page. The ratio is what the page
costs over its data. Before timing, the script checks that each page shows the numbers its raw
SQL returns (held visits, districts, school count, fewest visits, per-district counts).
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from typing import Any

import _common

WORKBENCH_SQL = [
    # my groups
    """SELECT m.id, g.name FROM programme_membership m JOIN programme_guidancegroup g
       ON g.id = m.group_id WHERE m.user_id = %(user)s AND m.is_active""",
    # my districts with their school counts
    """SELECT d.id, d.name, COUNT(DISTINCT ds.id) FROM programme_district d
       JOIN programme_district_instructors di ON di.district_id = d.id
       JOIN programme_membership m ON m.id = di.membership_id
       LEFT JOIN programme_districtschool ds ON ds.district_id = d.id
       WHERE m.user_id = %(user)s AND m.is_active GROUP BY d.id, d.name""",
    # first schools of my districts
    """SELECT s.id, s.name FROM orgs_school s JOIN programme_districtschool ds
       ON ds.school_id = s.id JOIN programme_district_instructors di
       ON di.district_id = ds.district_id JOIN programme_membership m ON m.id = di.membership_id
       WHERE m.user_id = %(user)s AND m.is_active ORDER BY s.county_id, s.name LIMIT 10""",
    # my upcoming and overdue planned visits, with their schools
    """SELECT v.id, v.date, v.title, s.name FROM guidance_visit v
       JOIN guidance_visit_instructors vi ON vi.visit_id = v.id
       JOIN programme_membership m ON m.id = vi.membership_id
       JOIN guidance_visitschool vs ON vs.visit_id = v.id JOIN orgs_school s ON s.id = vs.school_id
       WHERE m.user_id = %(user)s AND v.status = 'planned' AND v.date >= %(today)s
       ORDER BY v.date, v.id LIMIT 10""",
    """SELECT v.id, v.date, v.title FROM guidance_visit v
       JOIN guidance_visit_instructors vi ON vi.visit_id = v.id
       JOIN programme_membership m ON m.id = vi.membership_id
       WHERE m.user_id = %(user)s AND v.status = 'planned' AND v.date < %(today)s
       ORDER BY v.date, v.id LIMIT 10""",
    # held this year
    """SELECT COUNT(DISTINCT v.id) FROM guidance_visit v
       JOIN guidance_visit_instructors vi ON vi.visit_id = v.id
       JOIN programme_membership m ON m.id = vi.membership_id
       WHERE m.user_id = %(user)s AND v.status = 'held' AND v.date >= %(first)s
       AND v.date <= %(last)s""",
    # findings I raised still waiting for a school; answers waiting for my groups' verdict
    """SELECT f.id, f.problem, f.deadline, s.name FROM guidance_finding f
       JOIN orgs_school s ON s.id = f.school_id JOIN programme_membership m ON m.id = f.raised_by_id
       WHERE m.user_id = %(user)s AND m.is_active AND f.status IN ('open', 'returned')
       ORDER BY f.deadline, f.id LIMIT 10""",
    """SELECT f.id, f.problem, s.name FROM guidance_finding f
       JOIN orgs_school s ON s.id = f.school_id
       WHERE f.status = 'answered' AND f.group_id IN (SELECT group_id FROM programme_membership
             WHERE user_id = %(user)s AND is_active)
       ORDER BY f.deadline, f.id LIMIT 10""",
]

# The raw SQL reads the same schema as the pages, including guidance_visitschool.held_on (the
# visit's date while it is held), which is what makes per-school counts one index range.
COVERAGE_SQL = [
    """SELECT COUNT(*) FROM orgs_school""",
    """SELECT s.id, s.name, COUNT(vs.id) AS n FROM orgs_school s
       LEFT JOIN guidance_visitschool vs ON vs.school_id = s.id
            AND vs.held_on >= %(first)s AND vs.held_on <= %(last)s
       GROUP BY s.id, s.name ORDER BY n, s.id LIMIT 20""",
]

DISTRICTS_SQL = [
    """SELECT d.id, d.name, COUNT(ds.id),
         SUM(CASE WHEN NOT EXISTS (SELECT 1 FROM guidance_visitschool vs
              WHERE vs.school_id = ds.school_id AND vs.held_on IS NOT NULL)
              THEN 1 ELSE 0 END),
         SUM(CASE WHEN (SELECT COUNT(*) FROM guidance_visitschool vs
              WHERE vs.school_id = ds.school_id
              AND vs.held_on >= %(first)s AND vs.held_on <= %(last)s) < %(minimum)s
              THEN 1 ELSE 0 END)
       FROM programme_district d LEFT JOIN programme_districtschool ds ON ds.district_id = d.id
       GROUP BY d.id, d.name ORDER BY d.name""",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    database = _common.setup()

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from handinhand.accounts.models import User
    from handinhand.core.policy import get_policy
    from handinhand.guidance.models import Visit

    # The page's cost is measured, not the login: no second factor, plain http like the test
    # client (as benchmarks/scale_pages.py does); otherwise every page answers a redirect.
    settings.OTP_REQUIRED_ROLES = []
    settings.SECURE_SSL_REDIRECT = False
    if not Visit.objects.exists():
        raise SystemExit("没有指导活动：请用 manage.py seed 重新生成（guidance.synthetic.extend）")
    today = timezone.localdate()
    instructor = User.objects.get(username="instructor")
    params = {
        "user": instructor.pk,
        "today": today,
        "first": dt.date(today.year, 1, 1),
        "last": dt.date(today.year, 12, 31),
        "minimum": get_policy().guidance.min_visits_per_school_per_year,
    }
    admin, mine = Client(), Client()
    admin.force_login(User.objects.get(username="admin"))
    mine.force_login(instructor)

    def page(client: Client, url: str) -> Callable[[], None]:
        def get() -> None:
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")

        return get

    def raw(statements: list[str]) -> Callable[[], None]:
        def run() -> None:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql, params)
                    cursor.fetchall()

        return run

    def count_queries(fn: Callable[[], None]) -> int:
        with CaptureQueriesContext(connection) as queries:
            fn()
        return len(queries)

    _check(admin, mine, params)
    cases = [
        ("指导员工作台 (instructor)", page(mine, "/guidance/workbench/"), WORKBENCH_SQL),
        ("学校受指导情况 (province admin)", page(admin, "/guidance/coverage/"), COVERAGE_SQL),
        (
            "按片区统计 (province admin)",
            page(admin, "/guidance/coverage/districts/"),
            DISTRICTS_SQL,
        ),
    ]
    rows = []
    for label, ours, statements in cases:
        theirs = raw(statements)
        queries = count_queries(ours)
        our_s, raw_s = _common.median_times([ours, theirs], args.runs)
        rows.append(
            [
                label,
                f"{our_s * 1000:.1f}",
                f"{raw_s * 1000:.1f}",
                f"{our_s / raw_s:.2f}×",
                queries,
                len(statements),
            ]
        )
    from handinhand.guidance.models import Finding

    visits, findings = Visit.objects.count(), Finding.objects.count()
    print(
        f"\n指导工作页面 — {database}, {visits:,} visits, {findings:,} findings; "
        f"median of {args.runs} runs\n"
    )
    _common.print_table(
        ["page", "ours ms", "raw SQL ms", "ours/raw", "ours queries", "raw queries"], rows
    )


def _check(admin: Any, mine: Any, params: dict[str, Any]) -> None:
    """The page and the raw SQL must give the same numbers, or the comparison means nothing:
    each page is asked once with Django's template instrumentation (its context), and its
    figures compared with the raw statements' rows."""
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    def rows(sql: str) -> list[Any]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())

    setup_test_environment()
    try:
        wb = mine.get("/guidance/workbench/").context["wb"]
        (held,) = rows(WORKBENCH_SQL[5])[0]
        assert wb.held_this_year == held, ("held this year", wb.held_this_year, held)
        districts = {d[0]: d[2] for d in rows(WORKBENCH_SQL[1])}
        assert {d.pk for d in wb.districts} == set(districts), "the instructor's districts"

        page = admin.get("/guidance/coverage/").context["page"]
        (total,) = rows(COVERAGE_SQL[0])[0]
        assert page.paginator.count == total, ("schools", page.paginator.count, total)
        lowest = [r[2] for r in rows(COVERAGE_SQL[1])]
        shown = [s.visits_this_year for s in page.object_list][: len(lowest)]
        assert shown == lowest[: len(shown)], ("fewest visits", shown, lowest)

        context = admin.get("/guidance/coverage/districts/").context
        raw = {r[0]: (r[2], r[3] or 0, r[4] or 0) for r in rows(DISTRICTS_SQL[0])}
        mine_ = {
            d.pk: (d.school_count, d.never_visited, d.below_minimum) for d in context["districts"]
        }
        assert mine_ == raw, "district counts differ"
    finally:
        teardown_test_environment()
    print("figures checked: pages = raw SQL", flush=True)


if __name__ == "__main__":
    main()
