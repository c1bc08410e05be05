"""The big exports (issue 15 item 4): our export job's writer against raw SQL + openpyxl
write-only on the same rows, and a check that both produce the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hih_scale_province \
        .venv/bin/python benchmarks/export_job.py [--runs 3]

"ours" is what the export job runs (core.exports.write_xlsx: the list's query for the province
admin, `values()` rows in chunks of 2,000, the visit list's school and instructor names one
query per chunk, openpyxl write-only into memory). "raw SQL" is one hand-written query per
list returning the finished cells (names aggregated by string_agg), written by the same
openpyxl write-only loop. The cells of both are compared before timing. PostgreSQL only
(string_agg).
"""

from __future__ import annotations

import argparse
import json
from io import BytesIO
from typing import Any

import _common

VISITS_SQL = """
SELECT v.date, v.title, COALESCE(sn.names, ''), g.name, v.form, v.duration_hours,
       COALESCE(pn.names, ''), v.status, v.indicators::text, v.content
FROM guidance_visit v JOIN programme_guidancegroup g ON g.id = v.group_id
LEFT JOIN (SELECT vs.visit_id, string_agg(s.name, '、' ORDER BY s.name, s.id) AS names
           FROM guidance_visitschool vs JOIN orgs_school s ON s.id = vs.school_id
           GROUP BY vs.visit_id) sn ON sn.visit_id = v.id
LEFT JOIN (SELECT vi.visit_id,
                  string_agg(COALESCE(NULLIF(u.full_name, ''), u.username), '、'
                             ORDER BY m.user_id, m.id) AS names
           FROM guidance_visit_instructors vi
           JOIN programme_membership m ON m.id = vi.membership_id
           JOIN accounts_user u ON u.id = m.user_id
           GROUP BY vi.visit_id) pn ON pn.visit_id = v.id
ORDER BY v.date DESC, v.id
"""

SCHOOLS_SQL = """
SELECT s.name, s.credit_code, c.name, r.name, s.school_type, s.party_org_form, s.secretary,
       s.principal, s.contact_phone, s.student_count, s.teacher_count
FROM orgs_school s JOIN orgs_region r ON r.code = s.county_id
LEFT JOIN orgs_region c ON c.code = r.parent_id
ORDER BY s.county_id, s.id
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    database = _common.setup()

    from django.db import connection
    from django.http import QueryDict
    from openpyxl import Workbook

    from handinhand.accounts.models import User
    from handinhand.core import exports
    from handinhand.core.listing import ListSpec, query_for
    from handinhand.guidance.models import Visit, VisitStatus
    from handinhand.guidance.views import VISIT_LIST
    from handinhand.orgs.models import PartyOrgForm, SchoolType
    from handinhand.orgs.views import SCHOOL_LIST

    if connection.vendor != "postgresql":
        raise SystemExit("PostgreSQL only (string_agg): set DATABASE_URL")
    admin = User.objects.get(username="admin")
    forms = dict(Visit._meta.get_field("form").flatchoices)

    def visit_cells(row: tuple[Any, ...]) -> list[Any]:
        date, title, schools, group, form, hours, people, status, indicators, content = row
        names = "、".join(str(i) for i in json.loads(indicators or "[]"))
        status_label = str(dict(VisitStatus.choices).get(status, status))
        values = [date, title, schools, group, str(forms.get(form, form)), hours, people]
        return [exports._cell(v) for v in [*values, status_label, names, content]]

    school_types, org_forms = dict(SchoolType.choices), dict(PartyOrgForm.choices)

    def school_cells(row: tuple[Any, ...]) -> list[Any]:
        cells = list(row)
        cells[2], cells[3] = cells[2] or "", cells[3]
        cells[4] = str(school_types.get(cells[4], cells[4]))
        cells[5] = str(org_forms.get(cells[5], cells[5]))
        return [exports._cell(c) for c in cells]

    def raw_rows(sql: str, convert: Any) -> Any:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            while chunk := cursor.fetchmany(2000):
                for row in chunk:
                    yield convert(row)

    def raw_xlsx(spec: ListSpec, sql: str, convert: Any) -> int:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("raw")
        sheet.append([str(c.label) for c in exports.export_columns(spec)])
        count = 0
        for cells in raw_rows(sql, convert):
            sheet.append([exports.text_cell(sheet, v) for v in cells])
            count += 1
        workbook.save(BytesIO())
        return count

    def ours(spec: ListSpec) -> int:
        qs, _form, _sort = query_for(spec, admin, QueryDict(""))
        return exports.write_xlsx(BytesIO(), spec, qs, user=admin)

    cases = [
        ("指导活动 (visits)", VISIT_LIST, VISITS_SQL, visit_cells),
        ("学校 (schools)", SCHOOL_LIST, SCHOOLS_SQL, school_cells),
    ]
    print(f"\n{database}")
    print(_common.database_state())
    table = []
    for label, spec, sql, convert in cases:
        qs, _form, _sort = query_for(spec, admin, QueryDict(""))
        our_rows = [
            ["" if v is None else v for v in row]
            for row in exports.export_rows(exports.export_columns(spec), qs, admin)
        ]
        their_rows = [["" if v is None else v for v in row] for row in raw_rows(sql, convert)]
        if our_rows != their_rows:
            bad = next(
                i for i, (a, b) in enumerate(zip(our_rows, their_rows, strict=False)) if a != b
            )
            raise SystemExit(f"{label}: rows differ at {bad}: {our_rows[bad]} != {their_rows[bad]}")
        print(f"{label}: {len(our_rows):,} rows, the same cells on both sides", flush=True)
        our_s, raw_s = _common.median_times(
            [
                lambda spec=spec: ours(spec),
                lambda spec=spec, sql=sql, convert=convert: raw_xlsx(spec, sql, convert),
            ],
            args.runs,
            warmup=1,
        )
        table.append(
            [label, f"{len(our_rows):,}", f"{our_s:.2f}", f"{raw_s:.2f}", f"{our_s / raw_s:.2f}×"]
        )
    print(f"\nmedian of {args.runs} runs\n")
    _common.print_table(["export", "rows", "ours s", "raw SQL s", "ours/raw"], table)


if __name__ == "__main__":
    main()
