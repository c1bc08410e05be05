"""The allocation rule of a research call (R11: 单列计划、优先立项), as a pure function.

1. Only applications scoring at least the minimum can be approved.
2. The separate quota (单列计划) is filled first, by score, from eligible applications (the
   applicant is a guidance-group member on the deadline date).
3. Eligible applications that do not fit the quota compete in the general pool with everyone
   else. There an eligible applicant ranks ahead of an ineligible one whose score is equal or
   higher by at most `tolerance` (优先立项).
4. The general pool takes what is left of the places.

Everything the decision page shows — the pool, the place and the reason — comes from here, so
that the rule is written once and tested on its own (property tests in tests/test_allocation.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Pool(StrEnum):
    SEPARATE = "separate"  # 单列计划
    GENERAL = "general"  # 普通计划
    NONE = ""  # not approved


@dataclass(frozen=True)
class Candidate:
    id: int
    score: Decimal | None  # None: review not complete
    eligible: bool


@dataclass(frozen=True)
class Proposal:
    id: int
    pool: Pool
    rank: int  # place within its pool (1-based); in the general ranking for those left out
    reason: str

    @property
    def approved(self) -> bool:
        return self.pool != Pool.NONE


def _fmt(score: Decimal) -> str:
    return f"{score.normalize():f}"


def general_order(candidates: Sequence[Candidate], tolerance: Decimal) -> list[Candidate]:
    """The general pool's ranking: an eligible score counts `tolerance` higher, and at an equal
    adjusted score the eligible comes first. A total order, so the result never depends on the
    input order: ties of everything fall back to the id (earlier application first)."""

    def key(c: Candidate) -> tuple[Decimal, int, Decimal, int]:
        score = c.score if c.score is not None else Decimal(0)
        adjusted = score + tolerance if c.eligible else score
        return (-adjusted, 0 if c.eligible else 1, -score, c.id)

    return sorted(candidates, key=key)


def allocate(
    candidates: Sequence[Candidate],
    *,
    places: int,
    quota: int,
    min_score: Decimal,
    tolerance: Decimal = Decimal(0),
    priority: bool = True,
) -> list[Proposal]:
    """Proposals for every candidate, approved ones first (separate, then general, by place),
    then the rest in general-ranking order. `priority` off drops the eligible's precedence in
    the general pool (the quota still applies)."""
    if places < 0 or quota < 0:
        raise ValueError("places and quota must not be negative")
    quota = min(quota, places)
    unscored = [c for c in candidates if c.score is None]
    scored = [c for c in candidates if c.score is not None]
    below = sorted(
        (c for c in scored if c.score is not None and c.score < min_score),
        key=lambda c: (-(c.score or 0), c.id),
    )
    above = [c for c in scored if c.score is not None and c.score >= min_score]
    limit = _fmt(min_score)

    eligible = sorted((c for c in above if c.eligible), key=lambda c: (-(c.score or 0), c.id))
    separate = eligible[:quota]
    taken = {c.id for c in separate}
    proposals = [
        Proposal(
            id=c.id,
            pool=Pool.SEPARATE,
            rank=i,
            reason=f"单列计划第{i}名：指导组成员，评分{_fmt(c.score or Decimal(0))}",
        )
        for i, c in enumerate(separate, start=1)
    ]

    room = places - len(separate)
    rest = [c for c in above if c.id not in taken]
    ordered = general_order(rest, tolerance if priority else Decimal(0))
    if not priority:
        ordered = sorted(rest, key=lambda c: (-(c.score or 0), c.id))
    # The best ineligible score behind each place: an eligible candidate placed ahead of an
    # equal or better score got there by 优先立项, and the reason says so.
    behind: list[Decimal | None] = [None] * (len(ordered) + 1)
    for i in range(len(ordered) - 1, -1, -1):
        c, best = ordered[i], behind[i + 1]
        if not c.eligible and c.score is not None and (best is None or c.score > best):
            best = c.score
        behind[i] = best
    for i, c in enumerate(ordered, start=1):
        score = _fmt(c.score or Decimal(0))
        note = "单列计划名额已满，参加普通计划竞争；" if c.eligible and quota else ""
        passed = behind[i]
        if priority and c.eligible and passed is not None and c.score is not None:
            note += "同等条件下指导组成员优先；" if passed >= c.score else ""
        if i <= room:
            why = f"普通计划第{i}名：{note}评分{score}"
            proposals.append(Proposal(id=c.id, pool=Pool.GENERAL, rank=i, reason=why))
        else:
            why = f"名额已满：{note}普通计划排第{i}名，评分{score}"
            proposals.append(Proposal(id=c.id, pool=Pool.NONE, rank=i, reason=why))
    proposals += [
        Proposal(
            id=c.id,
            pool=Pool.NONE,
            rank=0,
            reason=f"评分{_fmt(c.score or Decimal(0))}，低于最低分{limit}",
        )
        for c in below
    ]
    proposals += [
        Proposal(id=c.id, pool=Pool.NONE, rank=0, reason="专家评审未完成") for c in unscored
    ]
    return proposals
