"""Every read of 遴选与聘任 starts from the user's scope (`visible_to`)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from handinhand.accounts.models import User
from handinhand.appointments.models import (
    AppointmentLetter,
    Nomination,
    NominationSet,
    NominationStatus,
)


def sets_for_list(user: User) -> QuerySet[NominationSet]:
    return (
        NominationSet.objects.visible_to(user)
        .select_related("group", "unit", "created_by")
        .annotate(
            n_total=Count("nominations"),
            n_pending=Count("nominations", filter=Q(nominations__status=NominationStatus.PENDING)),
            n_returned=Count(
                "nominations", filter=Q(nominations__status=NominationStatus.RETURNED)
            ),
            n_approved=Count(
                "nominations", filter=Q(nominations__status=NominationStatus.APPROVED)
            ),
        )
    )


def visible_sets(user: User) -> QuerySet[NominationSet]:
    return NominationSet.objects.visible_to(user).select_related(
        "group", "group__region", "group__region__parent", "unit", "created_by"
    )


def visible_nominations(user: User) -> QuerySet[Nomination]:
    return Nomination.objects.visible_to(user).select_related(
        "nomination_set",
        "nomination_set__group",
        "nomination_set__group__region",
        "nomination_set__unit",
        "user",
        "returned_by",
        "decided_by",
        "replaces__user",
    )


def letters_for(user: User) -> QuerySet[AppointmentLetter]:
    return AppointmentLetter.objects.visible_to(user).select_related(
        "nomination_set__group", "user"
    )
