"""Who may do what in the assessment (R10). Scope itself lives in the scope registry; these
rules only say which role acts at which step."""

from __future__ import annotations

from handinhand.accounts.models import User
from handinhand.core.scope import get_scope
from handinhand.incentives.models import Assessment, AssessmentYear, Priority, YearStatus
from handinhand.programme.models import MemberRole, Membership


def is_province_admin(user: User) -> bool:
    return get_scope(user).everything


def can_summarise(user: User, assessment: Assessment) -> bool:
    return assessment.user_id == getattr(user, "pk", None)


def group_leader_id(group_id: int) -> int | None:
    return (
        Membership.objects.current()
        .filter(group_id=group_id, role=MemberRole.LEADER)
        .values_list("user_id", flat=True)
        .first()
    )


def can_propose(user: User, assessment: Assessment) -> bool:
    """The group's leader proposes for the members. Where nobody in the group is above the
    person — the leader's own record, or a group without a leader in office — the provincial
    group proposes."""
    if assessment.user_id == getattr(user, "pk", None):
        return False
    leader = group_leader_id(assessment.group_id)
    if leader is not None and leader == getattr(user, "pk", None):
        return True
    return is_province_admin(user) and leader in (None, assessment.user_id)


def can_return(user: User, assessment: Assessment) -> bool:
    return is_province_admin(user) or can_propose(user, assessment)


def can_see_publicity(user: User, year: AssessmentYear) -> bool:
    """The result list in publicity and after: the province and the instructors of the
    assessed groups (and the assessed people themselves)."""
    if year.status == YearStatus.OPEN:
        return False
    scope = get_scope(user)
    if scope.everything:
        return True
    if not scope.is_business:
        return False
    from django.db.models import Q

    return (
        Assessment.objects.filter(year=year)
        .filter(Q(group_id__in=scope.group_ids) | Q(user_id=getattr(user, "pk", None) or 0))
        .exists()
    )


def can_record(user: User, priority: Priority) -> bool:
    """The unit contact (单位联络人) of the person's unit records how a priority was applied."""
    return priority.unit_id is not None and priority.unit_id in get_scope(user).unit_ids
