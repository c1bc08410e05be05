"""Bulk loading of many plain rows: PostgreSQL's COPY where the database is PostgreSQL, batched
INSERTs elsewhere (SQLite, the embedded default).

For loads of millions of rows (the nation workload's 15.4 M indicator scores a year, large
imports) building a model instance per row, or an INSERT statement per batch, costs minutes;
COPY streams the rows through one statement at several hundred thousand rows a second.
Callers pass tuples in `columns` order and own the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connections, models

INSERT_BATCH = 10_000


def copy_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    using: str = "default",
) -> int:
    """Write `rows` (tuples of `columns`' values, database column names) into `model`'s table;
    returns the number written. No model `save()`, no signals, no defaults: every column the
    table needs must be in `columns`."""
    connection = connections[using]
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    cols = ", ".join(qn(c) for c in columns)
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            # Table and column names come from the model and are quoted; the rows are data.
            with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
            return written
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"  # noqa: S608 -- names quoted
        batch: list[Sequence[Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= INSERT_BATCH:
                cursor.executemany(sql, batch)
                written += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            written += len(batch)
    return written


def analyze(*models_: type[models.Model], using: str = "default") -> None:
    """Refresh the planner's statistics of the tables just filled (PostgreSQL; SQLite's
    planner has no such need at these sizes). Without it, autovacuum may not have run by the
    time the first page asks, and a plan built for an empty table scans millions of rows."""
    connection = connections[using]
    if connection.vendor != "postgresql" or not models_:
        return
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        # Table names come from the models and are quoted.
        cursor.execute("ANALYZE " + ", ".join(qn(m._meta.db_table) for m in models_))


def analyze_all(using: str = "default") -> None:
    """ANALYZE the whole database (PostgreSQL): after a bulk step, before the next one plans
    its queries on tables that autovacuum has not looked at yet."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
