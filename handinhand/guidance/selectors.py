"""Reads of guidance work; each starts from `visible_to(user)`."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Prefetch, QuerySet

from handinhand.guidance.models import Visit
from handinhand.orgs.models import School
from handinhand.programme.models import Membership


def visits_for_list(user: Any) -> QuerySet[Visit]:
    return (
        Visit.objects.visible_to(user)
        .select_related("group")
        .prefetch_related(
            Prefetch("schools", queryset=School.objects.only("id", "name").order_by("name")),
            Prefetch(
                "instructors",
                queryset=Membership.objects.select_related("user").order_by("user_id"),
            ),
        )
    )


def visit_detail_qs(user: Any) -> QuerySet[Visit]:
    return visits_for_list(user).select_related("created_by").prefetch_related("attachments")


@dataclass
class CalendarDay:
    day: date
    in_month: bool
    visits: list[Visit] = field(default_factory=list)


def month_grid(visits: QuerySet[Visit], year: int, month: int) -> list[list[CalendarDay]]:
    """Weeks (Monday first) of the month, each day with its visits; one query for the month."""
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    first, last = weeks[0][0], weeks[-1][-1]
    by_day: dict[date, list[Visit]] = {}
    for visit in visits.filter(date__gte=first, date__lte=last).order_by("date", "id"):
        by_day.setdefault(visit.date, []).append(visit)
    return [[CalendarDay(d, d.month == month, by_day.get(d, [])) for d in week] for week in weeks]
