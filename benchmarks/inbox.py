"""The inbox count (issue 10): one UNION COUNT over every module's pending work, against asking
each module on its own (a COUNT per source, or its items where it has no queryset).

Both sides must give the same number for every user measured; the script stops if they do not.

    DATABASE_URL=postgres://... .venv/bin/python benchmarks/inbox.py [--runs 15]
"""

from __future__ import annotations

import argparse
from typing import Any

import _common


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    database = _common.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from handinhand.accounts.models import User
    from handinhand.core import inbox
    from handinhand.core.scope import get_scope, reset_scope

    analyzed = "no (SQLite)"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        analyzed = "yes"
    today = timezone.localdate()
    names = ["admin", "leader", "instructor", "pingxiang", "xiangdong", "school"]
    users = {u.username: u for u in User.objects.filter(username__in=names)}

    def fresh(user: Any) -> Any:
        # A new request: the scope is computed already (the middleware does it for every page),
        # the inbox's per-request cache is empty.
        inbox.reset_inbox(user)
        return user

    def union_count(user: Any) -> int:
        return inbox.inbox_count(fresh(user), today)

    def per_module(user: Any) -> int:
        total = 0
        for source in inbox.work_sources.values():
            if source.pending is None:
                total += sum(1 for _ in source.items(user, today))
            else:
                total += source.pending(user, today).count()
        return total

    table = []
    for name in names:
        user = users.get(name)
        if user is None:
            continue
        reset_scope(user)
        get_scope(user)
        ours, theirs = union_count(user), per_module(user)
        if ours != theirs:
            raise SystemExit(f"{name}: union count {ours} != per-module count {theirs}")
        with CaptureQueriesContext(connection) as union_q:
            union_count(user)
        with CaptureQueriesContext(connection) as loop_q:
            per_module(user)
        union_s, loop_s = _common.median_times(
            [lambda u=user: union_count(u), lambda u=user: per_module(u)], args.runs
        )
        table.append(
            [
                name,
                f"{ours:,}",
                f"{union_s * 1000:.1f}",
                len(union_q),
                f"{loop_s * 1000:.1f}",
                len(loop_q),
                f"{loop_s / union_s:.1f}×",
            ]
        )
    print(
        f"\n{database}; ANALYZE run: {analyzed}; {len(inbox.work_sources.values())} sources; "
        f"runs {args.runs} (median); scope already computed, as on every page\n"
    )
    _common.print_table(
        ["user", "items", "union ms", "queries", "per-module ms", "queries", "ratio"], table
    )


if __name__ == "__main__":
    main()
