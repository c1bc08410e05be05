"""Our school list page against the Django admin's changelist of School, at province scale.

    .venv/bin/python benchmarks/school_list.py [--runs 15]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/handinhand_bench \
        .venv/bin/python benchmarks/school_list.py

Server time is the median of `--runs` requests through django.test.Client (middleware, view,
queries and template; no network), after two warm-up requests. Ours is requested by the
province admin (scope: everything) with 100 rows a page, as the admin shows; the admin by a
superuser made here. Queries are counted with CaptureQueriesContext on one request.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import _common

CASES = [
    # (label, ours, admin) — query strings of the same question to each page; ours asked by
    # the province admin, except the last case, asked by an instructor whose scope is 萍乡市
    ("first page", "per_page=100", ""),
    ("filter: 学校类型=小学", "per_page=100&school_type=小学", "school_type__exact=小学"),
    ("filter: 设区市=萍乡市", "per_page=100&city=360300", "county__parent__code__exact=360300"),
    ("search: 第三", "per_page=100&q=第三", "q=第三"),
    ("sort: 学生数 desc", "per_page=100&sort=-student_count", "o=-{student_count}"),
    ("page 100", "per_page=100&page=100", "p=100"),
    (
        "filter+search+sort",
        "per_page=100&school_type=小学&q=中心&sort=-student_count",
        "school_type__exact=小学&q=中心&o=-{student_count}",
    ),
    ("scope: 指导员 (萍乡市)", "per_page=100", "county__parent__code__exact=360300"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    database = _common.setup()

    from django.contrib import admin
    from django.db import connection
    from django.test import Client, RequestFactory, override_settings
    from django.test.utils import CaptureQueriesContext

    from handinhand.accounts.models import User
    from handinhand.orgs.models import School

    superuser = User.objects.filter(username="bench_superuser").first()
    if superuser is None:
        superuser = User.objects.create_superuser(
            "bench_superuser", password=None, full_name="基准测试超级用户"
        )
    ours, instructor, theirs = Client(), Client(), Client()
    ours.force_login(User.objects.get(username="admin"))
    instructor.force_login(User.objects.get(username="instructor"))
    theirs.force_login(superuser)

    # The admin sorts by a column's position in its list display.
    request = RequestFactory().get("/")
    request.user = superuser
    model_admin = admin.site._registry[School]
    columns = list(model_admin.get_list_display(request))
    if model_admin.get_actions(request):
        columns.insert(0, "action_checkbox")
    positions = {"student_count": columns.index("student_count")}

    def getter(client: Client, url: str) -> Callable[[], None]:
        def get() -> None:
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")

        return get

    def count_queries(get: Callable[[], None]) -> int:
        with CaptureQueriesContext(connection) as queries:
            get()
        return len(queries)  # now: the next request_started empties the query log

    rows = []
    with override_settings(ROOT_URLCONF="bench_urls"):
        for label, our_query, admin_query in CASES:
            client = instructor if label.startswith("scope") else ours
            our_get = getter(client, f"/orgs/schools/?{our_query}")
            admin_get = getter(theirs, f"/admin/orgs/school/?{admin_query.format(**positions)}")
            our_queries, admin_queries = count_queries(our_get), count_queries(admin_get)
            # Interleaved, so that a busy moment of the machine falls on both sides alike.
            our_ms, admin_ms = _common.median_times([our_get, admin_get], args.runs)
            rows.append(
                [
                    label,
                    f"{our_ms * 1000:.1f}",
                    f"{admin_ms * 1000:.1f}",
                    f"{our_ms / admin_ms:.2f}×",
                    our_queries,
                    admin_queries,
                ]
            )

    print(f"\n学校列表 — {database}; median of {args.runs} runs, 100 rows a page\n")
    _common.print_table(
        ["case", "ours ms", "admin ms", "ours/admin", "ours queries", "admin queries"], rows
    )


if __name__ == "__main__":
    main()
