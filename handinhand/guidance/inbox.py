"""The guidance work owed to a person (待办): a school answers its findings by their deadline;
an instructor verifies the answers (销号) and records the visits planned and now past."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from handinhand.core.inbox import WorkItem, WorkSource, register_work
from handinhand.core.scope import get_scope
from handinhand.guidance.models import (
    Finding,
    FindingStatus,
    Rectification,
    Verdict,
    Visit,
    VisitStatus,
)
from handinhand.programme.models import Membership


def answer_pending(user: Any, today: dt.date) -> QuerySet[Finding]:
    own = get_scope(user).own_school_ids
    if not own:
        return Finding.objects.none()
    return Finding.objects.visible_to(user).filter(
        school_id__in=sorted(own), status__in=[FindingStatus.OPEN, FindingStatus.RETURNED]
    )


def answer_items(user: Any, today: dt.date) -> list[WorkItem]:
    last_reason = (
        Rectification.objects.filter(finding=OuterRef("pk"), verdict=Verdict.RETURNED)
        .order_by("-reviewed_at", "-pk")
        .values("reason")[:1]
    )
    rows = (
        answer_pending(user, today)
        .select_related("school")
        .annotate(last_reason=Subquery(last_reason))
        .order_by("deadline", "pk")
    )
    return [
        WorkItem(
            source="guidance.finding_answer",
            key=f"finding:{f.pk}",
            title=(
                _("重新答复整改问题") if f.status == FindingStatus.RETURNED else _("答复整改问题")
            ),
            url=f.get_absolute_url(),
            due=f.deadline,
            subject=f"{f.school.name} · {f.problem[:40]}",
            reason=(f.last_reason or "") if f.status == FindingStatus.RETURNED else "",
        )
        for f in rows
    ]


def verify_pending(user: Any, today: dt.date) -> QuerySet[Finding]:
    """Answers waiting for the instructors of the group that raised the finding."""
    if not get_scope(user).group_ids:
        return Finding.objects.none()
    groups = Membership.objects.current(today).filter(user=user).values("group_id")
    return Finding.objects.visible_to(user).filter(
        status=FindingStatus.ANSWERED, group_id__in=groups
    )


def verify_items(user: Any, today: dt.date) -> list[WorkItem]:
    rows = verify_pending(user, today).select_related("school").order_by("deadline", "pk")
    return [
        WorkItem(
            source="guidance.finding_verify",
            key=f"finding:{f.pk}",
            title=_("核验整改答复（销号）"),
            url=f.get_absolute_url(),
            due=f.deadline,
            subject=f"{f.school.name} · {f.problem[:40]}",
        )
        for f in rows
    ]


def visit_pending(user: Any, today: dt.date) -> QuerySet[Visit]:
    """Visits the user was to make, planned for a day now past and not yet recorded."""
    if not get_scope(user).group_ids:
        return Visit.objects.none()
    return (
        Visit.objects.visible_to(user)
        .filter(status=VisitStatus.PLANNED, date__lt=today, instructors__user=user)
        .distinct()
    )


def visit_items(user: Any, today: dt.date) -> list[WorkItem]:
    rows = visit_pending(user, today).order_by("date", "pk")
    return [
        WorkItem(
            source="guidance.visit_overdue",
            key=f"visit:{v.pk}",
            title=_("登记指导活动结果（计划日期已过）"),
            url=v.get_absolute_url(),
            due=v.date,
            subject=v.title,
        )
        for v in rows
    ]


def register() -> None:
    label = _lazy("指导工作")
    register_work(
        WorkSource("guidance.finding_answer", _lazy("问题整改"), answer_items, answer_pending)
    )
    register_work(
        WorkSource("guidance.finding_verify", _lazy("问题整改"), verify_items, verify_pending)
    )
    register_work(WorkSource("guidance.visit_overdue", label, visit_items, visit_pending))
