"""Synthetic 遴选 and batch plans (issue 11), consistent with DESIGN §1: the pilot's closed
round chose its three universities with reasons, its plan covers its three cities and it is in
force; a planned second batch targets the next cities; coverage then reads 3 of 11 cities."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from handinhand.accounts.models import User
from handinhand.programme import rollout, selection, selectors
from handinhand.programme.models import (
    Batch,
    BatchStatus,
    GroupLevel,
    GuidanceGroup,
    SelectionOutcome,
    SelectionRound,
    SelectionStatus,
)
from handinhand.programme.pilot import PILOT_PAIRS
from handinhand.seed import programme as synthetic
from handinhand.seed import selection as selection_synthetic
from handinhand.seed.jiangxi import LATER_PAIRS


@pytest.mark.django_db
def test_pilot_round_plan_and_planned_second_batch(db: Any) -> None:
    synthetic.write(synthetic.plan("pilot", seed=42, scale=0.01))
    counts = selection_synthetic.extend("pilot", seed=42, scale=0.01)
    assert counts["selection rounds"] == SelectionRound.objects.count() == 2
    assert selection_synthetic.extend("pilot", seed=42) == {}  # runs once

    pilot = Batch.objects.get(number=1)
    assert pilot.status == BatchStatus.ACTIVE
    assert pilot.planned_start == dt.date(pilot.start_year, 5, 7)  # the first meeting, 5月7日
    assert sorted(pilot.target_regions.values_list("code", flat=True)) == sorted(
        p.paired_city for p in PILOT_PAIRS
    )
    closed = SelectionRound.objects.get(batch=pilot)
    assert closed.status == SelectionStatus.CLOSED and closed.closed_by is not None
    chosen = closed.decisions.filter(outcome=SelectionOutcome.SELECTED)
    assert sorted(d.university.name for d in chosen) == sorted(p.university for p in PILOT_PAIRS)
    assert all(d.reason and d.recognitions and d.decided_by for d in closed.decisions.all())
    assert sorted(pilot.lead_universities.values_list("name", flat=True)) == sorted(
        p.university for p in PILOT_PAIRS
    )
    for group in GuidanceGroup.objects.filter(level=GroupLevel.PROVINCE):
        assert selection.lead_warnings(group) == []

    second = Batch.objects.get(number=2)
    assert second.status == BatchStatus.PLANNED
    assert sorted(second.target_regions.values_list("code", flat=True)) == sorted(
        c for _u, c in LATER_PAIRS[2]
    )
    assert SelectionRound.objects.get(batch=second).status == SelectionStatus.OPEN

    admin = User.objects.get(username="admin")
    total = selectors.cumulative(selectors.coverage(admin))
    assert total is not None and (total.cities_paired, total.cities_total) == (3, 11)
    assert len(total.planned_cities) == len(LATER_PAIRS[2])
    path = rollout.rollout(admin)
    assert [s.cities for s in path.steps] == [3, 3 + len(LATER_PAIRS[2])]
