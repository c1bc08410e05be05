"""Reads of indicator frameworks, each starting from visible_to(user)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from handinhand.indicators.models import Framework, Indicator


def frameworks_for_list(user: Any) -> QuerySet[Framework]:
    return Framework.objects.visible_to(user).annotate(
        indicator_count=Count("indicators"),
        leaf_count=Count("indicators", filter=Q(indicators__level=3)),
    )


@dataclass
class TreeRow:
    indicator: Indicator
    subtotal: Decimal  # a level-3's own maximum, a parent's the sum below it


def framework_tree(framework: Framework) -> list[TreeRow]:
    """The indicators in reading order (each parent followed by its children), in one query."""
    indicators = list(framework.indicators.order_by("order", "id"))
    children: dict[int | None, list[Indicator]] = {}
    for i in indicators:
        children.setdefault(i.parent_id, []).append(i)
    totals: dict[int, Decimal] = {}

    def total(i: Indicator) -> Decimal:
        if i.pk not in totals:
            own = i.max_score or Decimal(0)
            totals[i.pk] = own + sum((total(c) for c in children.get(i.pk, [])), Decimal(0))
        return totals[i.pk]

    rows: list[TreeRow] = []

    def walk(parent_id: int | None) -> None:
        for i in children.get(parent_id, []):
            rows.append(TreeRow(i, total(i)))
            walk(i.pk)

    walk(None)
    # Indicators whose parent chain is broken would be lost by the walk; show them at the end.
    shown = {r.indicator.pk for r in rows}
    rows.extend(TreeRow(i, total(i)) for i in indicators if i.pk not in shown)
    return rows
