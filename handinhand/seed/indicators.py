"""Synthetic data of this app for `manage.py seed`: the SAMPLE framework in every workload, and
two evaluation cycles (2024 all confirmed, 2025 under way) over the province's schools, with
their score rows and the summary rows that confirmation writes — in bulk, from the seed.

Score rows go in with COPY on PostgreSQL (core.bulkload): the nation workload writes 15.4 M.
Schools in a guidance district improve a little from one year to the next, so that the
year-on-year figures have something to show."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from handinhand.core import statistics
from handinhand.core.bulkload import copy_rows
from handinhand.core.policy import get_policy
from handinhand.indicators.models import (
    CycleJob,
    CycleStatus,
    Evaluation,
    EvaluationCycle,
    EvaluationStatus,
    EvaluationSummary,
    IndicatorAggregate,
    JobStatus,
    L1Score,
    Score,
)
from handinhand.indicators.scoring import grade_for
from handinhand.indicators.services import sample_framework_create
from handinhand.orgs.models import School
from handinhand.programme.models import DistrictSchool
from handinhand.seed.registry import step

CHUNK = 2000  # evaluations per batch of score rows (140,000 rows)
S = EvaluationStatus
# 2025 is under way: the share of evaluations in each state.
STATES_2025 = [
    (S.CONFIRMED, 0.55),
    (S.REVIEWED, 0.10),
    (S.SUBMITTED, 0.10),
    (S.RETURNED, 0.03),
    (S.DRAFT, 0.10),
    (S.NOT_STARTED, 0.12),
]


@step(order=10)
def extend(workload: str, *, seed: int, scale: float) -> dict[str, int]:
    """The 2024 cycle, confirmed, over every school of the workload (the nation's 220,000:
    15.4 M score rows); the 2025 cycle, under way, over the home province's schools."""
    framework = sample_framework_create()
    counts = {"indicators.Framework": 1, "indicators.Indicator": framework.indicators.count()}
    if EvaluationCycle.objects.filter(framework=framework).exists():
        return counts
    rng = random.Random(f"indicators-{seed}")
    province = get_policy().province_code[:2]
    every = School.objects.order_by("pk")
    if workload != "nation":
        every = every.filter(county__code__startswith=province)
    schools = [
        (pk, county, city or county)
        for pk, county, city in every.values_list("pk", "county_id", "county__parent_id")
    ]
    if not schools:
        return counts
    home = [s for s in schools if s[1].startswith(province)]
    guided = set(DistrictSchool.objects.values_list("school_id", flat=True))
    step = Decimal(str(get_policy().indicators.score_step))
    # Scores are counted in steps (integers) while drawing, and written as text: the inner
    # loop runs 15.4 M times on the nation workload, where Decimal arithmetic costs minutes.
    leaves = [
        (pk, int((top or Decimal(0)) / step), l1 or 0)
        for pk, top, l1 in framework.indicators.filter(level=3)
        .order_by("order")
        .values_list("pk", "max_score", "parent__parent_id")
    ]
    text = [str(step * n) for n in range(max(t for _pk, t, _l1 in leaves) + 1)]
    l1_ids = sorted({l1 for _pk, _m, l1 in leaves})
    # Each indicator is harder or easier everywhere; each school is stronger or weaker.
    difficulty = {pk: rng.uniform(-0.15, 0.08) for pk, _m, _l1 in leaves}
    strength = {pk: min(0.98, max(0.35, rng.gauss(0.8, 0.08))) for pk, _c, _p in schools}
    made = {"indicators.EvaluationCycle": 0, "indicators.Evaluation": 0, "indicators.Score": 0}
    plan: list[tuple[int, Sequence[tuple[str, float]], list[tuple[int, str, str]]]] = [
        (2024, [(S.CONFIRMED, 1.0)], schools),
        (2025, STATES_2025, home),
    ]
    for year, states, cohort in plan:
        bonus = 0.05 if year == 2025 else 0.0
        with transaction.atomic():
            cycle = EvaluationCycle.objects.create(
                framework=framework, name=f"{year}年度", year=year, status=CycleStatus.OPEN
            )
            CycleJob.objects.create(
                cycle=cycle,
                status=JobStatus.DONE,
                total=len(cohort),
                done=len(cohort),
                finished_at=timezone.now(),
            )
            made["indicators.EvaluationCycle"] += 1
            aggregates: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
            county_city = {c: p for _pk, c, p in cohort}
            for start in range(0, len(cohort), CHUNK):
                chunk = cohort[start : start + CHUNK]
                drawn = [
                    _draw(
                        rng,
                        _pick(rng, states),
                        strength[pk] + (bonus if pk in guided else bonus / 3),
                        leaves,
                        difficulty,
                    )
                    for pk, _c, _p in chunk
                ]
                evaluations = Evaluation.objects.bulk_create(
                    [
                        Evaluation(
                            cycle=cycle,
                            school_id=pk,
                            status=d.status,
                            self_total=step * d.own_total if d.units else None,
                            review_total=step * d.final_total if d.reviewed else None,
                        )
                        for (pk, _c, _p), d in zip(chunk, drawn, strict=True)
                    ]
                )
                scores: list[tuple[Any, ...]] = []
                summaries: list[tuple[Any, ...]] = []
                l1_rows: list[tuple[Any, ...]] = []
                for evaluation, (pk, county, city), d in zip(
                    evaluations, chunk, drawn, strict=True
                ):
                    if not d.units:
                        continue
                    confirmed = d.status == S.CONFIRMED
                    l1_sum: dict[int, int] = defaultdict(int)
                    for (leaf, top, l1), (own, review) in zip(leaves, d.units, strict=True):
                        final = review if d.reviewed else own
                        l1_sum[l1] += final
                        scores.append(
                            (
                                evaluation.pk,
                                leaf,
                                text[own],
                                "" if own == top else "部分落实",
                                text[review] if d.reviewed else None,
                                "",
                            )
                        )
                        if confirmed:
                            aggregate = aggregates[(county, leaf)]
                            aggregate[0] += review
                            aggregate[1] += 1
                    if confirmed:
                        total = step * d.final_total
                        summaries.append(
                            (
                                evaluation.pk,
                                cycle.pk,
                                pk,
                                county,
                                city,
                                total,
                                grade_for(total, framework.total_score),
                            )
                        )
                        l1_rows += [
                            (evaluation.pk, cycle.pk, county, city, l1, step * l1_sum[l1])
                            for l1 in l1_ids
                        ]
                copy_rows(Score, SCORE_COLUMNS, scores)
                copy_rows(EvaluationSummary, SUMMARY_COLUMNS, summaries)
                copy_rows(L1Score, L1_COLUMNS, l1_rows)
                made["indicators.Evaluation"] += len(evaluations)
                made["indicators.Score"] += len(scores)
            IndicatorAggregate.objects.bulk_create(
                [
                    IndicatorAggregate(
                        cycle=cycle,
                        county_id=county,
                        city_id=county_city[county],
                        indicator_id=leaf,
                        score_sum=step * total,
                        count=n,
                    )
                    for (county, leaf), (total, n) in aggregates.items()
                ],
                batch_size=5000,
            )
    # The planner's statistics of the tables just filled (PostgreSQL): pages asked right after
    # the seed must not be planned for empty tables.
    statistics.analyze(
        [Evaluation, Score, EvaluationSummary, L1Score, IndicatorAggregate], now=True
    )
    return {**counts, **made}


SCORE_COLUMNS = (
    "evaluation_id",
    "indicator_id",
    "self_score",
    "self_explanation",
    "review_score",
    "review_comment",
)
SUMMARY_COLUMNS = (
    "evaluation_id",
    "cycle_id",
    "school_id",
    "county_id",
    "city_id",
    "total",
    "grade",
)
L1_COLUMNS = ("evaluation_id", "cycle_id", "county_id", "city_id", "indicator_id", "score")


@dataclass
class _Drawn:
    """One school's evaluation before it is written: its state and, unless not started, the
    (self, review) score of each leaf counted in score steps."""

    status: str
    reviewed: bool
    units: list[tuple[int, int]]
    own_total: int
    final_total: int


def _draw(
    rng: random.Random,
    status: str,
    level: float,
    leaves: list[tuple[int, int, int]],
    difficulty: dict[int, float],
) -> _Drawn:
    if status == S.NOT_STARTED:
        return _Drawn(status, False, [], 0, 0)
    reviewed = status in (S.REVIEWED, S.CONFIRMED)
    units: list[tuple[int, int]] = []
    own_total = final_total = 0
    gauss, rand = rng.gauss, rng.random
    for leaf, top, _l1 in leaves:
        share = level + difficulty[leaf] + gauss(0, 0.12)
        own = min(top, max(0, int(top * share + 0.5)))
        # Reviewers take half a point off now and then.
        review = max(0, own - 1) if rand() < 0.15 else own
        units.append((own, review))
        own_total += own
        final_total += review if reviewed else own
    return _Drawn(status, reviewed, units, own_total, final_total)


def _pick(rng: random.Random, states: Sequence[tuple[str, float]]) -> str:
    roll, acc = rng.random(), 0.0
    for state, share in states:
        acc += share
        if roll < acc:
            return state
    return states[-1][0]
