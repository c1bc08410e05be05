"""Reads of 业务培训, all starting from visible_to(user)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DecimalField,
    ExpressionWrapper,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from handinhand.accounts.models import User
from handinhand.core.policy import get_policy
from handinhand.core.scope import get_scope
from handinhand.programme.models import Membership
from handinhand.training.models import Attendance, TrainingSession

ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=8, decimal_places=1))


def sessions_for_list(user: User) -> QuerySet[TrainingSession]:
    return (
        TrainingSession.objects.visible_to(user)
        .select_related("organiser", "group")
        .annotate(
            attendee_count=Count("attendances", distinct=True),
            material_count=Count("materials", distinct=True),
        )
    )


def session_detail_qs(user: User) -> QuerySet[TrainingSession]:
    return TrainingSession.objects.visible_to(user).select_related("organiser", "group")


def session_attendances(user: User, session: TrainingSession) -> QuerySet[Attendance]:
    return (
        Attendance.objects.visible_to(user)
        .filter(session=session)
        .select_related("user")
        .order_by("user__full_name", "user_id")
    )


def followed_groups_q(user: User) -> Q:
    """Groups whose members' training a user follows (see person_hours)."""
    scope = get_scope(user)
    if scope.everything:
        return Q()
    return Q(group_id__in=scope.led_group_ids) | scope.staff_q("group__region__path")


def person_hours(user: User, year: int) -> QuerySet[User]:
    """Each person the user may follow, with their credited hours in `year` against the policy.

    People followed: everyone for the province admin; the current members of the groups a
    leader (or deputy) leads, or of the groups of a bureau's own region; and always the user."""
    minimum = Decimal(str(get_policy().training.min_hours_per_year))
    members = Membership.objects.current().filter(followed_groups_q(user)).values("user_id")
    hours = Coalesce(
        Sum(
            "training_attendances__hours",
            filter=Q(training_attendances__session__date__year=year),
        ),
        ZERO,
    )
    return (
        User.objects.filter(Q(pk__in=members) | Q(pk=user.pk))
        .annotate(
            year_hours=hours,
            sessions_attended=Count(
                "training_attendances",
                filter=Q(training_attendances__session__date__year=year),
            ),
        )
        .annotate(
            meets_minimum=ExpressionWrapper(
                Case(When(year_hours__gte=minimum, then=Value(True)), default=Value(False)),
                output_field=BooleanField(),
            ),
            status_label=Case(
                When(year_hours__gte=minimum, then=Value(_("已达标"))),
                default=Value(_("未达标")),
                output_field=CharField(),
            ),
            shortfall=Case(
                When(year_hours__gte=minimum, then=ZERO),
                default=Value(minimum) - hours,
                output_field=DecimalField(max_digits=8, decimal_places=1),
            ),
        )
    )


def hours_by_user(year: int, user_ids: Any = None) -> dict[int, Decimal]:
    """Credited hours in `year` per user, in one grouped query (for the annual reports)."""
    attendances = Attendance.objects.filter(session__date__year=year)
    if user_ids is not None:
        attendances = attendances.filter(user_id__in=user_ids)
    rows = attendances.values("user_id").annotate(total=Sum("hours"))
    return {row["user_id"]: row["total"] or Decimal("0") for row in rows}
