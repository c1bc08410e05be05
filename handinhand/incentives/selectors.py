"""Reads of the assessment, each starting from visible_to(user) or from an access rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from handinhand.accounts.models import User
from handinhand.incentives import access
from handinhand.incentives.evidence import evidence_rows
from handinhand.incentives.models import (
    Assessment,
    AssessmentStatus,
    AssessmentYear,
    Letter,
    Priority,
    PriorityStatus,
)
from handinhand.orgs.models import Unit


def years_for_list(user: User) -> QuerySet[AssessmentYear]:
    return AssessmentYear.objects.visible_to(user).annotate(
        participants=Count("assessments", filter=~Q(assessments__status=AssessmentStatus.EXEMPT))
    )


def assessments_for_list(user: User) -> QuerySet[Assessment]:
    return Assessment.objects.visible_to(user).select_related("year", "user", "group", "unit")


def assessment_detail_qs(user: User) -> QuerySet[Assessment]:
    return Assessment.objects.visible_to(user).select_related(
        "year", "user", "group", "unit", "proposed_by", "confirmed_by"
    )


def evidence_links(assessment: Assessment) -> dict[str, str]:
    """The lists behind the figures, narrowed to the group and year where they can be."""
    year, group = assessment.year.year, assessment.group_id
    span = {"date_from": f"{year}-01-01", "date_to": f"{year}-12-31"}
    return {
        "visits": reverse("guidance:visit_list") + "?" + urlencode({"group": group, **span}),
        "findings": reverse("guidance:finding_list"),
        "evaluations": reverse("indicators:evaluation_list"),
        "meetings": reverse("meetings:meeting_list") + "?" + urlencode({"group": group}),
        "training": reverse("training:session_list"),
        "compliance": reverse("meetings:compliance"),
        "reports": reverse("reports:report_list") + "?" + urlencode({"year": year}),
    }


def evidence_for_page(assessment: Assessment) -> list[tuple[str, Any, str]]:
    return evidence_rows(assessment.evidence or {}, evidence_links(assessment))


def publicity_rows(user: User, year: AssessmentYear) -> QuerySet[Assessment] | None:
    """The result list in publicity and after, for those who may see it; None otherwise."""
    if not access.can_see_publicity(user, year):
        return None
    return (
        Assessment.objects.filter(year=year, status=AssessmentStatus.CONFIRMED)
        .select_related("user", "group", "unit")
        .annotate(objection_count=Count("objections"))
        .order_by("group_id", "user__full_name", "pk")
    )


def priorities_for_list(user: User) -> QuerySet[Priority]:
    return Priority.objects.visible_to(user).select_related(
        "user", "unit", "assessment__year", "recorded_by"
    )


@dataclass(frozen=True)
class UnitCounts:
    unit: Unit
    total: int
    applied: int
    not_applied: int
    open: int

    @property
    def honoured_share(self) -> str:
        return f"{100 * self.applied / self.total:.0f}%" if self.total else "—"


def unit_honoured_counts(user: User) -> list[UnitCounts]:
    """Per unit, its people's priorities and how many were honoured (one grouped query)."""
    live = ~Q(priorities__status=PriorityStatus.REVOKED)
    units = (
        Unit.objects.visible_to(user)
        .annotate(
            total=Count("priorities", filter=live),
            applied=Count("priorities", filter=Q(priorities__status=PriorityStatus.APPLIED)),
            not_applied=Count(
                "priorities", filter=Q(priorities__status=PriorityStatus.NOT_APPLIED)
            ),
            open=Count("priorities", filter=Q(priorities__status=PriorityStatus.OPEN)),
        )
        .filter(total__gt=0)
        .order_by("-total", "name")
    )
    return [
        UnitCounts(
            unit=u,
            total=u.total,  # type: ignore[attr-defined]
            applied=u.applied,  # type: ignore[attr-defined]
            not_applied=u.not_applied,  # type: ignore[attr-defined]
            open=u.open,  # type: ignore[attr-defined]
        )
        for u in units
    ]


def my_history(user: User) -> tuple[list[Assessment], list[Priority]]:
    assessments = list(
        Assessment.objects.filter(user_id=user.pk)
        .select_related("year", "group")
        .order_by("-year__year")
    )
    priorities = list(
        Priority.objects.filter(user_id=user.pk)
        .select_related("assessment__year", "unit")
        .order_by("-valid_from", "area")
    )
    return assessments, priorities


@dataclass(frozen=True)
class Verified:
    name: str
    year: int
    grade: str
    areas: list[str]


def verify_letter(number: str, code: str) -> Verified | None:
    """What a letter's holder may learn: name, year, grade, areas — nothing else. A missing
    number and a wrong code give the same None."""
    letter = (
        Letter.objects.filter(number=number.strip(), code=code.strip().upper())
        .select_related("assessment__user", "assessment__year")
        .first()
    )
    if letter is None:
        return None
    a = letter.assessment
    areas = list(
        a.priorities.exclude(status=PriorityStatus.REVOKED)
        .order_by("pk")
        .values_list("area", flat=True)
    )
    return Verified(
        name=a.user.full_name or str(a.user), year=a.year.year, grade=a.grade, areas=areas
    )


def assessment_counts(group_ids: list[int], year: int) -> dict[int, dict[str, Any]]:
    """The year's assessment of each group's members for its annual report (R10 point 7), in
    one grouped query: the year's status, how many took part, were exempt, and, once the
    results are public (公示 or final), how many got each grade. Groups not assessed that year
    are absent, so their reports have no assessment section."""
    from handinhand.core.policy import get_policy
    from handinhand.incentives.models import YearStatus

    rows = (
        Assessment.objects.filter(group_id__in=group_ids, year__year=year)
        .values_list("group_id", "year__status", "status", "grade")
        .annotate(n=Count("pk"))
        .order_by()
    )
    policy_grades = get_policy().assessment.grades
    counts: dict[int, dict[str, Any]] = {}
    for group_id, year_status, status, grade, n in rows:
        public = year_status in (YearStatus.PUBLICITY, YearStatus.FINAL)
        fig = counts.setdefault(
            group_id,
            {
                "status": str(YearStatus(year_status).label),
                "public": public,
                "participants": 0,
                "exempt": 0,
                "grades": dict.fromkeys(policy_grades, 0) if public else {},
            },
        )
        if status == AssessmentStatus.EXEMPT:
            fig["exempt"] += n
            continue
        fig["participants"] += n
        if public and status == AssessmentStatus.CONFIRMED and grade:
            fig["grades"][grade] = fig["grades"].get(grade, 0) + n
    return counts
