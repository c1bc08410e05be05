"""The shape of an indicator framework, checked and rolled up without the database.

The same checks serve the draft in the database, an imported file and the property tests, so
that "is this a valid framework" is decided in one place.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

LEVELS = (1, 2, 3)


@dataclass(frozen=True)
class Node:
    code: str
    level: int
    parent_code: str  # "" on level 1
    title: str = ""
    max_score: Decimal | None = None
    guidance: str = ""
    evidence: str = ""


def structure_errors(
    nodes: Sequence[Node], *, level_counts: Sequence[int], total_score: Decimal
) -> list[str]:
    """Every structural problem at once, in Chinese, in a stable order."""
    errors: list[str] = []
    counts = Counter(n.code for n in nodes)
    for code, n in sorted(counts.items()):
        if n > 1:
            errors.append(_("编码 %(code)s 重复出现 %(n)d 次") % {"code": code, "n": n})
    by_code = {n.code: n for n in nodes}
    for node in nodes:
        errors.extend(_node_errors(node, by_code))
    errors.extend(_cycle_errors(nodes, by_code))

    per_level = Counter(n.level for n in nodes)
    for level, expected in zip(LEVELS, level_counts, strict=True):
        if per_level[level] != expected:
            errors.append(
                _("%(level)d级指标应为 %(expected)d 个，实际为 %(actual)d 个")
                % {"level": level, "expected": expected, "actual": per_level[level]}
            )
    children: dict[str, int] = Counter(n.parent_code for n in nodes if n.parent_code)
    for node in nodes:
        if node.level in (1, 2) and not children[node.code]:
            errors.append(
                _("%(level)d级指标 %(code)s 没有下级指标")
                % {"level": node.level, "code": node.code}
            )
    leaf_sum = sum((n.max_score or Decimal(0) for n in nodes if n.level == 3), Decimal(0))
    if leaf_sum != total_score:
        errors.append(
            _("三级指标分值合计 %(sum)s，与体系总分 %(total)s 不一致")
            % {"sum": _number(leaf_sum), "total": _number(total_score)}
        )
    return errors


def _node_errors(node: Node, by_code: Mapping[str, Node]) -> list[str]:
    errors: list[str] = []
    code = node.code
    if node.level not in LEVELS:
        errors.append(_("指标 %(code)s 的级别应为 1、2 或 3") % {"code": code})
        return errors
    if node.level == 1 and node.parent_code:
        errors.append(_("一级指标 %(code)s 不应有上级编码") % {"code": code})
    if node.level > 1:
        parent = by_code.get(node.parent_code) if node.parent_code else None
        if not node.parent_code:
            errors.append(_("%(level)d级指标 %(code)s 缺少上级编码") % _fmt(node))
        elif parent is None:
            errors.append(
                _("指标 %(code)s 的上级编码 %(parent)s 不存在（孤立指标）")
                % {"code": code, "parent": node.parent_code}
            )
        elif parent.level != node.level - 1:
            errors.append(
                _("%(level)d级指标 %(code)s 的上级 %(parent)s 应为%(want)d级指标")
                % {**_fmt(node), "parent": parent.code, "want": node.level - 1}
            )
    if node.level == 3 and (node.max_score is None or node.max_score <= 0):
        errors.append(_("三级指标 %(code)s 须填写大于 0 的分值") % {"code": code})
    if node.level < 3 and node.max_score is not None:
        errors.append(_("仅三级指标设分值，%(code)s 的分值应为空") % {"code": code})
    return errors


def _cycle_errors(nodes: Sequence[Node], by_code: Mapping[str, Node]) -> list[str]:
    """Parent codes that lead back to where they started (only a file can contain these)."""
    reported: set[str] = set()
    errors: list[str] = []
    for start in nodes:
        seen: list[str] = []
        code = start.code
        while code and code in by_code and code not in seen:
            seen.append(code)
            code = by_code[code].parent_code
        if code in seen:
            loop = seen[seen.index(code) :]
            key = min(loop)
            if key not in reported:
                reported.add(key)
                errors.append(_("上级编码形成循环：%(loop)s") % {"loop": " → ".join([*loop, code])})
    return errors


def _fmt(node: Node) -> dict[str, object]:
    return {"level": node.level, "code": node.code}


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


# --- roll-up ----------------------------------------------------------------------------------


def rollup(nodes: Iterable[Node], leaf_scores: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Each indicator's score: a leaf's own, a parent's the sum of its children's. Leaves
    without a score count 0."""
    nodes = list(nodes)
    children: dict[str, list[Node]] = defaultdict(list)
    for n in nodes:
        if n.parent_code:
            children[n.parent_code].append(n)
    result: dict[str, Decimal] = {}
    for level in (3, 2, 1):
        for n in nodes:
            if n.level != level:
                continue
            if level == 3:
                result[n.code] = leaf_scores.get(n.code, Decimal(0))
            else:
                result[n.code] = sum((result[c.code] for c in children[n.code]), Decimal(0))
    return result


def maxima(nodes: Iterable[Node]) -> dict[str, Decimal]:
    """Each indicator's maximum: the roll-up of the level-3 maxima."""
    nodes = list(nodes)
    return rollup(nodes, {n.code: n.max_score or Decimal(0) for n in nodes if n.level == 3})
