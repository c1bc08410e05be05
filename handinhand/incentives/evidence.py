"""The year's figures behind each assessment, assembled from the records, not typed.

Every figure is one grouped query over all the people asked for (never a query per person), so
that the evidence of a thousand instructors costs the same nine queries as that of one. The
tests pin it with django_assert_max_num_queries; the benchmark compares it with per-person
counting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q

from handinhand.core.models import AuditEvent
from handinhand.core.policy import get_policy
from handinhand.guidance.models import Finding, FindingStatus, Visit, VisitStatus
from handinhand.meetings.models import Attendance, Meeting, MeetingStatus
from handinhand.meetings.selectors import meeting_counts
from handinhand.reports.models import AnnualReport
from handinhand.training.selectors import hours_by_user

EMPTY: dict[str, Any] = {
    "visits_joined": 0,
    "visits_led": 0,
    "schools_guided": 0,
    "findings_raised": 0,
    "findings_closed": 0,
    "reviews_done": 0,
    "meetings_attended": 0,
    "meetings_held": 0,
    "training_hours": "0",
    "training_required": "0",
    "group_meetings_owed": 0,
    "group_meetings_held": 0,
    "report_status": "",
}


def compute_evidence(year: int, people: Iterable[tuple[int, int]]) -> dict[int, dict[str, Any]]:
    """Figures of `year` for each (user id, group id): {user id: figures}."""
    group_of = dict(people)
    user_ids = list(group_of)
    group_ids = sorted(set(group_of.values()))
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    result = {pk: dict(EMPTY) for pk in user_ids}
    if not user_ids:
        return result

    # Held visits each person took part in; "led" when they also registered it.
    for user_id, joined, led, schools in (
        Visit.objects.filter(
            status=VisitStatus.HELD, date__range=(start, end), instructors__user_id__in=user_ids
        )
        .values_list("instructors__user_id")
        .annotate(
            joined=Count("id", distinct=True),
            led=Count("id", distinct=True, filter=Q(created_by_id=F("instructors__user_id"))),
            schools=Count("schools", distinct=True),
        )
        .values_list("instructors__user_id", "joined", "led", "schools")
    ):
        result[user_id].update(visits_joined=joined, visits_led=led, schools_guided=schools)

    for user_id, raised, closed in (
        Finding.objects.filter(found_on__range=(start, end), raised_by__user_id__in=user_ids)
        .values_list("raised_by__user_id")
        .annotate(r=Count("id"), c=Count("id", filter=Q(status=FindingStatus.CLOSED)))
        .values_list("raised_by__user_id", "r", "c")
    ):
        result[user_id].update(findings_raised=raised, findings_closed=closed)

    # Evaluation reviews: the audit log is the one record of who passed a review.
    for user_id, n in (
        AuditEvent.objects.filter(
            object_type="indicators.evaluation",
            actor_id__in=user_ids,
            at__date__range=(start, end),
            changes__status__1="reviewed",
        )
        .values_list("actor_id")
        .annotate(n=Count("object_id", distinct=True))
        .values_list("actor_id", "n")
    ):
        result[user_id]["reviews_done"] = n

    held_q = Q(meeting__status=MeetingStatus.HELD, meeting__date__range=(start, end))
    for user_id, group_id, n in (
        Attendance.objects.filter(held_q, user_id__in=user_ids, signed_in=True)
        .values_list("user_id", "meeting__group_id")
        .annotate(n=Count("id"))
        .values_list("user_id", "meeting__group_id", "n")
    ):
        if group_of.get(user_id) == group_id:
            result[user_id]["meetings_attended"] = n
    held = dict(
        Meeting.objects.filter(
            group_id__in=group_ids, status=MeetingStatus.HELD, date__range=(start, end)
        )
        .values_list("group_id")
        .annotate(n=Count("id"))
        .values_list("group_id", "n")
    )
    compliance = meeting_counts(group_ids, year)

    required = Decimal(str(get_policy().training.min_hours_per_year))
    hours = hours_by_user(year, user_ids)
    reports = dict(
        AnnualReport.objects.filter(group_id__in=group_ids, year=year).values_list(
            "group_id", "status"
        )
    )
    for user_id, figures in result.items():
        group_id = group_of[user_id]
        owed = compliance.get(group_id, {})
        figures.update(
            meetings_held=held.get(group_id, 0),
            training_hours=f"{hours.get(user_id, Decimal(0)).normalize():f}",
            training_required=f"{required.normalize():f}",
            group_meetings_owed=owed.get("owed", 0),
            group_meetings_held=owed.get("held", 0),
            report_status=reports.get(group_id, ""),
        )
    return result


def evidence_rows(figures: dict[str, Any], links: dict[str, str]) -> list[tuple[str, Any, str]]:
    """(label, value, url of the list behind it) for the page."""
    from django.utils.translation import gettext as _

    from handinhand.reports.models import ReportStatus

    f = {**EMPTY, **figures}
    report = dict(ReportStatus.choices).get(f["report_status"], _("未生成"))
    return [
        (_("参加指导活动（次）"), f["visits_joined"], links.get("visits", "")),
        (_("其中本人登记带队（次）"), f["visits_led"], links.get("visits", "")),
        (_("指导学校（所）"), f["schools_guided"], links.get("visits", "")),
        (_("发现问题（个）"), f["findings_raised"], links.get("findings", "")),
        (_("其中已整改销号（个）"), f["findings_closed"], links.get("findings", "")),
        (_("完成评估审核（份）"), f["reviews_done"], links.get("evaluations", "")),
        (
            _("参加本组会议 / 本组召开会议"),
            f"{f['meetings_attended']} / {f['meetings_held']}",
            links.get("meetings", ""),
        ),
        (
            _("培训学时 / 要求学时"),
            f"{f['training_hours']} / {f['training_required']}",
            links.get("training", ""),
        ),
        (
            _("本组政策会议 实开 / 应开"),
            f"{f['group_meetings_held']} / {f['group_meetings_owed']}",
            links.get("compliance", ""),
        ),
        (_("本组年度报告"), report, links.get("reports", "")),
    ]
