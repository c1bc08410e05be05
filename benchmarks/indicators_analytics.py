"""Evaluation analytics at province scale: each figure from the summary rows (ours) against the
raw SQL that computes the same figures from the base rows (840k scores a cycle), in one run.

    DATABASE_URL=sqlite:////tmp/ind_bench.sqlite3 .venv/bin/python \
        benchmarks/indicators_analytics.py [--runs 7]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/handinhand_ind_bench \
        .venv/bin/python benchmarks/indicators_analytics.py

The fair comparison is raw SQL over the same tables the page reads (SAME_TABLES: the summary
rows), checked to give the same figures; the base-row SQL is kept beside it to show what the
summary rows save. Ours is the selector each figure of the analytics page calls (as the
province admin, whose scope is everything), and the whole page and the school report card
through django.test.Client. The base-row SQL reads indicators_score joined to evaluations, schools,
regions and indicators, filtered to confirmed evaluations of the cycle. The script checks
that both give the same figures before timing them.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import _common

FINAL = "COALESCE(s.review_score, s.self_score)"
BASE = """
    FROM indicators_score s
    JOIN indicators_evaluation e ON e.id = s.evaluation_id
    JOIN orgs_school sc ON sc.id = e.school_id
    JOIN orgs_region r ON r.code = sc.county_id
    JOIN indicators_indicator i ON i.id = s.indicator_id
    JOIN indicators_indicator i2 ON i2.id = i.parent_id
    WHERE e.cycle_id = %s AND e.status = 'confirmed'
"""

SQL = {
    "heatmap": f"""
        SELECT t.city, t.l1, AVG(t.sub) FROM (
            SELECT e.id, r.parent_id AS city, i2.parent_id AS l1, SUM({FINAL}) AS sub {BASE}
            GROUP BY e.id, r.parent_id, i2.parent_id
        ) t GROUP BY t.city, t.l1 ORDER BY t.city, t.l1""",
    "grades": f"""
        SELECT t.grade, COUNT(*) FROM (
            SELECT CASE {{bands}} END AS grade {BASE} GROUP BY e.id
        ) t GROUP BY t.grade""",
    "weakest": f"""
        SELECT i.code, AVG({FINAL}) * 100 / i.max_score AS rate {BASE}
        GROUP BY i.id, i.code, i.max_score ORDER BY rate, i.code LIMIT 10""",
    "progress": """
        SELECT r.parent_id, e.status, COUNT(*)
        FROM indicators_evaluation e
        JOIN orgs_school sc ON sc.id = e.school_id
        JOIN orgs_region r ON r.code = sc.county_id
        WHERE e.cycle_id = %s GROUP BY r.parent_id, e.status""",
    "yoy": f"""
        SELECT t.city, t.cycle_id, AVG(t.total) FROM (
            SELECT e.id, e.cycle_id, r.parent_id AS city, SUM({FINAL}) AS total
            {BASE.replace("e.cycle_id = %s", "e.cycle_id IN (%s, %s)")}
            GROUP BY e.id, e.cycle_id, r.parent_id
        ) t GROUP BY t.city, t.cycle_id""",
}


# The same figures from the tables the page reads (the summary rows that confirmation writes):
# the honest comparison for the page. SQL above, over the base rows, shows what pre-computing
# saves, not what the page costs.
SAME_TABLES = {
    "heatmap": """
        SELECT city_id, indicator_id, AVG(score) FROM indicators_l1score
        WHERE cycle_id = %s GROUP BY city_id, indicator_id ORDER BY city_id, indicator_id""",
    "grades": """
        SELECT grade, COUNT(*) FROM indicators_evaluationsummary
        WHERE cycle_id = %s GROUP BY grade""",
    "weakest": """
        SELECT i.code, SUM(a.score_sum) * 100 / (SUM(a.count) * i.max_score) AS rate
        FROM indicators_indicatoraggregate a JOIN indicators_indicator i ON i.id = a.indicator_id
        WHERE a.cycle_id = %s GROUP BY i.id, i.code, i.max_score ORDER BY rate, i.code LIMIT 10""",
    "progress": SQL["progress"],
    "yoy": """
        SELECT city_id, cycle_id, AVG(total) FROM indicators_evaluationsummary
        WHERE cycle_id IN (%s, %s) GROUP BY city_id, cycle_id""",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    database = _common.setup()

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from handinhand.accounts.models import User
    from handinhand.core.policy import get_policy
    from handinhand.indicators import analytics as an
    from handinhand.indicators.models import EvaluationCycle, EvaluationSummary, Score
    from handinhand.seed.indicators import extend

    if not EvaluationCycle.objects.exists():
        print("生成两个评估周期的合成数据……", flush=True)
        extend("province", seed=42, scale=1.0)
    cycle = EvaluationCycle.objects.get(year=2025)
    previous = EvaluationCycle.objects.get(year=2024)
    admin = User.objects.get(username="admin")
    scores = Score.objects.count()

    bands = " ".join(
        f"WHEN SUM({FINAL}) * 100 / {cycle.framework.total_score} >= {band.min_score} "
        f"THEN '{band.name}'"
        for band in get_policy().indicators.grade_bands
    )

    def raw(name: str, queries: dict[str, str] = SQL) -> Callable[[], list[Any]]:
        sql = queries[name].replace("{bands}", bands)
        params = [cycle.pk, previous.pk] if name == "yoy" else [cycle.pk]

        def run() -> list[Any]:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()

        return run

    counties = list(an.visible_counties(admin).values_list("code", "parent_id"))
    codes = [c for c, _p in counties]
    cities = {p for _c, p in counties}
    from django.db.models import Q

    from handinhand.orgs.models import Region

    names = dict(Region.objects.filter(code__in=cities).values_list("code", "name"))
    level1 = list(cycle.framework.indicators.filter(level=1).order_by("order", "id"))
    region = Q(county_id__in=codes)
    ours: dict[str, Callable[[], Any]] = {
        "heatmap": lambda: an._heatmap(cycle, level1, region, "city_id", names),
        "grades": lambda: an._grades(cycle, region),
        "weakest": lambda: an._weakest(cycle, region),
        "progress": lambda: an._progress(cycle, codes, "city", names),
        "yoy": lambda: an._year_on_year(cycle, previous, region, "city_id", names),
    }
    _check(ours, raw, names, level1)
    _check(ours, lambda n: raw(n, SAME_TABLES), names, level1)

    client = Client()
    client.force_login(admin)
    sample = EvaluationSummary.objects.filter(cycle=cycle).order_by("pk").first()
    assert sample is not None

    def page(url: str) -> Callable[[], None]:
        def get() -> None:
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")

        return get

    def count(fn: Callable[[], Any]) -> int:
        with CaptureQueriesContext(connection) as queries:
            fn()
        return len(queries)

    rows = []
    all_raw = [raw(n) for n in SQL]
    all_same = [raw(n, SAME_TABLES) for n in SAME_TABLES]
    cases: list[tuple[str, Callable[[], Any], Callable[[], Any], Callable[[], Any]]] = [
        *[(f"figure: {n}", ours[n], raw(n, SAME_TABLES), raw(n)) for n in SQL],
        (
            "page: /indicators/analytics/",
            page(f"/indicators/analytics/?cycle={cycle.pk}"),
            lambda: [r() for r in all_same],
            lambda: [r() for r in all_raw],
        ),
        (
            "page: report card",
            page(f"/indicators/evaluations/{sample.pk}/report/"),
            lambda: [raw("heatmap", SAME_TABLES)()],
            lambda: [raw("heatmap")()],
        ),
    ]
    for label, mine, same, base in cases:
        queries = count(mine)
        our_s, same_s, base_s = _common.median_times([mine, same, base], args.runs, warmup=1)
        rows.append(
            [
                label,
                f"{our_s * 1000:.1f}",
                f"{same_s * 1000:.1f}",
                f"{our_s / same_s:.2f}×",
                f"{base_s * 1000:.1f}",
                f"{our_s / base_s:.3f}×",
                queries,
            ]
        )
    print(
        f"\n评估分析（全省） — {database}; {scores:,} score rows in 2 cycles; "
        f"median of {args.runs} runs\n"
    )
    _common.print_table(
        [
            "case",
            "ours ms",
            "same tables SQL ms",
            "ours/same",
            "base rows SQL ms",
            "ours/base",
            "ours queries",
        ],
        rows,
    )


def _check(ours: dict[str, Any], raw: Any, names: dict[str, str], level1: list[Any]) -> None:
    """Both sides give the same figures (to the cent), or the benchmark means nothing."""

    def cents(value: Any) -> Decimal:
        return Decimal(str(value)).quantize(Decimal("0.01"))

    heat = {(r[0], r[1]): cents(r[2]) for r in raw("heatmap")()}
    figure = ours["heatmap"]()
    by_name = {v: k for k, v in names.items()}
    mine = {
        (by_name[row[0]], level1[i].pk): cents(v)
        for row in figure.rows
        for i, v in enumerate(row[1:])
        if v is not None
    }
    assert mine == heat, "heatmap differs"
    assert dict(ours["grades"]().rows) == {k: v for k, v in dict(raw("grades")()).items()} | {
        k: 0 for k, _ in ours["grades"]().rows if k not in dict(raw("grades")())
    }
    assert [r[0] for r in ours["weakest"]().rows] == [r[0] for r in raw("weakest")()]
    total = sum(sum(r[1:]) for r in ours["progress"]().rows)
    assert total == sum(r[2] for r in raw("progress")())
    print("figures checked: ours = raw SQL", flush=True)


if __name__ == "__main__":
    main()
