"""Synthetic evaluations: the sample framework once, two cycles whose summaries add up."""

from __future__ import annotations

from handinhand.indicators.models import Framework
from handinhand.seed.indicators import extend


def test_synthetic_extend_creates_the_sample_once(cast):
    assert extend("pilot", seed=1, scale=1.0)["indicators.Indicator"] == 96
    extend("pilot", seed=1, scale=1.0)
    assert Framework.objects.filter(is_sample=True).count() == 1


def test_synthetic_cycles_have_consistent_summaries(cast):
    from handinhand.indicators.models import (
        Evaluation,
        EvaluationCycle,
        EvaluationSummary,
        IndicatorAggregate,
        L1Score,
        Score,
    )

    counts = extend("pilot", seed=3, scale=1.0)
    assert counts["indicators.EvaluationCycle"] == 2
    assert list(EvaluationCycle.objects.values_list("name", flat=True)) == ["2025年度", "2024年度"]
    old = EvaluationCycle.objects.get(year=2024)
    # Jiangxi's 5 schools of the cast, all confirmed in 2024, each with 70 scores.
    assert old.evaluations.filter(status="confirmed").count() == 5
    assert Score.objects.filter(evaluation__cycle=old).count() == 350
    for summary in EvaluationSummary.objects.filter(cycle=old):
        ev = Evaluation.objects.get(pk=summary.evaluation_id)
        assert summary.total == ev.review_total
        l1 = L1Score.objects.filter(evaluation=ev)
        assert sum(r.score for r in l1) == summary.total
        assert 0 <= summary.total <= 100
    aggregate_sum = sum(a.score_sum for a in IndicatorAggregate.objects.filter(cycle=old))
    assert aggregate_sum == sum(s.total for s in EvaluationSummary.objects.filter(cycle=old))
    # Seeding again adds nothing.
    assert "indicators.Score" not in extend("pilot", seed=3, scale=1.0)
