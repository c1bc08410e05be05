"""The cockpit (驾驶舱) at province scale: the page from the pre-aggregates (RegionFigures)
against computing the same figures from the base rows (what `cockpit_refresh` reads), in one
run. The script checks that both give the same province figures before timing them.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hih_cockpit \
        .venv/bin/python benchmarks/cockpit.py [--runs 7] [--year 2025]
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python benchmarks/cockpit.py

On PostgreSQL the script runs ANALYZE first, so that the planner knows the tables' sizes.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import _common


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--year", type=int, default=None)
    args = parser.parse_args()
    database = _common.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from handinhand.accounts.models import User
    from handinhand.dashboard import cockpit
    from handinhand.dashboard.models import FigureSet, RegionFigures
    from handinhand.orgs.models import Region, RegionLevel

    analyzed = "no (SQLite)"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        analyzed = "yes"
    today = timezone.localdate()
    year = args.year or today.year
    started = time.perf_counter()
    rows = cockpit.cockpit_refresh(year=year, today=today)
    refresh_s = time.perf_counter() - started
    province = Region.objects.get(level=RegionLevel.PROVINCE)
    parents = dict(Region.objects.values_list("code", "parent_id"))

    def from_base_rows() -> dict[str, Any]:
        """The province's figures straight from the base rows (no write)."""
        coverage, coverage_top = cockpit._coverage(year)
        mechanisms, mechanisms_top = cockpit._mechanisms(year, today)
        out = {
            FigureSet.COVERAGE: cockpit._roll_up(coverage, parents)[province.code],
            FigureSet.RESULTS: cockpit._roll_up(cockpit._results(year), parents).get(
                province.code, {}
            ),
            FigureSet.GUIDANCE: cockpit._roll_up(cockpit._guidance(year, today), parents)[
                province.code
            ],
            FigureSet.MECHANISMS: cockpit._roll_up(mechanisms, parents).get(province.code, {}),
        }
        cockpit._add(out[FigureSet.COVERAGE], coverage_top)
        cockpit._add(out[FigureSet.MECHANISMS], mechanisms_top)
        return out

    stored = dict(
        RegionFigures.objects.filter(region=province, year=year).values_list("figure_set", "data")
    )
    assert from_base_rows() == stored, "pre-aggregates differ from the base rows"
    print("figures checked: pre-aggregates = base rows", flush=True)

    admin = User.objects.get(username="admin")
    # The page's cost is measured, not the login: the second factor (a session flag after the
    # code page) is switched off for this process rather than enrolling a device in the data.
    settings.OTP_REQUIRED_ROLES = []
    client = Client()
    client.force_login(admin)
    url = reverse("dashboard:cockpit")
    city = Region.objects.filter(level=RegionLevel.CITY).order_by("code").first()

    def page(region: str = "") -> Any:
        def get() -> None:
            response = client.get(url, {"year": year, "region": region}, secure=True)
            assert response.status_code == 200, response.status_code

        return get

    def selector() -> None:
        cockpit.cockpit_for(province, year)

    table = []
    for case, ours in (
        ("cockpit page, province", page()),
        (f"cockpit page, {city.name if city else '-'}", page(city.code if city else "")),
        ("cockpit_for selector, province", selector),
    ):
        with CaptureQueriesContext(connection) as queries:
            ours()
        our_s, base_s = _common.median_times([ours, from_base_rows], args.runs, warmup=1)
        table.append(
            [
                case,
                f"{our_s * 1000:.1f}",
                f"{base_s * 1000:.1f}",
                f"{base_s / our_s:.0f}×",
                len(queries),
            ]
        )
    print(
        f"\n{database}; year {year}; ANALYZE run: {analyzed}; runs {args.runs} (median); "
        f"refresh (whole province, all figure sets): {refresh_s * 1000:.0f} ms, {rows} rows\n"
    )
    _common.print_table(
        ["case", "pre-aggregates ms", "base rows ms", "base/pre", "page queries"], table
    )


if __name__ == "__main__":
    main()
