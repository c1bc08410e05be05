"""Reads of the annual reports, starting from visible_to(user); and the reminders' feed."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from handinhand.accounts.models import User
from handinhand.core import formats
from handinhand.programme.models import MemberRole, Membership
from handinhand.reports.models import OPEN_STATUSES, AnnualReport, ReportStatus, due_date

REMIND_DAYS = 14


def reports_for_list(user: User) -> QuerySet[AnnualReport]:
    return AnnualReport.objects.visible_to(user).select_related("group", "submitted_by")


def report_detail_qs(user: User) -> QuerySet[AnnualReport]:
    return AnnualReport.objects.visible_to(user).select_related(
        "group__region", "group__lead_university", "submitted_by", "acknowledged_by"
    )


def reports_due(today: dt.date) -> list[tuple[int, str, str, str, dt.date]]:
    """Reports not yet submitted whose due date is within 14 days or past, for the reminder
    job: (leader's user id, unique key, text, url, due date). Two queries."""
    last_year = today.year
    while due_date(last_year) > today + dt.timedelta(days=REMIND_DAYS):
        last_year -= 1
    reports = list(
        AnnualReport.objects.filter(status__in=OPEN_STATUSES, year__lte=last_year)
        .select_related("group")
        .order_by("year", "group_id")
    )
    leaders = dict(
        Membership.objects.current()
        .filter(role=MemberRole.LEADER, group_id__in=[r.group_id for r in reports])
        .values_list("group_id", "user_id")
    )
    due: list[tuple[int, str, str, str, dt.date]] = []
    for report in reports:
        leader = leaders.get(report.group_id)
        if leader is None:
            continue
        when = report.due_date
        state = _("已逾期") if today > when else _("即将到期")
        if report.status == ReportStatus.RETURNED:
            state += _("（已退回，请修改后重新提交）")
        text = _("《%(title)s》应于%(date)s前提交，%(state)s") % {
            "title": report.title,
            "date": formats.day(when),
            "state": state,
        }
        key = f"reports:annual:{report.pk}:{report.status}:{when.isoformat()}"
        due.append((leader, key, text, reverse("reports:report_detail", args=[report.pk]), when))
    return due
