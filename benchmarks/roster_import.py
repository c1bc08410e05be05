"""The school roster import (花名册导入) of 12,000 rows against the database's own bulk load.

    .venv/bin/python benchmarks/roster_import.py [--rows 12000] [--runs 3]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/handinhand_bench \
        .venv/bin/python benchmarks/roster_import.py

Each run, inside one transaction that is rolled back at the end (so the province database
that school_list.py uses is left as it was): the school table is emptied, then
`import_roster` reads an .xlsx of `--rows` schools (all new), then a second .xlsx of the same
schools with every tenth row changed (re-import: updates and unchanged rows). The comparison
loads the same rows, already in memory, into a scratch table: COPY on PostgreSQL,
executemany INSERT on SQLite. openpyxl's parse alone is timed too, to show where the time goes.
"""

from __future__ import annotations

import argparse
import statistics
import time
from io import BytesIO
from typing import Any

import _common

SCRATCH = "bench_roster_scratch"


class _Rollback(Exception):
    pass


def roster_rows(count: int) -> list[list[Any]]:
    from handinhand.seed import programme as synthetic

    scale = count / synthetic.WORKLOADS["province"].jiangxi_schools
    schools = synthetic.plan("province", seed=2025, scale=scale).schools[:count]
    return [
        [
            s.name,
            s.credit_code,
            s.county_id,  # the import accepts a county's code, name or city + name
            s.school_type,
            s.party_org_form,
            s.secretary,
            s.principal,
            s.contact_phone,
            s.student_count,
            s.teacher_count,
        ]
        for s in schools
    ]


def xlsx(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    from handinhand.orgs.imports import ROSTER_HEADERS

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("学校花名册")
    sheet.append(list(ROSTER_HEADERS))
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def changed(rows: list[list[Any]]) -> list[list[Any]]:
    """Every tenth school gets a new phone number and one more teacher."""
    out = [list(r) for r in rows]
    for i in range(0, len(out), 10):
        out[i][7] = f"0799-{6_000_000 + i}"
        out[i][9] = int(out[i][9]) + 1
    return out


def empty_school_table() -> None:
    """Inside the benchmark's transaction only: schools and the rows that point at them."""
    from handinhand.accounts.models import RoleAssignment
    from handinhand.orgs.models import School
    from handinhand.programme.models import DistrictSchool

    DistrictSchool.objects.all()._raw_delete("default")
    RoleAssignment.objects.filter(school__isnull=False)._raw_delete("default")
    School.objects.all()._raw_delete("default")


def bulk_load(rows: list[list[Any]]) -> float:
    """The floor: the same rows into a plain scratch table, by the database's fastest path."""
    from django.db import connection

    columns = (
        "name, credit_code, county_id, school_type, party_org_form, secretary, principal, "
        "contact_phone, student_count, teacher_count"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
        cursor.execute(
            f"CREATE TEMP TABLE {SCRATCH} (name varchar(100), credit_code varchar(18) UNIQUE, "
            "county_id varchar(6), school_type varchar(10), party_org_form varchar(5), "
            "secretary varchar(50), principal varchar(50), contact_phone varchar(20), "
            "student_count integer, teacher_count integer)"
        )
        started = time.perf_counter()
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {SCRATCH} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * 10)
            cursor.executemany(f"INSERT INTO {SCRATCH} ({columns}) VALUES ({marks})", rows)
        seconds = time.perf_counter() - started
        cursor.execute(f"SELECT COUNT(*) FROM {SCRATCH}")
        assert cursor.fetchone()[0] == len(rows)
        cursor.execute(f"DROP TABLE {SCRATCH}")
    return seconds


def import_export_load(data: bytes) -> tuple[float, int]:
    """django-import-export, the library a Django project would reach for: a ModelResource of
    School keyed by the credit code, the county by its code, reading the same .xlsx (tablib).
    Its own validation (model full_clean) but none of ours (Chinese messages, scope, audit)."""
    import tablib
    from import_export import fields, resources, widgets

    from handinhand.orgs.models import Region, School

    class SchoolResource(resources.ModelResource):  # type: ignore[misc]
        county = fields.Field(
            attribute="county", column_name="county", widget=widgets.ForeignKeyWidget(Region)
        )

        class Meta:
            model = School
            import_id_fields = ("credit_code",)
            fields = (
                "name",
                "credit_code",
                "county",
                "school_type",
                "party_org_form",
                "secretary",
                "principal",
                "contact_phone",
                "student_count",
                "teacher_count",
            )
            use_bulk = True
            batch_size = 2000
            skip_unchanged = True

    started = time.perf_counter()
    dataset = tablib.Dataset().load(BytesIO(data), format="xlsx")
    dataset.headers = list(SchoolResource.Meta.fields)
    result = SchoolResource().import_data(dataset, dry_run=False, use_transactions=False)
    seconds = time.perf_counter() - started
    if result.has_errors() or result.has_validation_errors():
        raise SystemExit("django-import-export reported errors")
    return seconds, School.objects.count()


def parse_only(data: bytes) -> float:
    from openpyxl import load_workbook

    started = time.perf_counter()
    workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
    for _row in workbook.active.iter_rows(values_only=True):
        pass
    workbook.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=12_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    database = _common.setup()

    from django.db import connection, transaction

    from handinhand.accounts.models import User
    from handinhand.orgs.imports import import_roster
    from handinhand.orgs.models import School

    actor = User.objects.get(username="admin")  # the province admin may import anywhere
    rows = roster_rows(args.rows)
    first, second = xlsx(rows), xlsx(changed(rows))
    before = School.objects.count()

    timings: dict[str, list[float]] = {
        "new": [],
        "again": [],
        "load": [],
        "parse": [],
        "iex": [],
    }
    outcome: dict[str, Any] = {}
    for _run in range(args.runs):
        try:
            with transaction.atomic():
                empty_school_table()
                for key, data in (("new", first), ("again", second)):
                    started = time.perf_counter()
                    result = import_roster(actor=actor, data=data, filename="roster.xlsx")
                    timings[key].append(time.perf_counter() - started)
                    if result.errors:
                        raise SystemExit(f"import reported errors: {result.errors[:5]}")
                    outcome[key] = result
                timings["load"].append(bulk_load(rows))
                empty_school_table()
                iex, loaded = import_export_load(first)
                assert loaded == args.rows, loaded
                timings["iex"].append(iex)
                raise _Rollback
        except _Rollback:
            pass
        timings["parse"].append(parse_only(first))
    assert School.objects.count() == before, "the benchmark must leave the database as it was"

    def seconds(key: str) -> float:
        return statistics.median(timings[key])

    new, again = outcome["new"], outcome["again"]
    floor = "COPY" if connection.vendor == "postgresql" else "executemany INSERT"
    load = seconds("load")
    table = [
        [
            f"import_roster, empty table (created {new.created:,})",
            f"{seconds('new'):.2f}",
            f"{args.rows / seconds('new'):,.0f}",
            f"{seconds('new') / load:.1f}×",
        ],
        [
            f"import_roster again (updated {again.updated:,}, unchanged {again.unchanged:,})",
            f"{seconds('again'):.2f}",
            f"{args.rows / seconds('again'):,.0f}",
            f"{seconds('again') / load:.1f}×",
        ],
        [
            "openpyxl read-only parse alone",
            f"{seconds('parse'):.2f}",
            f"{args.rows / seconds('parse'):,.0f}",
            f"{seconds('parse') / load:.1f}×",
        ],
        [f"{floor} into a scratch table", f"{load:.3f}", f"{args.rows / load:,.0f}", "1.0×"],
    ]
    # The honest floor parses the same file too: parse + bulk load.
    floor_total = seconds("parse") + load
    honest = [
        [
            f"import_roster, empty table (created {new.created:,})",
            f"{seconds('new'):.2f}",
            f"{seconds('new') / floor_total:.2f}×",
            f"{seconds('new') / seconds('iex'):.2f}×",
        ],
        [
            "django-import-export 4.4 (ModelResource, bulk, same .xlsx)",
            f"{seconds('iex'):.2f}",
            f"{seconds('iex') / floor_total:.2f}×",
            "1.00×",
        ],
        [
            f"openpyxl parse + {floor}",
            f"{floor_total:.2f}",
            "1.00×",
            f"{floor_total / seconds('iex'):.2f}×",
        ],
    ]
    print(
        f"\n花名册导入 — {database}; {args.rows:,} rows, .xlsx {len(first) / 1e6:.1f} MB; "
        f"median of {args.runs} runs\n"
    )
    _common.print_table(["what", "seconds", "rows/s", f"vs {floor}"], table)
    print(f"\nThe same .xlsx, each reader parsing it — {database}; median of {args.runs} runs\n")
    _common.print_table(
        ["what", "seconds", f"vs parse + {floor}", "vs django-import-export"], honest
    )


if __name__ == "__main__":
    main()
