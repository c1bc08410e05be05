"""The research work owed to a person (待办, R11): a reviewer's assigned reviews, a unit
contact's recommendations, an applicant's returned application."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from handinhand.core.inbox import WorkItem, WorkSource, register_work
from handinhand.core.scope import get_scope
from handinhand.research.models import (
    AppStatus,
    CallStatus,
    ResearchApplication,
    ReviewAssignment,
    Stage,
)


def review_pending(user: Any, today: dt.date) -> QuerySet[ReviewAssignment]:
    if not getattr(user, "pk", None):
        return ReviewAssignment.objects.none()
    return ReviewAssignment.objects.filter(
        reviewer_id=user.pk,
        submitted_at__isnull=True,
        application__status=AppStatus.RECOMMENDED,
    ).exclude(application__call__status=CallStatus.PUBLISHED)


def review_items(user: Any, today: dt.date) -> list[WorkItem]:
    rows = review_pending(user, today).select_related("application__call").order_by("pk")
    return [
        WorkItem(
            source="research.review",
            key=f"review:{r.pk}",
            title=_("评审课题申报"),
            url=reverse("research:review", args=[r.pk]),
            # Blind review: the call, never the applicant.
            subject=r.application.call.title,
        )
        for r in rows
    ]


def recommend_pending(user: Any, today: dt.date) -> QuerySet[ResearchApplication]:
    units = get_scope(user).unit_ids
    if not units:
        return ResearchApplication.objects.none()
    return ResearchApplication.objects.visible_to(user).filter(
        status=AppStatus.SUBMITTED, unit_id__in=sorted(units)
    )


def recommend_items(user: Any, today: dt.date) -> list[WorkItem]:
    rows = recommend_pending(user, today).select_related("call").order_by("call__deadline", "pk")
    return [
        WorkItem(
            source="research.recommend",
            key=f"application:{a.pk}",
            title=_("审核并推荐本单位课题申报"),
            url=a.get_absolute_url(),
            due=a.call.deadline,
            subject=a.title,
        )
        for a in rows
    ]


def revise_pending(user: Any, today: dt.date) -> QuerySet[ResearchApplication]:
    scope = get_scope(user)
    # The province runs the calls and returns applications; it does not apply to them.
    if not scope.is_business or scope.everything:
        return ResearchApplication.objects.none()
    return ResearchApplication.objects.visible_to(user).filter(
        applicant_id=user.pk, status=AppStatus.RETURNED, call__status=CallStatus.OPEN
    )


def revise_items(user: Any, today: dt.date) -> list[WorkItem]:
    rows = revise_pending(user, today).select_related("call").order_by("call__deadline", "pk")
    return [
        WorkItem(
            source="research.revise",
            key=f"application:{a.pk}",
            title=_("修改并重新提交课题申报"),
            url=a.get_absolute_url(),
            due=a.call.deadline,
            subject=a.title,
            reason=a.return_reason,
        )
        for a in rows
    ]


def follow_up_pending(user: Any, today: dt.date) -> QuerySet[ResearchApplication]:
    """The applicant's approved projects that still owe a step (中期检查, then 结题): the
    published result reaches the applicant as the work it starts, with its due date."""
    if not getattr(user, "pk", None):
        return ResearchApplication.objects.none()
    return ResearchApplication.objects.visible_to(user).filter(
        Q(stage=Stage.APPROVED) | Q(stage=Stage.MIDTERM),
        applicant_id=user.pk,
        status=AppStatus.APPROVED,
        call__status=CallStatus.PUBLISHED,
    )


def follow_up_items(user: Any, today: dt.date) -> list[WorkItem]:
    rows = follow_up_pending(user, today).select_related("call").order_by("pk")
    items = []
    for a in rows:
        midterm = a.stage == Stage.APPROVED
        items.append(
            WorkItem(
                source="research.follow_up",
                key=f"project:{a.pk}",
                title=_("课题已立项，提交中期检查材料") if midterm else _("提交课题结题材料"),
                url=a.get_absolute_url(),
                due=a.midterm_due if midterm else a.closing_due,
                subject=a.title,
            )
        )
    return items


def register() -> None:
    label = _lazy("党建研究课题")
    register_work(WorkSource("research.review", label, review_items, review_pending))
    register_work(WorkSource("research.recommend", label, recommend_items, recommend_pending))
    register_work(WorkSource("research.revise", label, revise_items, revise_pending))
    register_work(WorkSource("research.follow_up", label, follow_up_items, follow_up_pending))
