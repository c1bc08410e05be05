"""The funding work owed to a person (待办, R12): a lead university's finance contact closes
last month's ledger (月结) in the course of this month."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from handinhand.core.inbox import WorkItem, WorkSource, register_work
from handinhand.core.scope import get_scope
from handinhand.funding.models import Allocation, MonthClose
from handinhand.orgs.models import University


def _last_month(today: dt.date) -> tuple[int, int]:
    return (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)


def close_pending(user: Any, today: dt.date) -> QuerySet[University]:
    """The user's universities funded for last month's year whose last month is not closed."""
    units = get_scope(user).unit_ids
    if not units:
        return University.objects.none()
    year, month = _last_month(today)
    closed = MonthClose.objects.filter(university=OuterRef("pk"), year=year, month=month)
    funded = Allocation.objects.filter(university=OuterRef("pk"), year=year)
    return (
        University.objects.filter(unit__in=sorted(units))
        .filter(Exists(funded))
        .exclude(Exists(closed))
    )


def close_items(user: Any, today: dt.date) -> list[WorkItem]:
    year, month = _last_month(today)
    due = dt.date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
    return [
        WorkItem(
            source="funding.month_close",
            key=f"university:{u.pk}:{year}-{month}",
            title=_("%(year)s年%(month)s月经费月结") % {"year": year, "month": month},
            url=reverse("funding:university", args=[u.pk]),
            due=due,
            subject=u.name,
        )
        for u in close_pending(user, today).order_by("code")
    ]


def register() -> None:
    register_work(WorkSource("funding.month_close", _lazy("经费保障"), close_items, close_pending))
