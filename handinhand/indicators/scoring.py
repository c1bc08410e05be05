"""Final scores and grades, shared by the summary rows (written) and the report card (read)."""

from __future__ import annotations

from decimal import Decimal

from handinhand.core.policy import get_policy
from handinhand.indicators.models import Evaluation


def grade_for(total: Decimal, total_score: Decimal) -> str:
    """The policy's grade band of a total, as a percentage of the framework's total."""
    percent = total * 100 / total_score if total_score else Decimal(0)
    bands = get_policy().indicators.grade_bands
    for band in bands:
        if percent >= Decimal(str(band.min_score)):
            return band.name
    return bands[-1].name


def final_scores(evaluation: Evaluation) -> dict[int, Decimal]:
    """Each level-3 indicator's final score: the reviewer's, else the school's own."""
    return {
        indicator_id: (review if review is not None else own) or Decimal(0)
        for indicator_id, own, review in evaluation.scores.values_list(
            "indicator_id", "self_score", "review_score"
        )
    }
