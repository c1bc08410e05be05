"""The shape checks and the roll-up, without the database: property tests over every
framework shape the policy allows."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from handinhand.indicators.sample import sample_nodes
from handinhand.indicators.structure import Node, maxima, rollup, structure_errors

HALF = Decimal("0.5")


@st.composite
def frameworks(draw: st.DrawFn) -> tuple[list[Node], list[int], Decimal]:
    """A valid framework of any shape: counts a <= b <= c, every parent with children,
    level-3 maxima on the 0.5 grid; the total is their sum."""
    a = draw(st.integers(1, 6))
    b = draw(st.integers(a, 12))
    c = draw(st.integers(b, 30))
    # Each level-1 gets at least one level-2, each level-2 at least one level-3.
    l2_parent = list(range(a)) + [draw(st.integers(0, a - 1)) for _ in range(b - a)]
    l3_parent = list(range(b)) + [draw(st.integers(0, b - 1)) for _ in range(c - b)]
    nodes = [Node(code=f"{i + 1}", level=1, parent_code="") for i in range(a)]
    nodes += [
        Node(code=f"{p + 1}.x{j}", level=2, parent_code=f"{p + 1}") for j, p in enumerate(l2_parent)
    ]
    l2_codes = [n.code for n in nodes if n.level == 2]
    scores = draw(st.lists(st.integers(1, 20), min_size=c, max_size=c))
    nodes += [
        Node(
            code=f"{l2_codes[p]}.y{k}",
            level=3,
            parent_code=l2_codes[p],
            max_score=Decimal(s) * HALF,
        )
        for k, (p, s) in enumerate(zip(l3_parent, scores, strict=True))
    ]
    total = sum((n.max_score or Decimal(0) for n in nodes), Decimal(0))
    return nodes, [a, b, c], total


@settings(max_examples=150, deadline=None)
@given(data=frameworks(), fractions=st.data())
def test_rollups_equal_the_sum_of_leaves_and_stay_in_bounds(data, fractions):
    nodes, counts, total = data
    assert structure_errors(nodes, level_counts=counts, total_score=total) == []
    leaves = [n for n in nodes if n.level == 3]
    # Any score from 0 to the maximum on the step.
    scores = {
        n.code: HALF * fractions.draw(st.integers(0, int((n.max_score or 0) / HALF)))
        for n in leaves
    }
    rolled = rollup(nodes, scores)
    top = maxima(nodes)
    level1 = [n for n in nodes if n.level == 1]
    assert sum(rolled[n.code] for n in level1) == sum(scores.values())
    assert sum(top[n.code] for n in level1) == total
    for n in nodes:
        assert Decimal(0) <= rolled[n.code] <= top[n.code]
        if n.level < 3:
            children = [c for c in nodes if c.parent_code == n.code]
            assert rolled[n.code] == sum(rolled[c.code] for c in children)


def test_the_sample_has_the_pilot_shape():
    nodes = sample_nodes()
    assert [sum(1 for n in nodes if n.level == lv) for lv in (1, 2, 3)] == [6, 20, 70]
    assert sum(n.max_score or 0 for n in nodes) == Decimal(100)
    assert [n.title for n in nodes if n.level == 1] == [
        "政治建设",
        "思想建设",
        "组织建设",
        "作风建设",
        "纪律建设",
        "制度与保障",
    ]
    assert structure_errors(nodes, level_counts=[6, 20, 70], total_score=Decimal(100)) == []


def _errors(nodes: list[Node], counts=(1, 1, 2), total=Decimal(10)) -> list[str]:
    return structure_errors(nodes, level_counts=list(counts), total_score=total)


VALID = [
    Node("1", 1, ""),
    Node("1.1", 2, "1"),
    Node("1.1.1", 3, "1.1", max_score=Decimal(6)),
    Node("1.1.2", 3, "1.1", max_score=Decimal(4)),
]


def test_a_valid_small_framework_has_no_errors():
    assert _errors(VALID) == []


def test_every_error_is_reported_at_once():
    nodes = [
        Node("1", 1, ""),
        Node("1", 1, ""),  # duplicate
        Node("1.1", 2, "9"),  # orphan
        Node("1.2", 2, "1.1.1"),  # parent of the wrong level
        Node("1.1.1", 3, "1", max_score=Decimal(3)),  # parent of the wrong level
        Node("2", 1, "", max_score=Decimal(1)),  # score on level 1
        Node("1.1.2", 3, "1.2"),  # no score
    ]
    errors = _errors(nodes)
    joined = "\n".join(errors)
    assert "编码 1 重复出现 2 次" in joined
    assert "指标 1.1 的上级编码 9 不存在（孤立指标）" in joined
    assert "2级指标 1.2 的上级 1.1.1 应为1级指标" in joined
    assert "3级指标 1.1.1 的上级 1 应为2级指标" in joined
    assert "仅三级指标设分值，2 的分值应为空" in joined
    assert "三级指标 1.1.2 须填写大于 0 的分值" in joined
    assert "1级指标应为 1 个，实际为 3 个" in joined
    assert "三级指标分值合计 3，与体系总分 10 不一致" in joined
    assert len(errors) >= 9


def test_cycles_in_parent_codes_are_reported_once():
    nodes = [
        Node("1", 1, ""),
        Node("a", 2, "b"),
        Node("b", 2, "c"),
        Node("c", 2, "a"),
        Node("1.1.1", 3, "a", max_score=Decimal(10)),
    ]
    cycles = [e for e in _errors(nodes) if "循环" in e]
    assert cycles == ["上级编码形成循环：a → b → c → a"]


def test_wrong_counts_and_sum():
    errors = _errors(VALID, counts=(6, 20, 70), total=Decimal(100))
    assert "1级指标应为 6 个，实际为 1 个" in errors
    assert "2级指标应为 20 个，实际为 1 个" in errors
    assert "3级指标应为 70 个，实际为 2 个" in errors
    assert "三级指标分值合计 10，与体系总分 100 不一致" in errors


def test_parents_without_children():
    errors = _errors([*VALID, Node("2", 1, "")], counts=(2, 1, 2))
    assert "1级指标 2 没有下级指标" in errors
