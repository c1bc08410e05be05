"""The annual report's evaluation figures (indicators.selectors.evaluation_counts) against the
records, for the cast: every school has an evaluation of the 2025 cycle, one is confirmed."""

from decimal import Decimal

from handinhand.indicators.selectors import evaluation_counts
from handinhand.indicators.tests.conftest import confirm


def test_evaluation_counts_per_group_equal_the_records(cast, cycle, evaluation):
    confirmed = confirm(cast, evaluation)
    ncu, ecjtu = cast.groups["ncu"].pk, cast.groups["ecjtu"].pk
    counts = evaluation_counts([ncu, ecjtu], 2025)
    # 南昌大学 guides 萍乡市: its two schools, one of them confirmed at the full score.
    assert counts[ncu]["evaluations"] == 2
    assert counts[ncu]["confirmed"] == 1
    assert Decimal(counts[ncu]["average_score"]) == Decimal(confirmed.review_total).quantize(
        Decimal("0.1")
    )
    assert counts[ecjtu] == {"evaluations": 1, "confirmed": 0, "average_score": "—"}
    assert evaluation_counts([ncu], 2024)[ncu]["evaluations"] == 0
