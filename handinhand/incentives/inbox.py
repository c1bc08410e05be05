"""The assessment work owed to a person (待办, R10): an instructor's own self-summary (述职),
the leader's grades to propose, the province's grades to confirm."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from handinhand.core.inbox import WorkItem, WorkSource, register_work
from handinhand.core.scope import get_scope
from handinhand.incentives.models import (
    Assessment,
    AssessmentStatus,
    Priority,
    PriorityStatus,
    YearStatus,
)
from handinhand.programme.models import MemberRole, Membership


def summary_pending(user: Any, today: dt.date) -> QuerySet[Assessment]:
    # Only group members are assessed (R10).
    if not get_scope(user).group_ids:
        return Assessment.objects.none()
    return Assessment.objects.visible_to(user).filter(
        user_id=user.pk, status=AssessmentStatus.PENDING, year__status=YearStatus.OPEN
    )


def summary_items(user: Any, today: dt.date) -> list[WorkItem]:
    rows = summary_pending(user, today).select_related("year", "group").order_by("year__year")
    return [
        WorkItem(
            source="incentives.self_summary",
            key=f"assessment:{a.pk}",
            title=_("修改并重新提交个人述职") if a.return_reason else _("提交个人述职"),
            url=a.get_absolute_url(),
            subject=_("%(year)s年度考核 · %(group)s")
            % {"year": a.year.year, "group": a.group.name},
            reason=a.return_reason,
        )
        for a in rows
    ]


def propose_pending(user: Any, today: dt.date) -> QuerySet[Assessment]:
    """Submitted self-summaries of the members of the groups the user leads (组长 in office):
    the rule of incentives.access.can_propose, as a query."""
    if not get_scope(user).led_group_ids:
        return Assessment.objects.none()
    groups = (
        Membership.objects.current(today)
        .filter(user=user, role=MemberRole.LEADER)
        .values("group_id")
    )
    return (
        Assessment.objects.visible_to(user)
        .filter(
            status=AssessmentStatus.SUBMITTED, group_id__in=groups, year__status=YearStatus.OPEN
        )
        .exclude(user_id=user.pk)
    )


def propose_items(user: Any, today: dt.date) -> list[WorkItem]:
    rows = propose_pending(user, today).select_related("year", "user").order_by("year__year", "pk")
    return [
        WorkItem(
            source="incentives.propose",
            key=f"assessment:{a.pk}",
            title=_("提出考核等次建议"),
            url=a.get_absolute_url(),
            subject=_("%(person)s · %(year)s年度") % {"person": a.user, "year": a.year.year},
        )
        for a in rows
    ]


def confirm_items(user: Any, today: dt.date) -> list[WorkItem]:
    """For the province: proposed grades to confirm, one item per open year (one query)."""
    if not get_scope(user).everything:
        return []
    rows = (
        Assessment.objects.filter(year__status=YearStatus.OPEN)
        .values("year_id", "year__year")
        .annotate(n=Count("pk", filter=Q(status=AssessmentStatus.PROPOSED)))
        .filter(n__gt=0)
        .order_by("year__year")
    )
    return [
        WorkItem(
            source="incentives.confirm",
            key=f"year:{r['year_id']}",
            title=_("确认指导员考核等次（%(n)s人）") % {"n": r["n"]},
            url=reverse("incentives:assessment_list") + f"?status={AssessmentStatus.PROPOSED}",
            subject=_("%(year)s年度党建指导员考核") % {"year": r["year__year"]},
        )
        for r in rows
    ]


def priority_pending(user: Any, today: dt.date) -> QuerySet[Priority]:
    """A unit contact owes a record of each open priority of their unit's people (R10 point 6:
    the loop closes when the unit says it was applied, or why not)."""
    unit_ids = get_scope(user).unit_ids
    if not unit_ids:
        return Priority.objects.none()
    return Priority.objects.visible_to(user).filter(
        unit_id__in=sorted(unit_ids), status=PriorityStatus.OPEN, valid_until__gte=today
    )


def priority_items(user: Any, today: dt.date) -> list[WorkItem]:
    rows = priority_pending(user, today).select_related("user").order_by("valid_until", "pk")
    return [
        WorkItem(
            source="incentives.priority",
            key=f"priority:{p.pk}",
            title=_("记录优先考虑的落实情况：%(area)s") % {"area": p.area},
            url=reverse("incentives:priority_record", args=[p.pk]),
            due=p.valid_until,
            subject=str(p.user),
        )
        for p in rows
    ]


def register() -> None:
    label = _lazy("考核激励")
    register_work(WorkSource("incentives.self_summary", label, summary_items, summary_pending))
    register_work(WorkSource("incentives.propose", label, propose_items, propose_pending))
    register_work(WorkSource("incentives.confirm", label, confirm_items))
    register_work(WorkSource("incentives.priority", label, priority_items, priority_pending))
