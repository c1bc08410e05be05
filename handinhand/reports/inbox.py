"""The annual-report work owed to a person (待办): the leader drafts, submits or resubmits the
January report; the department of the group's level acknowledges it (late ones flagged); the
province sees the reports overdue, by city."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from handinhand.core.inbox import WorkItem, WorkSource, register_work
from handinhand.core.scope import get_scope
from handinhand.orgs.models import RegionLevel
from handinhand.programme.models import MemberRole, Membership
from handinhand.reports.models import OPEN_STATUSES, AnnualReport, ReportStatus, due_date
from handinhand.reports.services import department_q


def _last_due_year(today: dt.date) -> int:
    """The latest report year whose due date has begun to matter: the year just ended (its
    report is owed from January)."""
    return today.year - 1


def leader_pending(user: Any, today: dt.date) -> QuerySet[AnnualReport]:
    if not get_scope(user).led_group_ids:
        return AnnualReport.objects.none()
    groups = (
        Membership.objects.current(today)
        .filter(user=user, role=MemberRole.LEADER)
        .values("group_id")
    )
    return AnnualReport.objects.visible_to(user).filter(
        group_id__in=groups, status__in=OPEN_STATUSES, year__lte=_last_due_year(today)
    )


def leader_items(user: Any, today: dt.date) -> list[WorkItem]:
    rows = leader_pending(user, today).select_related("group").order_by("year", "pk")
    return [
        WorkItem(
            source="reports.leader",
            key=f"report:{r.pk}",
            title=_("修改并重新提交年度报告")
            if r.status == ReportStatus.RETURNED
            else _("起草并提交年度报告"),
            url=r.get_absolute_url(),
            due=r.due_date,
            subject=r.title,
            reason=r.return_reason if r.status == ReportStatus.RETURNED else "",
        )
        for r in rows
    ]


def acknowledge_pending(user: Any, today: dt.date) -> QuerySet[AnnualReport]:
    scope = get_scope(user)
    if not (scope.everything or "region_staff" in scope.roles):
        return AnnualReport.objects.none()
    return (
        AnnualReport.objects.visible_to(user)
        .filter(department_q(user))
        .filter(status=ReportStatus.SUBMITTED)
    )


def acknowledge_items(user: Any, today: dt.date) -> list[WorkItem]:
    rows = acknowledge_pending(user, today).select_related("group").order_by("submitted_at", "pk")
    return [
        WorkItem(
            source="reports.acknowledge",
            key=f"report:{r.pk}",
            title=_("签收年度报告（逾期提交）") if r.submitted_late else _("签收年度报告"),
            url=r.get_absolute_url(),
            subject=r.title,
        )
        for r in rows
    ]


def overdue_items(user: Any, today: dt.date) -> list[WorkItem]:
    """For the province: reports past their due date and not submitted, one item per city
    (one grouped query)."""
    if not get_scope(user).everything:
        return []
    year = _last_due_year(today)
    due = due_date(year)
    if today <= due:
        return []
    rows = (
        AnnualReport.objects.visible_to(user)
        .filter(status__in=OPEN_STATUSES, year__lte=year)
        .values(
            "group__region__level",
            "group__region__path",
            "group__region__name",
            "group__region__parent__path",
            "group__region__parent__name",
        )
        .annotate(n=Count("pk"))
        .order_by("group__region__path")
    )
    # By city: a county group's report counts under its city; the province's own groups and
    # the cities' stand for themselves. One grouped query.
    by_city: dict[str, tuple[str, int]] = {}
    for row in rows:
        if row["group__region__level"] == RegionLevel.COUNTY:
            path, name = row["group__region__parent__path"], row["group__region__parent__name"]
        else:
            path, name = row["group__region__path"], row["group__region__name"]
        by_city[path] = (name, by_city.get(path, (name, 0))[1] + row["n"])
    url = reverse("reports:report_list")
    items = [
        WorkItem(
            source="reports.overdue",
            key=f"region:{city}",
            title=_("督促逾期未交的年度报告（%(n)s份）") % {"n": n},
            url=url,
            due=due,
            subject=name,
        )
        for city, (name, n) in by_city.items()
    ]
    return items


def register() -> None:
    label = _lazy("年度报告")
    register_work(WorkSource("reports.leader", label, leader_items, leader_pending))
    register_work(WorkSource("reports.acknowledge", label, acknowledge_items, acknowledge_pending))
    register_work(WorkSource("reports.overdue", label, overdue_items))
