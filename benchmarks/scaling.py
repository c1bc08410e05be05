"""The main pages from pilot to province to nation: server time and HTML size of each page for
each role, one column per database, so that a page whose cost grows with the country shows.

    .venv/bin/python benchmarks/scaling.py \\
        pilot=postgres://postgres@127.0.0.1:5432/hih_pilot \\
        province=postgres://postgres@127.0.0.1:5432/hih_province \\
        nation=postgres://postgres@127.0.0.1:5432/hih_nation [--runs 7]

Each database must hold a seeded workload (`manage.py seed --workload pilot|province|nation`,
ANALYZEd by the seed). Each is measured in its own process (Django sets up one database per
process), through django.test.Client: middleware, scope, view, queries, template; median of
`--runs` after two warm-up requests. The table gives ms and KB per page and database, and the
ratio of the last column to the first.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PAGES: list[tuple[str, str]] = [
    ("admin", "/"),
    ("admin", "/orgs/schools/"),
    ("admin", "/guidance/coverage/"),
    ("admin", "/guidance/coverage/districts/"),
    ("admin", "/guidance/visits/"),
    ("admin", "/indicators/analytics/"),
    ("admin", "/cockpit/"),
    ("admin", "/meetings/"),
    ("instructor", "/"),
    ("instructor", "/guidance/workbench/"),
    ("instructor", "/orgs/schools/"),
    ("instructor", "/guidance/visits/"),
    ("pingxiang", "/"),
    ("pingxiang", "/orgs/schools/"),
    ("pingxiang", "/guidance/coverage/"),
    ("school", "/"),
]


def measure(runs: int) -> None:
    """In the child process: every page, as JSON on stdout."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.test import Client

    from handinhand.accounts.models import User
    from handinhand.orgs.models import School

    clients: dict[str, Client] = {}
    out: dict[str, object] = {"schools": School.objects.count(), "pages": {}}
    pages: dict[str, list[float]] = {}
    for who, url in PAGES:
        if who not in clients:
            clients[who] = Client()
            clients[who].force_login(User.objects.get(username=who))
        client = clients[who]
        times: list[float] = []
        size = 0
        for i in range(runs + 2):
            started = time.perf_counter()
            response = client.get(url)
            spent = time.perf_counter() - started
            if response.status_code != 200:
                raise SystemExit(f"{who} {url}: {response.status_code}")
            size = len(response.content)
            if i >= 2:
                times.append(spent)
        pages[f"{who} {url}"] = [statistics.median(times) * 1000, size / 1024]
    out["pages"] = pages
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("databases", nargs="*", help="name=DATABASE_URL, smallest first")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        measure(args.runs)
        return
    results: dict[str, dict[str, object]] = {}
    for item in args.databases:
        name, url = item.split("=", 1)
        env = {**os.environ, "DATABASE_URL": url, "OTP_REQUIRED_ROLES": "", "INSECURE_DEV": "true"}
        done = subprocess.run(  # noqa: S603 -- ourselves, with our own arguments
            [sys.executable, __file__, "--child", "--runs", str(args.runs)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise SystemExit(f"{name}: {done.stderr.strip().splitlines()[-1]}")
        results[name] = json.loads(done.stdout.strip().splitlines()[-1])
    names = list(results)
    header = ["page"] + [f"{n} ms ({results[n]['schools']:,} schools)" for n in names]
    header += [f"{n} KB" for n in names] + [f"{names[-1]}/{names[0]} ms"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for who, url in PAGES:
        key = f"{who} {url}"
        ms = [results[n]["pages"][key][0] for n in names]  # type: ignore[index]
        kb = [results[n]["pages"][key][1] for n in names]  # type: ignore[index]
        cells = [f"{m:.0f}" for m in ms] + [f"{k:.0f}" for k in kb] + [f"{ms[-1] / ms[0]:.1f}×"]
        print(f"| {key} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
