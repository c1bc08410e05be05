"""Who may do what in reports (DESIGN §7): the predicates views, services and the API ask.

What a user sees is scope (visible_to / the scope registry), not decided here."""

from __future__ import annotations

from django.db.models import Q

from handinhand.accounts.models import User
from handinhand.core.scope import get_scope
from handinhand.programme.models import GroupLevel, GuidanceGroup, MemberRole, Membership
from handinhand.reports.models import OPEN_STATUSES, AnnualReport


def can_generate(actor: User) -> bool:
    return get_scope(actor).everything


def is_leader(actor: User, group: GuidanceGroup) -> bool:
    """The group's leader (组长 in office) writes and submits its report."""
    return (
        Membership.objects.current()
        .filter(group=group, user_id=getattr(actor, "pk", None) or 0, role=MemberRole.LEADER)
        .exists()
    )


def is_department(actor: User, group: GuidanceGroup) -> bool:
    """The education department of the group's level: the province admin for provincial
    groups; the bureau of the group's own region for city and county groups."""
    scope = get_scope(actor)
    if group.level == GroupLevel.PROVINCE:
        return scope.everything
    return "region_staff" in scope.roles and group.region.path in scope.staff_paths


def department_q(actor: User) -> Q:
    """Reports whose receiving department is the actor (the same rule as is_department)."""
    scope = get_scope(actor)
    query = Q(group__level=GroupLevel.PROVINCE) if scope.everything else Q(pk__in=[])
    if "region_staff" in scope.roles:
        query |= Q(group__level__in=[GroupLevel.CITY, GroupLevel.COUNTY]) & Q(
            group__region__path__in=scope.staff_paths
        )
    return query


def can_edit(actor: User, report: AnnualReport) -> bool:
    return report.status in OPEN_STATUSES and is_leader(actor, report.group)
