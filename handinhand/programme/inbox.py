"""The programme's work owed to the province (待办, issue 11): a selection round still open with
universities undecided, and a batch past its planned start still in preparation (筹备中)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery
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


def rounds_pending(user: Any, today: dt.date) -> QuerySet[SelectionRound]:
    """Open rounds in which some university has no decision yet."""
    if not get_scope(user).everything:
        return SelectionRound.objects.none()
    decided = (
        SelectionDecision.objects.filter(selection=OuterRef("pk"))
        .order_by()
        .values("selection")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        SelectionRound.objects.visible_to(user)
        .filter(status=SelectionStatus.OPEN)
        .annotate(decided=Coalesce(Subquery(decided), 0))
        .filter(decided__lt=University.objects.count())
    )


def round_items(user: Any, today: dt.date) -> list[WorkItem]:
    total = University.objects.count() if get_scope(user).everything else 0
    return [
        WorkItem(
            source="programme.selection",
            key=f"round:{r.pk}",
            title=_("完成牵头高校遴选（尚有 %(n)s 所高校未决定）")
            % {"n": total - getattr(r, "decided", 0)},
            url=reverse("programme:selection_detail", args=[r.pk]),
            subject=r.batch.name,
        )
        for r in rounds_pending(user, today).select_related("batch").order_by("opened_at")
    ]


def batches_pending(user: Any, today: dt.date) -> QuerySet[Batch]:
    """Batches whose planned start has passed while they are still 筹备中."""
    if not get_scope(user).everything:
        return Batch.objects.none()
    return Batch.objects.visible_to(user).filter(
        status=BatchStatus.PLANNED, planned_start__lt=today
    )


def batch_items(user: Any, today: dt.date) -> list[WorkItem]:
    return [
        WorkItem(
            source="programme.batch_start",
            key=f"batch:{b.pk}",
            title=_("批次已过计划开始日期仍在筹备中：启动实施或调整计划"),
            url=reverse("programme:batch_plan", args=[b.pk]),
            due=b.planned_start,
            subject=b.name,
        )
        for b in batches_pending(user, today).order_by("planned_start", "number")
    ]


def register() -> None:
    register_work(
        WorkSource("programme.selection", _lazy("牵头高校遴选"), round_items, rounds_pending)
    )
    register_work(
        WorkSource("programme.batch_start", _lazy("批次推进"), batch_items, batches_pending)
    )
