"""Synthetic data of this app for `manage.py seed`: the SAMPLE framework in every workload, and
two evaluation cycles (2024 all confirmed, 2025 under way) over the province's schools, with
their score rows and the summary rows that confirmation writes — in bulk, from the seed.

Schools in a guidance district improve a little from one year to the next, so that the
year-on-year figures have something to show."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

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

CHUNK = 500  # evaluations per batch of score rows (35,000 rows)
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
    framework = sample_framework_create()
    counts = {"indicators.Framework": 1, "indicators.Indicator": framework.indicators.count()}
    if EvaluationCycle.objects.filter(framework=framework).exists():
        return counts
    rng = random.Random(f"indicators-{seed}")
    province = get_policy().province_code[:2]
    schools = [
        (pk, county, city or county)
        for pk, county, city in School.objects.filter(county__code__startswith=province)
        .order_by("pk")
        .values_list("pk", "county_id", "county__parent_id")
    ]
    if not schools:
        return counts
    guided = set(DistrictSchool.objects.values_list("school_id", flat=True))
    leaves = [
        (pk, top or Decimal(0), l1 or 0)
        for pk, top, l1 in framework.indicators.filter(level=3)
        .order_by("order")
        .values_list("pk", "max_score", "parent__parent_id")
    ]
    l1_ids = sorted({l1 for _pk, _m, l1 in leaves})
    # Each indicator is harder or easier everywhere; each school is stronger or weaker.
    difficulty = {pk: rng.uniform(-0.15, 0.08) for pk, _m, _l1 in leaves}
    strength = {pk: min(0.98, max(0.35, rng.gauss(0.8, 0.08))) for pk, _c, _p in schools}
    step = Decimal(str(get_policy().indicators.score_step))
    made = {"indicators.EvaluationCycle": 0, "indicators.Evaluation": 0, "indicators.Score": 0}
    plan: list[tuple[int, Sequence[tuple[str, float]]]] = [
        (2024, [(S.CONFIRMED, 1.0)]),
        (2025, STATES_2025),
    ]
    for year, states in plan:
        bonus = 0.05 if year == 2025 else 0.0
        with transaction.atomic():
            cycle = EvaluationCycle.objects.create(
                framework=framework, name=f"{year}年度", year=year, status=CycleStatus.OPEN
            )
            CycleJob.objects.create(
                cycle=cycle,
                status=JobStatus.DONE,
                total=len(schools),
                done=len(schools),
                finished_at=timezone.now(),
            )
            made["indicators.EvaluationCycle"] += 1
            aggregates: dict[tuple[str, int], list[Any]] = defaultdict(lambda: [Decimal(0), 0])
            county_city = {c: p for _pk, c, p in schools}
            for start in range(0, len(schools), CHUNK):
                chunk = schools[start : start + CHUNK]
                picked = [_pick(rng, states) for _ in chunk]
                evaluations = Evaluation.objects.bulk_create(
                    [
                        Evaluation(
                            cycle=cycle,
                            school_id=pk,
                            status=state,
                        )
                        for (pk, _c, _p), state in zip(chunk, picked, strict=True)
                    ]
                )
                scores: list[tuple[Any, ...]] = []
                summaries: list[EvaluationSummary] = []
                l1_rows: list[L1Score] = []
                totals: list[tuple[Evaluation, Decimal, Decimal | None]] = []
                for evaluation, (pk, county, city) in zip(evaluations, chunk, strict=True):
                    if evaluation.status == S.NOT_STARTED:
                        continue
                    reviewed = evaluation.status in (S.REVIEWED, S.CONFIRMED)
                    level = strength[pk] + (bonus if pk in guided else bonus / 3)
                    own_total, review_total = Decimal(0), Decimal(0)
                    l1_sum: dict[int, Decimal] = defaultdict(Decimal)
                    for leaf, top, l1 in leaves:
                        share = min(1.0, max(0.0, level + difficulty[leaf] + rng.gauss(0, 0.12)))
                        own = _on_step(top * Decimal(share), top, step)
                        # Reviewers take half a point off now and then.
                        cut = step if rng.random() < 0.15 else Decimal(0)
                        review = _on_step(own - cut, top, step)
                        own_total += own
                        final = review if reviewed else own
                        review_total += final
                        l1_sum[l1] += final
                        scores.append(
                            (
                                evaluation.pk,
                                leaf,
                                own,
                                "" if own == top else "部分落实",
                                review if reviewed else None,
                                "",
                            )
                        )
                        if evaluation.status == S.CONFIRMED:
                            aggregate = aggregates[(county, leaf)]
                            aggregate[0] += review
                            aggregate[1] += 1
                    totals.append((evaluation, own_total, review_total if reviewed else None))
                    if evaluation.status == S.CONFIRMED:
                        summaries.append(
                            EvaluationSummary(
                                evaluation=evaluation,
                                cycle=cycle,
                                school_id=pk,
                                county_id=county,
                                city_id=city,
                                total=review_total,
                                grade=grade_for(review_total, framework.total_score),
                            )
                        )
                        l1_rows.extend(
                            L1Score(
                                evaluation=evaluation,
                                cycle=cycle,
                                county_id=county,
                                city_id=city,
                                indicator_id=l1,
                                score=l1_sum[l1],
                            )
                            for l1 in l1_ids
                        )
                _insert_scores(scores)
                for evaluation, own_sum, review_sum in totals:
                    evaluation.self_total = own_sum
                    evaluation.review_total = review_sum
                Evaluation.objects.bulk_update(
                    [e for e, _o, _r in totals], ["self_total", "review_total"], batch_size=2000
                )
                EvaluationSummary.objects.bulk_create(summaries, batch_size=2000)
                L1Score.objects.bulk_create(l1_rows, batch_size=5000)
                made["indicators.Evaluation"] += len(evaluations)
                made["indicators.Score"] += len(scores)
            IndicatorAggregate.objects.bulk_create(
                [
                    IndicatorAggregate(
                        cycle=cycle,
                        county_id=county,
                        city_id=county_city[county],
                        indicator_id=leaf,
                        score_sum=total,
                        count=n,
                    )
                    for (county, leaf), (total, n) in aggregates.items()
                ],
                batch_size=5000,
            )
    return {**counts, **made}


def _insert_scores(rows: list[tuple[Any, ...]]) -> None:
    """Score rows straight through the cursor: 840,000 a cycle at province scale, where building
    a model instance per row would cost the seed minutes (the model has no defaults to apply)."""
    table = connection.ops.quote_name(Score._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(c)
        for c in (
            "evaluation_id",
            "indicator_id",
            "self_score",
            "self_explanation",
            "review_score",
            "review_comment",
        )
    )
    # Table and column names come from the model and are quoted; the values are parameters.
    sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s)"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 10_000):
            cursor.executemany(sql, rows[start : start + 10_000])


def _pick(rng: random.Random, states: Sequence[tuple[str, float]]) -> str:
    roll, acc = rng.random(), 0.0
    for state, share in states:
        acc += share
        if roll < acc:
            return state
    return states[-1][0]


def _on_step(value: Decimal, top: Decimal, step: Decimal) -> Decimal:
    value = min(top, max(Decimal(0), value))
    return (value / step).to_integral_value(rounding="ROUND_HALF_UP") * step
