"""The work of 遴选与聘任 in the inbox (待办): the approver's nominations waiting for a decision,
the nominator's returned nominations, and each appointee's letter until they download it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from handinhand.appointments import access
from handinhand.appointments.models import (
    AppointmentLetter,
    LetterKind,
    Nomination,
    NominationSet,
    NominationStatus,
)
from handinhand.core.inbox import WorkItem, WorkSource, register_work
from handinhand.core.scope import get_scope


def approve_pending(user: Any, today: dt.date) -> QuerySet[NominationSet]:
    if not get_scope(user).is_business:
        return NominationSet.objects.none()
    waiting = Nomination.objects.filter(status=NominationStatus.PENDING).values("nomination_set_id")
    return (
        NominationSet.objects.visible_to(user)
        .filter(access.approvable_q(user))
        .filter(pk__in=waiting)
    )


def approve_items(user: Any, today: dt.date) -> list[WorkItem]:
    return [
        WorkItem(
            source="appointments.approve",
            key=f"set:{s.pk}",
            title=_("审批党建指导员推荐"),
            url=reverse("appointments:set_detail", args=[s.pk]),
            subject=f"{s.group.name} · {s.unit.name}",
        )
        for s in approve_pending(user, today).select_related("group", "unit").order_by("pk")
    ]


def _nominator_q(user: Any) -> Any:
    from django.db.models import Q

    scope = get_scope(user)
    query = Q(nomination_set__unit_id__in=sorted(scope.unit_ids))
    for path in scope.staff_paths:
        query |= Q(nomination_set__group__region__path=path) & ~Q(
            nomination_set__group__level="province"
        )
    return query


def returned_pending(user: Any, today: dt.date) -> QuerySet[Nomination]:
    scope = get_scope(user)
    if not (scope.unit_ids or scope.staff_paths):
        return Nomination.objects.none()
    return Nomination.objects.visible_to(user).filter(
        _nominator_q(user), status=NominationStatus.RETURNED
    )


def returned_items(user: Any, today: dt.date) -> list[WorkItem]:
    return [
        WorkItem(
            source="appointments.returned",
            key=f"nomination:{n.pk}",
            title=_("修改被退回的提名"),
            url=reverse("appointments:nomination_edit", args=[n.pk]),
            subject=f"{n.user} · {n.nomination_set.group.name}",
            reason=_("%(why)s（%(who)s）") % {"who": n.returned_by or "", "why": n.return_reason},
        )
        for n in returned_pending(user, today)
        .select_related("user", "nomination_set__group", "returned_by")
        .order_by("pk")
    ]


def letters_pending(user: Any, today: dt.date) -> QuerySet[AppointmentLetter]:
    pk = getattr(user, "pk", None)
    # A 聘书 appoints its person to a group: only members of a group have one (no query for
    # everyone else, the province's inbox among them).
    if not pk or not get_scope(user).group_ids:
        return AppointmentLetter.objects.none()
    return AppointmentLetter.objects.filter(
        user_id=pk, kind=LetterKind.PERSON, received_at__isnull=True
    )


def letter_items(user: Any, today: dt.date) -> list[WorkItem]:
    return [
        WorkItem(
            source="appointments.letter",
            key=f"letter:{letter.pk}",
            title=_("下载聘书"),
            url=reverse("appointments:letter_download", args=[letter.pk]),
            subject=f"{letter.content.get('group', '')} · {letter.number}",
        )
        for letter in letters_pending(user, today).order_by("pk")
    ]


def register() -> None:
    register_work(
        WorkSource("appointments.approve", _lazy("遴选聘任"), approve_items, approve_pending)
    )
    register_work(
        WorkSource("appointments.returned", _lazy("遴选聘任"), returned_items, returned_pending)
    )
    register_work(
        WorkSource("appointments.letter", _lazy("遴选聘任"), letter_items, letters_pending)
    )
