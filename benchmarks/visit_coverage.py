"""Visit coverage (学校受指导情况, /guidance/coverage/) read from the pre-aggregate
SchoolVisitCount, against raw SQL computing the same figures from the base rows
(guidance_visitschool) over the same tables, for the province admin, the demo instructor and a
city's staff (萍乡市).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hih_scale_nation \
        .venv/bin/python benchmarks/visit_coverage.py [--runs 7]

"page" is the whole request through django.test.Client (middleware, session, scope, view,
queries, template; no network), median of `--runs` after two warm-ups. "raw SQL, base rows" is
the hand-written count of held visits per school over every school the province admin sees,
sorted like the page (fewest visits first) — what the page cost before the pre-aggregate, minus
Django; "raw SQL, pre-aggregate" is the same ranking from guidance_schoolvisitcount. Before
timing, the script checks that every page's shown schools have the visit counts and the
ever-visited flags the base rows give, and that the admin's page, the base-row SQL and the
pre-aggregate SQL give the same total and the same ranking. The database state (row counts,
last ANALYZE) is printed first.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from typing import Any

import _common

URL = "/guidance/coverage/"
PAGES = [("", "default (fewest visits first)"), ("?standing=never", "从未被指导")]
USERS = [("province admin", "admin"), ("instructor", "instructor"), ("city staff", "pingxiang")]
SHOWN = 20  # rows of the ranking compared and fetched by the raw SQL (the page shows 20+)

BASE_SQL = [
    """SELECT COUNT(*) FROM orgs_school""",
    """SELECT s.id, s.name, COUNT(vs.id) AS n,
              EXISTS (SELECT 1 FROM guidance_visitschool e
                      WHERE e.school_id = s.id AND e.held_on IS NOT NULL) AS ever
       FROM orgs_school s
       LEFT JOIN guidance_visitschool vs ON vs.school_id = s.id
            AND vs.held_on >= %(first)s AND vs.held_on <= %(last)s
       GROUP BY s.id, s.name ORDER BY n, s.id LIMIT %(shown)s""",
]
AGGREGATE_SQL = [
    """SELECT COUNT(*) FROM orgs_school""",
    """SELECT s.id, s.name, COALESCE(c.held, 0) AS n,
              EXISTS (SELECT 1 FROM guidance_schoolvisitcount e WHERE e.school_id = s.id) AS ever
       FROM orgs_school s
       LEFT JOIN guidance_schoolvisitcount c ON c.school_id = s.id AND c.year = %(year)s
       ORDER BY n, s.id LIMIT %(shown)s""",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    database = _common.setup()

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from handinhand.accounts.models import User
    from handinhand.guidance.models import SchoolVisitCount

    print(f"\n{database}")
    print(_common.database_state())
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*), COALESCE(SUM(held), 0) FROM guidance_schoolvisitcount")
        rows, held = cursor.fetchone()
    print(f"  guidance_schoolvisitcount: {rows:,} rows (school × year), {held:,} held visits")
    if not SchoolVisitCount.objects.exists():
        raise SystemExit("预汇总表为空：请运行 manage.py refresh_visit_counts")
    # The page's cost is measured, not the login (as benchmarks/scale_pages.py does).
    settings.OTP_REQUIRED_ROLES = []
    settings.SECURE_SSL_REDIRECT = False
    year = timezone.localdate().year
    params = {
        "year": year,
        "first": dt.date(year, 1, 1),
        "last": dt.date(year, 12, 31),
        "shown": SHOWN,
    }

    def raw(statements: list[str]) -> Callable[[], list[list[Any]]]:
        def run() -> list[list[Any]]:
            out = []
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql, params)
                    out.append(list(cursor.fetchall()))
            return out

        return run

    clients = {}
    for _role, username in USERS:
        client = Client()
        client.force_login(User.objects.get(username=username))
        clients[username] = client
    _check(clients, raw(BASE_SQL), raw(AGGREGATE_SQL), params)

    table = []
    for role, username in USERS:
        client = clients[username]
        for query, label in PAGES:
            url = URL + query

            def get(client: Client = client, url: str = url) -> None:
                response = client.get(url)
                if response.status_code != 200:
                    raise SystemExit(f"{url} answered {response.status_code}")

            response = client.get(url)
            size = len(response.content)
            connection.queries_log.clear()
            with CaptureQueriesContext(connection) as queries:
                get()
            count = len(queries)
            (ms,) = _common.median_times([get], args.runs)
            table.append([role, label, f"{ms * 1000:.1f}", f"{size / 1024:.1f}", count, ""])
            print(f"  {role} {label}: {ms * 1000:.1f} ms", flush=True)
    base_s, aggregate_s = _common.median_times([raw(BASE_SQL), raw(AGGREGATE_SQL)], args.runs)
    table.append(["province admin", "raw SQL, base rows", f"{base_s * 1000:.1f}", "", 2, ""])
    table.append(
        ["province admin", "raw SQL, pre-aggregate", f"{aggregate_s * 1000:.1f}", "", 2, ""]
    )
    admin_ms = float(table[0][2])
    table[0][5] = f"{admin_ms / (base_s * 1000):.2f}× base rows"
    for row in table[1:-2]:
        province = next(r for r in table if r[0] == "province admin" and r[1] == row[1])
        if row[0] != "province admin":
            row[5] = f"{float(row[2]) / float(province[2]):.2f}× province admin"
    print(f"\n学校受指导情况 — {database}, year {year}; median of {args.runs} runs\n")
    _common.print_table(["user", "page", "server ms", "HTML KB", "queries", "ratio"], table)


def _check(
    clients: dict[str, Any],
    base: Callable[[], list[list[Any]]],
    aggregate: Callable[[], list[list[Any]]],
    params: dict[str, Any],
) -> None:
    """The page, the base-row SQL and the pre-aggregate SQL must give the same numbers, or the
    comparison means nothing. Each page is asked once with Django's template instrumentation
    (its context): its shown schools' counts are recounted from guidance_visitschool."""
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    def recount(ids: list[int]) -> dict[int, tuple[int, bool]]:
        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT s.id,
                     (SELECT COUNT(*) FROM guidance_visitschool vs WHERE vs.school_id = s.id
                      AND vs.held_on >= %s AND vs.held_on <= %s),
                     EXISTS (SELECT 1 FROM guidance_visitschool vs WHERE vs.school_id = s.id
                             AND vs.held_on IS NOT NULL)
                   FROM orgs_school s WHERE s.id = ANY(%s)"""
                if connection.vendor == "postgresql"
                else """SELECT s.id,
                     (SELECT COUNT(*) FROM guidance_visitschool vs WHERE vs.school_id = s.id
                      AND vs.held_on >= %s AND vs.held_on <= %s),
                     EXISTS (SELECT 1 FROM guidance_visitschool vs WHERE vs.school_id = s.id
                             AND vs.held_on IS NOT NULL)
                   FROM orgs_school s WHERE s.id IN (SELECT value FROM json_each(%s))""",
                [
                    params["first"],
                    params["last"],
                    ids if connection.vendor == "postgresql" else str(ids),
                ],
            )
            return {r[0]: (r[1], bool(r[2])) for r in cursor.fetchall()}

    setup_test_environment()
    try:
        for username, client in clients.items():
            for query, _label in PAGES:
                page = client.get(URL + query).context["page"]
                shown = {s.pk: (s.visits_this_year, bool(s.ever_visited)) for s in page}
                assert shown == recount(list(shown)), (username, query, "counts differ")
        page = clients["admin"].get(URL).context["page"]
        base_rows, aggregate_rows = base(), aggregate()
        for name, rows in (("base rows", base_rows), ("pre-aggregate", aggregate_rows)):
            assert page.paginator.count == rows[0][0][0], (name, "school total")
            ranking = [(r[2], bool(r[3])) for r in rows[1]]
            mine = [(s.visits_this_year, bool(s.ever_visited)) for s in page][: len(ranking)]
            assert mine == ranking[: len(mine)], (name, "fewest visits", mine, ranking)
        assert base_rows == aggregate_rows, "base rows and pre-aggregate differ"
    finally:
        teardown_test_environment()
    print("figures checked: pages = base rows = pre-aggregate", flush=True)


if __name__ == "__main__":
    main()
