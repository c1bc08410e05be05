"""The allocation rule (单列计划、优先立项) on its own: examples and properties."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handinhand.research.allocation import Candidate, Pool, allocate

D = Decimal


def _by_id(proposals):
    return {p.id: p for p in proposals}


def test_quota_first_then_general_with_priority():
    cands = [
        Candidate(1, D("90"), False),
        Candidate(2, D("85"), True),
        Candidate(3, D("80"), True),
        Candidate(4, D("80"), False),
        Candidate(5, D("55"), True),
        Candidate(6, None, True),
    ]
    result = _by_id(allocate(cands, places=3, quota=1, min_score=D("60")))
    assert result[2].pool == Pool.SEPARATE and "单列计划第1名" in result[2].reason
    assert result[1].pool == Pool.GENERAL and result[1].rank == 1
    # 3 and 4 tie at 80: the group member (3) is approved, 优先立项.
    assert result[3].pool == Pool.GENERAL and "指导组成员优先" in result[3].reason
    assert result[4].pool == Pool.NONE and "名额已满" in result[4].reason
    assert result[5].pool == Pool.NONE and "低于最低分60" in result[5].reason
    assert result[6].pool == Pool.NONE and "评审未完成" in result[6].reason


def test_tolerance_lets_a_member_pass_a_slightly_higher_score():
    cands = [Candidate(1, D("81"), False), Candidate(2, D("80"), True)]
    strict = _by_id(allocate(cands, places=1, quota=0, min_score=D(0)))
    assert strict[1].approved and not strict[2].approved
    loose = _by_id(allocate(cands, places=1, quota=0, min_score=D(0), tolerance=D("1")))
    assert loose[2].approved and not loose[1].approved
    off = _by_id(
        allocate(cands, places=1, quota=0, min_score=D(0), tolerance=D("1"), priority=False)
    )
    assert off[1].approved


def test_negative_numbers_are_refused():
    with pytest.raises(ValueError):
        allocate([], places=-1, quota=0, min_score=D(0))
    with pytest.raises(ValueError):
        allocate([], places=1, quota=-1, min_score=D(0))


scores = st.one_of(st.none(), st.integers(min_value=0, max_value=40).map(lambda n: D(n) * D("2.5")))
candidates = st.lists(st.tuples(scores, st.booleans()), max_size=30).map(
    lambda rows: [Candidate(i, s, e) for i, (s, e) in enumerate(rows, start=1)]
)


@settings(max_examples=300, deadline=None)
@given(
    cands=candidates,
    places=st.integers(min_value=0, max_value=20),
    quota=st.integers(min_value=0, max_value=25),
    min_score=st.sampled_from([D(0), D(50), D(60), D("72.5")]),
    tolerance=st.sampled_from([D(0), D("2.5"), D(5)]),
)
def test_properties(cands, places, quota, min_score, tolerance):
    proposals = allocate(
        cands, places=places, quota=quota, min_score=min_score, tolerance=tolerance
    )
    by_id = {c.id: c for c in cands}
    assert sorted(p.id for p in proposals) == sorted(by_id)
    separate = [p for p in proposals if p.pool == Pool.SEPARATE]
    approved = [p for p in proposals if p.approved]
    # Never more separate places than the quota, never one to an ineligible application.
    assert len(separate) <= quota
    assert all(by_id[p.id].eligible for p in separate)
    # Accepts min(places, applications above the minimum).
    above = [c for c in cands if c.score is not None and c.score >= min_score]
    assert len(approved) == min(places, len(above))
    assert all(by_id[p.id] in above for p in approved)
    # Never an ineligible applicant above an eligible one with an equal score: if the
    # ineligible one is approved, so is every eligible one of equal (or higher) score.
    for p in approved:
        c = by_id[p.id]
        if c.eligible:
            continue
        for d in above:
            if d.eligible and d.score is not None and c.score is not None and d.score >= c.score:
                assert d.id in {a.id for a in approved}, (c, d)
    # Within the general pool, the ranking itself never puts an ineligible one first at an
    # equal score.
    general = sorted(
        (p for p in proposals if p.rank and p.pool != Pool.SEPARATE), key=lambda p: p.rank
    )
    for a, b in itertools.pairwise(general):
        ca, cb = by_id[a.id], by_id[b.id]
        if ca.score == cb.score:
            assert ca.eligible or not cb.eligible
