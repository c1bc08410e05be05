"""Who may act at which step of a research call (R11). Scope itself is each model's
visible_to(user); these rules only say which role acts where."""

from __future__ import annotations

from handinhand.accounts.models import User
from handinhand.core.scope import get_scope
from handinhand.research.models import (
    AppStatus,
    CallStatus,
    ResearchApplication,
    ResearchCall,
    ReviewAssignment,
)


def _pk(user: User) -> int | None:
    return getattr(user, "pk", None)


def is_province_admin(user: User) -> bool:
    return get_scope(user).everything


def can_apply(user: User, call: ResearchCall) -> bool:
    return call.is_accepting and get_scope(user).is_business


def can_edit(user: User, application: ResearchApplication) -> bool:
    return (
        application.applicant_id == _pk(user)
        and application.status in (AppStatus.DRAFT, AppStatus.RETURNED)
        and application.call.is_accepting
    )


def can_recommend(user: User, application: ResearchApplication) -> bool:
    """The applicant's unit contact; the province where the applicant has no unit."""
    if application.status != AppStatus.SUBMITTED:
        return False
    if application.unit_id is None:
        return is_province_admin(user)
    return application.unit_id in get_scope(user).unit_ids


def can_assign(user: User, application: ResearchApplication) -> bool:
    return (
        is_province_admin(user)
        and application.status == AppStatus.RECOMMENDED
        and application.call.status != CallStatus.PUBLISHED
    )


def can_review(user: User, review: ReviewAssignment) -> bool:
    return (
        review.reviewer_id == _pk(user)
        and review.application.call.status != CallStatus.PUBLISHED
        and review.application.status == AppStatus.RECOMMENDED
    )


def sees_names(user: User, application: ResearchApplication) -> bool:
    """Names and units are hidden from a reviewer of a blind call; everyone else who sees the
    application sees them (the province, the applicant and team, the unit contact)."""
    if not application.call.blind_review or is_province_admin(user):
        return True
    pk = _pk(user)
    if application.applicant_id == pk or application.unit_id in get_scope(user).unit_ids:
        return True
    return pk is not None and application.team.filter(user_id=pk).exists()


def can_follow_up(user: User, application: ResearchApplication) -> bool:
    return application.applicant_id == _pk(user) and application.status == AppStatus.APPROVED


def can_download_notice(user: User, application: ResearchApplication) -> bool:
    return application.status == AppStatus.APPROVED and sees_names(user, application)
