"""The instructor's guided schools as SQL: the old path filter against the two indexable forms
(issue 15 item 2), with timings and PostgreSQL's plans.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hih_scale_nation \
        .venv/bin/python benchmarks/scope_plans.py [--runs 9] [--user instructor]

- old: `county.path LIKE '…%' OR school.id IN (district schools)` through the join to the
  region table (what SchoolQuerySet.in_scope was);
- counties (chosen): the scope's counties found once on the region table (path index), then
  `school.county_id IN (…) OR school.id IN (…)` on the school table alone;
- group→school table: a table of (group, school) rows kept for every guided school, as the
  services would maintain it (built here as a temporary table with its index, and analyzed),
  read as `school.id IN (SELECT school_id … WHERE group_id IN (…)) OR school.id IN (…)`.

Each is asked for the first page of the school list (ORDER BY county, id LIMIT 20) and the
count under it. All three must return the same schools; the script checks that.
"""

from __future__ import annotations

import argparse

import _common


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--user", default="instructor")
    args = parser.parse_args()
    database = _common.setup()

    from django.db import connection
    from django.db.models import Q

    from handinhand.accounts.models import User
    from handinhand.core.scope import get_scope
    from handinhand.orgs.models import School
    from handinhand.programme.scope import guided_region_paths

    user = User.objects.get(username=args.user)
    scope = get_scope(user)
    old_q = Q(pk__in=[])
    for path in scope.region_paths:
        old_q |= Q(county__path__startswith=path)
    old = School.objects.filter(old_q | Q(pk__in=scope.school_ids))
    new = School.objects.in_scope(scope)

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_group_school")
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_group_school (group_id bigint, school_id bigint)"
        )
        rows: set[tuple[int, int]] = set()
        for group_id, paths in guided_region_paths(list(scope.group_ids)).items():
            q = Q(pk__in=[])
            for path in paths:
                q |= Q(county__path__startswith=path)
            rows.update(
                (group_id, pk) for pk in School.objects.filter(q).values_list("pk", flat=True)
            )
        # District schools of the user's districts: in the real table, (group, school) rows too.
        first_group = min(scope.group_ids) if scope.group_ids else 0
        rows.update((first_group, pk) for pk in scope.school_ids)
        cursor.executemany("INSERT INTO bench_group_school VALUES (%s, %s)", sorted(rows))
        cursor.execute("CREATE INDEX ON bench_group_school (group_id, school_id)")
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE bench_group_school")
    from django.db.models.expressions import RawSQL

    group_ids = sorted(scope.group_ids) or [0]
    table = School.objects.filter(
        pk__in=RawSQL(
            "SELECT school_id FROM bench_group_school WHERE group_id = ANY(%s)", (group_ids,)
        )
    )

    cases = [("old: path LIKE through the join", old), ("counties (chosen)", new)]
    cases.append(("group→school table", table))
    pages = {label: qs.order_by("county_id", "pk") for label, qs in cases}
    reference = list(pages[cases[0][0]].values_list("pk", flat=True))
    for label, qs in pages.items():
        same = list(qs.values_list("pk", flat=True)) == reference
        if not same:
            raise SystemExit(f"{label}: not the same schools as the old filter")

    print(f"\n{database}; user {args.user}, {len(reference):,} schools in scope")
    print(_common.database_state())
    rows_out = []
    for label, qs in pages.items():
        # A fresh slice each time: an evaluated queryset would answer from its cache.
        first_ms, count_ms = _common.median_times(
            [lambda qs=qs: list(qs.all()[:20]), lambda qs=qs: qs.all().count()], args.runs
        )
        rows_out.append([label, f"{first_ms * 1000:.2f}", f"{count_ms * 1000:.2f}"])
    print(f"\nmedian of {args.runs} runs\n")
    _common.print_table(["filter", "first page ms", "count ms"], rows_out)
    if connection.vendor == "postgresql":
        for label, qs in pages.items():
            print(f"\n### EXPLAIN — {label} (first page)\n")
            print("```")
            print(qs[:20].explain())
            print("```")


if __name__ == "__main__":
    main()
