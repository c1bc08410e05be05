"""Reads of research calls, each starting from visible_to(user)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from handinhand.accounts.models import User
from handinhand.core.scope import get_scope
from handinhand.research.eligibility import describe, memberships_on
from handinhand.research.models import (
    AppStatus,
    ResearchApplication,
    ResearchCall,
    ReviewAssignment,
    TeamMember,
)


def calls_for_list(user: User) -> QuerySet[ResearchCall]:
    return ResearchCall.objects.visible_to(user).annotate(
        submitted=Count("applications", filter=~Q(applications__status=AppStatus.DRAFT)),
        approved_count=Count("applications", filter=Q(applications__status=AppStatus.APPROVED)),
    )


def applications_for_list(user: User) -> QuerySet[ResearchApplication]:
    """Applications listed with names: the applicant's and team's own, the unit contact's
    unit's, or all for the province. A reviewer's assignments have their own (blind) list."""
    scope = get_scope(user)
    qs = ResearchApplication.objects.visible_to(user)
    if not scope.everything:
        pk = getattr(user, "pk", None) or 0
        qs = qs.filter(
            Q(applicant_id=pk)
            | Q(pk__in=TeamMember.objects.filter(user_id=pk).values("application_id"))
            | (Q(unit_id__in=scope.unit_ids) & ~Q(status=AppStatus.DRAFT))
        )
    return qs.select_related("call", "applicant", "unit")


def application_detail_qs(user: User) -> QuerySet[ResearchApplication]:
    return ResearchApplication.objects.visible_to(user).select_related(
        "call", "applicant", "unit", "recommended_by", "overridden_by"
    )


def reviews_for(user: User) -> QuerySet[ReviewAssignment]:
    """A reviewer's own assignments (only these, whatever else they may see)."""
    return (
        ReviewAssignment.objects.filter(reviewer_id=getattr(user, "pk", None) or 0)
        .select_related("application__call")
        .order_by("submitted_at", "application__call_id", "pk")
    )


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    text: str
    evidence: list[dict[str, Any]]
    final: bool  # judged at ranking (stored) rather than live


def eligibility_of(application: ResearchApplication) -> Eligibility:
    """As stored at ranking, or — before — judged now for the deadline date."""
    call = application.call
    if call.ranked_at is not None and application.status != AppStatus.DRAFT:
        evidence = list(application.eligibility_evidence or [])
        return Eligibility(bool(evidence), describe(evidence, call.deadline), evidence, True)
    evidence = memberships_on([application.applicant_id], call.deadline)[application.applicant_id]
    return Eligibility(bool(evidence), describe(evidence, call.deadline), evidence, False)


def decision_rows(call: ResearchCall) -> list[ResearchApplication]:
    """The proposed list of a ranked call, approved first by pool and place (one query)."""
    order = {"separate": 0, "general": 1, "": 2}
    rows: list[ResearchApplication] = list(
        ResearchApplication.objects.filter(call=call)
        .filter(status__in=[AppStatus.RECOMMENDED, AppStatus.APPROVED, AppStatus.REJECTED])
        .select_related("applicant", "unit", "overridden_by")
        .annotate(reviews_done=Count("reviews", filter=Q(reviews__submitted_at__isnull=False)))
    )
    rows.sort(
        key=lambda r: (
            not r.approved,
            order.get(r.proposed_pool, 2),
            r.proposed_rank or 10**9,
            -(r.score or 0),
            r.pk,
        )
    )
    return rows


def call_counts(call: ResearchCall) -> dict[str, int]:
    counts = dict(call.applications.order_by().values_list("status").annotate(n=Count("pk")))
    return {str(label): counts.get(value, 0) for value, label in AppStatus.choices}
