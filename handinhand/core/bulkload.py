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
