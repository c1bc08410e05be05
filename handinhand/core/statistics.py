"""Planner statistics after bulk writes (issue 15 item 5).

A seed or an import that fills a table with thousands of rows leaves PostgreSQL's statistics
describing the table before it; until autovacuum catches up (minutes, or never on a busy
system) the planner picks plans for the empty table, and one export query ran for minutes
instead of about a second. So whoever fills a table analyzes it, after the rows are committed.
SQLite plans without such statistics worth refreshing here: nothing is done there.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import connections, models, router, transaction

log = logging.getLogger(__name__)


def analyze(
    tables: Iterable[type[models.Model] | str], *, using: str | None = None, now: bool = False
) -> list[str]:
    """ANALYZE these tables (models or table names) on PostgreSQL, once the surrounding
    transaction commits (or `now`: inside it, where ANALYZE counts the transaction's own new
    rows, for a seed whose next step queries what the last one wrote). Returns the table
    names analyzed (or to be), [] elsewhere."""
    names: list[str] = []
    alias = using
    for table in tables:
        if isinstance(table, str):
            names.append(table)
        else:
            names.append(table._meta.db_table)
            alias = alias or router.db_for_write(table)
    alias = alias or "default"
    connection = connections[alias]
    if connection.vendor != "postgresql" or not names:
        return []
    names = sorted(set(names))

    def run() -> None:
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE " + ", ".join(quote(n) for n in names))
        log.info("ANALYZE %s", ", ".join(names))

    if now:
        run()
    else:
        transaction.on_commit(run, using=alias)
    return names
