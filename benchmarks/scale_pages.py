"""Server time, HTML size and queries of the pages issue 15 names, for the province admin, the
demo instructor and a city's staff (萍乡市), on whatever workload the database holds.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hih_scale_nation \
        .venv/bin/python benchmarks/scale_pages.py [--runs 5]

Server time is the whole request through django.test.Client (middleware, session, scope,
view, queries, template; no network), median of `--runs` after one warm-up. "bare" is a
signed-in page with nothing of its own (benchmarks/bench_urls.py): what every page pays first.
The database state is printed first (row counts, when the school table was last analyzed),
since a plan on tables never analyzed is another plan.
"""

from __future__ import annotations

import argparse
import statistics
import time

import _common

PAGES = [
    ("base template (overhead)", "/bench/base/"),
    ("home", "/"),
    ("programme coverage", "/programme/coverage/"),
    ("visit coverage", "/guidance/coverage/"),
    ("visit coverage: districts", "/guidance/coverage/districts/"),
    ("school list", "/orgs/schools/"),
    ("school list: 100, city", "/orgs/schools/?per_page=100&q=第"),
    ("region list", "/orgs/regions/"),
]
USERS = [("province admin", "admin"), ("instructor", "instructor"), ("city staff", "pingxiang")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default="", help="comma-separated usernames")
    args = parser.parse_args()
    database = _common.setup()

    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from handinhand.accounts.models import User

    print(f"\n{database}")
    print(_common.database_state())
    from django.conf import settings

    # The page's cost is measured, not the login: the second factor is switched off for this
    # process (as benchmarks/cockpit.py does); plain http like the test client.
    settings.OTP_REQUIRED_ROLES = []
    settings.SECURE_SSL_REDIRECT = False
    users = [u for u in USERS if not args.only or u[1] in args.only.split(",")]
    rows = []
    with override_settings(ROOT_URLCONF="bench_urls"):
        for role, username in users:
            client = Client()
            client.force_login(User.objects.get(username=username))
            for label, url in PAGES:
                response = client.get(url)  # warm-up (and caches)
                if response.status_code != 200:
                    rows.append([role, label, f"HTTP {response.status_code}", "", ""])
                    continue
                size = len(response.content)
                # Each request empties the query log as it starts: begin from an empty one.
                connection.queries_log.clear()
                with CaptureQueriesContext(connection) as queries:
                    client.get(url)
                count = len(queries)  # read now: the log is emptied by the next request
                spent = []
                for _ in range(args.runs):
                    started = time.perf_counter()
                    client.get(url)
                    spent.append(time.perf_counter() - started)
                ms = statistics.median(spent) * 1000
                rows.append([role, label, f"{ms:.1f}", f"{size / 1024:.1f}", count])
                print(f"  {role} {label}: {ms:.1f} ms", flush=True)
    print(f"\nmedian of {args.runs} runs\n")
    _common.print_table(["user", "page", "server ms", "HTML KB", "queries"], rows)


if __name__ == "__main__":
    main()
