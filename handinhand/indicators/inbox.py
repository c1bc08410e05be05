"""The evaluation work owed to a person (待办): a school's self-assessment to fill or resubmit,
an instructor's reviews, a leader's confirmations. Derived from the evaluations' state, read
through `visible_to`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from handinhand.core.inbox import WorkItem, WorkSource, register_work
from handinhand.core.scope import get_scope
from handinhand.indicators.models import CycleStatus, Evaluation
from handinhand.indicators.models import EvaluationStatus as S
from handinhand.programme.models import DistrictSchool, Membership

SELF_STATES = (S.NOT_STARTED, S.DRAFT, S.RETURNED)


def _open(user: Any) -> QuerySet[Evaluation]:
    return Evaluation.objects.visible_to(user).filter(cycle__status=CycleStatus.OPEN)


def self_assessment_pending(user: Any, today: dt.date) -> QuerySet[Evaluation]:
    own = get_scope(user).own_school_ids
    if not own:
        return Evaluation.objects.none()
    return _open(user).filter(school_id__in=sorted(own), status__in=SELF_STATES)


def self_assessment_items(user: Any, today: dt.date) -> list[WorkItem]:
    rows = self_assessment_pending(user, today).select_related("school", "cycle")
    return [
        WorkItem(
            source="indicators.self_assessment",
            key=f"evaluation:{e.pk}",
            title=_("修改并重新提交自评") if e.status == S.RETURNED else _("填写并提交自评"),
            url=e.get_absolute_url(),
            subject=f"{e.school.name} · {e.cycle.name}",
            reason=e.return_reason if e.status == S.RETURNED else "",
        )
        for e in rows.order_by("cycle_id", "pk")
    ]


def review_pending(user: Any, today: dt.date) -> QuerySet[Evaluation]:
    """Submitted self-assessments of the schools in the instructor's districts."""
    if not get_scope(user).group_ids:
        return Evaluation.objects.none()
    schools = DistrictSchool.objects.filter(
        district__instructors__in=Membership.objects.current(today).filter(user=user)
    ).values("school_id")
    return _open(user).filter(status=S.SUBMITTED, school_id__in=schools)


def review_items(user: Any, today: dt.date) -> list[WorkItem]:
    rows = review_pending(user, today).select_related("school", "cycle")
    return [
        WorkItem(
            source="indicators.review",
            key=f"evaluation:{e.pk}",
            title=_("审核学校自评"),
            url=e.get_absolute_url(),
            subject=f"{e.school.name} · {e.cycle.name}",
        )
        for e in rows.order_by("submitted_at", "pk")
    ]


def confirm_pending(user: Any, today: dt.date) -> QuerySet[Evaluation]:
    """Reviewed evaluations of the schools in the districts of the groups the user leads."""
    led = get_scope(user).led_group_ids
    if not led:
        return Evaluation.objects.none()
    schools = DistrictSchool.objects.filter(district__group_id__in=sorted(led)).values("school_id")
    return _open(user).filter(status=S.REVIEWED, school_id__in=schools)


def confirm_items(user: Any, today: dt.date) -> list[WorkItem]:
    rows = confirm_pending(user, today).select_related("school", "cycle")
    return [
        WorkItem(
            source="indicators.confirm",
            key=f"evaluation:{e.pk}",
            title=_("确认评估结果"),
            url=e.get_absolute_url(),
            subject=f"{e.school.name} · {e.cycle.name}",
        )
        for e in rows.order_by("reviewed_at", "pk")
    ]


def register() -> None:
    label = _lazy("学校评估")
    register_work(
        WorkSource(
            "indicators.self_assessment", label, self_assessment_items, self_assessment_pending
        )
    )
    register_work(WorkSource("indicators.review", label, review_items, review_pending))
    register_work(WorkSource("indicators.confirm", label, confirm_items, confirm_pending))
