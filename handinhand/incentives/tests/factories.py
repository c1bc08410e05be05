"""Shared set-ups of the assessment tests on the fixed cast: the 南昌大学 unit with a unit
contact, a fuller 南昌大学 group (five members, so that one 优秀 fits the 30 % cap), and a year
walked to any step of the workflow."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from handinhand.accounts.models import Role, RoleAssignment, User
from handinhand.conftest import make_user
from handinhand.core.scope import reset_scope
from handinhand.incentives import services
from handinhand.incentives.models import Assessment, AssessmentYear, Priority, YearStatus
from handinhand.orgs.models import Unit, UnitKind
from handinhand.programme.models import MemberRole, Membership

LAST_YEAR = timezone.localdate().year - 1


def ncu_unit(cast: Any) -> Unit:
    """南昌大学 as a unit, its group's people in it, and `cast.unit_contact` its contact."""
    unit, created = Unit.objects.get_or_create(
        name="南昌大学",
        defaults={"kind": UnitKind.UNIVERSITY, "university": cast.universities["ncu"]},
    )
    if created:
        User.objects.filter(memberships__group=cast.groups["ncu"]).update(unit=unit)
        contact = make_user("unit_contact", "南大组织部联络人")
        RoleAssignment.objects.create(user=contact, role=Role.UNIT_CONTACT, unit=unit)
        cast.unit_contact = contact
        for user in cast.users().values():
            user.refresh_from_db(fields=["unit"])
            reset_scope(user)
    return unit


def more_members(cast: Any, n: int = 3) -> list[User]:
    people = []
    for i in range(n):
        user = make_user(f"ncu_extra_{i}", f"南大指导员{i}")
        Membership.objects.create(
            group=cast.groups["ncu"],
            user=user,
            role=MemberRole.INSTRUCTOR,
            term_start=dt.date(2024, 3, 1),
        )
        people.append(user)
    return people


def open_year(cast: Any, year: int = LAST_YEAR, extra: int = 3) -> AssessmentYear:
    ncu_unit(cast)
    if extra:
        more_members(cast, extra)
    return services.year_open(actor=cast.province_admin, year=year)


def record(year: AssessmentYear, user: User) -> Assessment:
    return Assessment.objects.select_related("year", "user", "group").get(year=year, user=user)


def walk(cast: Any, a: Assessment, *, to: str, grade: str = "合格", reason: str = "") -> Assessment:
    """Move one record through the workflow up to `to` (submitted / proposed / confirmed)."""
    from handinhand.incentives.access import can_propose

    proposer = cast.leader if can_propose(cast.leader, a) else cast.province_admin
    a = services.assessment_summarise(
        actor=a.user, assessment=a, text="本年度到校指导12次。", submit=True, expected_version=None
    )
    if to == "submitted":
        return a
    a = services.assessment_propose(
        actor=proposer, assessment=a, grade=grade, comment=reason, expected_version=None
    )
    if to == "proposed":
        return a
    return services.assessment_confirm(actor=cast.province_admin, assessment=a, reason=reason)


def confirmed_year(cast: Any, *, top_for: User | None = None) -> AssessmentYear:
    """Every participant confirmed: `top_for` (default the instructor) 优秀, others 合格."""
    year = open_year(cast)
    top_for = top_for or cast.instructor
    for a in (
        Assessment.objects.filter(year=year)
        .exclude(status="exempt")
        .select_related("year", "user", "group")
    ):
        walk(cast, a, to="confirmed", grade="优秀" if a.user_id == top_for.pk else "合格")
    year.refresh_from_db()
    return year


def publicised_year(cast: Any) -> AssessmentYear:
    year = confirmed_year(cast)
    return services.year_publicise(actor=cast.province_admin, year=year)


def final_year(cast: Any) -> AssessmentYear:
    year = publicised_year(cast)
    # Publicity ended yesterday: finalising is allowed today.
    AssessmentYear.objects.filter(pk=year.pk).update(
        publicity_start=timezone.localdate() - dt.timedelta(days=10),
        publicity_end=timezone.localdate() - dt.timedelta(days=1),
    )
    year.refresh_from_db()
    year = services.year_finalise(actor=cast.province_admin, year=year)
    assert year.status == YearStatus.FINAL
    return year


def a_priority(cast: Any) -> Priority:
    final_year(cast)
    return Priority.objects.filter(user=cast.instructor).order_by("pk").first()  # type: ignore[return-value]
