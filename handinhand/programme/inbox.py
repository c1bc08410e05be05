"""The programme's work owed to the province (待办, issue 11), one item per batch: a selection
round still open with universities undecided, or a batch past its planned start still in
preparation (筹备中). One source and one query: the province's inbox page has a query budget
that every module shares."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from handinhand.core.inbox import WorkItem, WorkSource, register_work
from handinhand.core.scope import get_scope
from handinhand.orgs.models import University
from handinhand.programme.models import (
    Batch,
    BatchStatus,
    SelectionDecision,
    SelectionRound,
    SelectionStatus,
)


def _pending_rounds() -> QuerySet[SelectionRound]:
    """Open rounds of the outer batch in which some university has no decision yet."""
    undecided = University.objects.exclude(
        pk__in=SelectionDecision.objects.filter(selection=OuterRef(OuterRef("pk"))).values(
            "university_id"
        )
    )
    return SelectionRound.objects.filter(batch=OuterRef("pk"), status=SelectionStatus.OPEN).filter(
        Exists(undecided)
    )


def batches_pending(user: Any, today: dt.date) -> QuerySet[Batch]:
    if not get_scope(user).everything:
        return Batch.objects.none()
    late = Q(status=BatchStatus.PLANNED, planned_start__lt=today)
    return Batch.objects.visible_to(user).filter(late | Q(Exists(_pending_rounds())))


def batch_items(user: Any, today: dt.date) -> list[WorkItem]:
    decided = (
        SelectionDecision.objects.filter(selection=OuterRef("round_id"))
        .order_by()
        .values("selection")
        .annotate(n=Count("pk"))
        .values("n")
    )
    universities = (
        University.objects.order_by().annotate(one=Value(1)).values("one").annotate(n=Count("pk"))
    )
    rows = (
        batches_pending(user, today)
        .annotate(round_id=Subquery(_pending_rounds().order_by("opened_at").values("pk")[:1]))
        .annotate(
            undecided=Subquery(universities.values("n"), output_field=IntegerField())
            - Coalesce(Subquery(decided, output_field=IntegerField()), 0)
        )
        .order_by("number")
    )
    items: list[WorkItem] = []
    for b in rows:
        late = b.status == BatchStatus.PLANNED and b.planned_start and b.planned_start < today
        round_id = getattr(b, "round_id", None)
        if round_id:
            title = _("完成牵头高校遴选（尚有 %(n)s 所高校未决定）") % {
                "n": getattr(b, "undecided", "")
            }
            if late:
                title += _("；批次已过计划开始日期")
            url = reverse("programme:selection_detail", args=[round_id])
        else:
            title = _("批次已过计划开始日期仍在筹备中：启动实施或调整计划")
            url = reverse("programme:batch_plan", args=[b.pk])
        items.append(
            WorkItem(
                source="programme.rollout",
                key=f"batch:{b.pk}",
                title=title,
                url=url,
                due=b.planned_start if late else None,
                subject=b.name,
            )
        )
    return items


def register() -> None:
    register_work(
        WorkSource("programme.rollout", _lazy("遴选与批次推进"), batch_items, batches_pending)
    )
