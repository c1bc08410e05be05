"""The school picker of 现场记录 (issue 14): the htmx search by name, county or pinyin initials
and the list kept on the phone for offline search, at province scale.

    .venv/bin/python benchmarks/field_picker.py [--runs 15]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/handinhand_bench \
        .venv/bin/python benchmarks/field_picker.py

Two scopes: the demo instructor's group (its districts and 萍乡市), and the same group made to
guide the whole province (every one of the 12,000 schools; done inside a transaction that is
rolled back). "ours" is the whole request through django.test.Client; "raw SQL" is a
`name LIKE '%…%'` search over the same schools with LIMIT 20, which finds by name only (no
county, no pinyin initials, no recent schools first). "first" is the first request in a fresh
process, when every school name's initials are computed (then cached per name).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import _common


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    database = _common.setup()

    from django.db import connection, transaction
    from django.test import Client

    from handinhand.accounts.models import User
    from handinhand.core.scope import get_scope
    from handinhand.guidance.selectors import name_initials
    from handinhand.guidance.services import guided_schools
    from handinhand.orgs.models import Region
    from handinhand.programme.models import GroupLevel, GuidanceGroup

    instructor = User.objects.get(username="instructor")
    group_ids = sorted(get_scope(instructor).group_ids)
    client = Client()
    client.force_login(instructor)

    def page(url: str, query: dict[str, str]) -> Callable[[], None]:
        def get() -> None:
            response = client.get(url, query)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")

        return get

    def raw(text: str) -> Callable[[], None]:
        ids = guided_schools(group_ids).values("pk").query
        sql, params = ids.sql_with_params()

        def run() -> None:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT s.id, s.name, c.name FROM orgs_school s JOIN orgs_region c "
                    f"ON c.code = s.county_id WHERE s.id IN ({sql}) AND s.name LIKE %s "
                    "ORDER BY s.county_id, s.name LIMIT 20",
                    [*params, f"%{text}%"],
                )
                cursor.fetchall()

        return run

    def measure(scope: str) -> list[list[str]]:
        schools = guided_schools(group_ids)
        count = schools.count()
        sample = schools.order_by("pk").first()
        assert sample is not None
        name_initials.cache_clear()
        started = time.perf_counter()
        page("/guidance/visits/field/schools/", {"q": "x"})()
        first = time.perf_counter() - started
        rows = []
        cases = [
            ("拼音首字母 " + name_initials(sample.name)[:3], name_initials(sample.name)[:3]),
            ("校名片段 " + sample.name[-4:], sample.name[-4:]),
        ]
        for label, text in cases:
            ours = page("/guidance/visits/field/schools/", {"q": text})
            our_s, raw_s = _common.median_times([ours, raw(sample.name[-4:])], args.runs)
            rows.append(
                [
                    f"{scope}（{count:,} 所）{label}",
                    f"{first * 1000:.0f}",
                    f"{our_s * 1000:.1f}",
                    f"{raw_s * 1000:.1f}",
                ]
            )
        (offline,) = _common.median_times(
            [page("/guidance/visits/field/schools.json", {})], args.runs
        )
        rows.append([f"{scope}（{count:,} 所）离线学校清单 JSON", "", f"{offline * 1000:.1f}", ""])
        return rows

    rows = measure("本组")
    with transaction.atomic():
        province = Region.objects.filter(parent__isnull=True).order_by("code").first()
        assert province is not None
        # A group below province level guides its own region: make that the province.
        GuidanceGroup.objects.filter(pk__in=group_ids).update(
            region=province, level=GroupLevel.CITY
        )
        rows += measure("全省")
        transaction.set_rollback(True)

    print(f"\n现场记录 学校选择 — {database}; median of {args.runs} runs\n")
    _common.print_table(["case", "first ms", "ours ms", "raw LIKE ms"], rows)


if __name__ == "__main__":
    main()
