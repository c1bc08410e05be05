"""Who nominates and who approves, at each level of guidance group (R3, R4; DESIGN §1, §2).

Decision (issue 11 asks to decide it and write it down):

- **Nominator.** A group led by a university (every provincial group, and a city or county
  group with a lead university) is staffed by that university: its unit contact (单位联络人)
  nominates, from the people of its unit. A city or county group is also staffed by the
  education bureau of its own region (staff of exactly that region), from the people of units
  located in the region.
- **Approver: the level above the group.** Provincial groups and city groups are approved by
  the province (省委教育工委, the level above a city); county groups by the education bureau
  of their city (设区市教育局), and the province may act for it. A nominator never approves
  their own nomination, and a county bureau cannot approve its own groups.
- **Issuer.** The letters are signed by the approver: 中共江西省委教育工委 for provincial and
  city groups, the city's education bureau for a county group.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from handinhand.accounts.models import User
from handinhand.appointments.models import Nomination, NominationSet
from handinhand.core.scope import get_scope
from handinhand.orgs.models import Region, RegionLevel, Unit
from handinhand.programme.models import GroupLevel, GuidanceGroup


def is_province_admin(user: User) -> bool:
    return get_scope(user).everything


def _own_region_staff(user: User, group: GuidanceGroup) -> bool:
    return group.level != GroupLevel.PROVINCE and group.region.path in get_scope(user).staff_paths


def nominating_units(user: User, group: GuidanceGroup) -> QuerySet[Unit]:
    """The units on whose behalf `user` may nominate for `group` (none: may not nominate)."""
    scope = get_scope(user)
    units = Unit.objects.none()
    if group.lead_university_id:
        units = Unit.objects.filter(
            university_id=group.lead_university_id, pk__in=sorted(scope.unit_ids)
        )
    if _own_region_staff(user, group):
        path = group.region.path
        units = units | Unit.objects.filter(
            Q(region__path__startswith=path) | Q(university__city__path__startswith=path)
        )
    return units.distinct()


def can_nominate(user: User, group: GuidanceGroup) -> bool:
    return group.is_active and nominating_units(user, group).exists()


def nominatable_groups(user: User) -> QuerySet[GuidanceGroup]:
    """Groups the user may nominate for: led by their unit's university, or of their own
    bureau's region below province."""
    scope = get_scope(user)
    universities = Unit.objects.filter(pk__in=sorted(scope.unit_ids)).values("university_id")
    query = Q(lead_university_id__in=universities)
    if scope.staff_paths:
        query |= ~Q(level=GroupLevel.PROVINCE) & Q(region__path__in=list(scope.staff_paths))
    return GuidanceGroup.objects.filter(query, is_active=True).select_related("region")


def can_edit_set(user: User, nomination_set: NominationSet) -> bool:
    """The nominating side: the unit's contact, or the bureau of the group's own region."""
    scope = get_scope(user)
    return nomination_set.unit_id in scope.unit_ids or _own_region_staff(user, nomination_set.group)


def can_approve(user: User, nomination_set: NominationSet) -> bool:
    group = nomination_set.group
    if nomination_set.created_by_id == user.pk:
        return False
    scope = get_scope(user)
    if scope.everything:
        return True
    if group.level != GroupLevel.COUNTY or group.region.parent_id is None:
        return False
    # The city's bureau (its staff path is the county's parent), not the county itself.
    parent = group.region.parent
    return parent is not None and parent.path in scope.staff_paths


def approvable_q(user: User) -> Q:
    """Sets a user approves, as a filter (the inbox and the list)."""
    scope = get_scope(user)
    if scope.everything:
        return ~Q(created_by_id=user.pk)
    cities = list(
        Region.objects.filter(path__in=list(scope.staff_paths), level=RegionLevel.CITY).values_list(
            "path", flat=True
        )
    )
    if not cities:
        return Q(pk__in=[])
    q = Q(pk__in=[])
    for path in cities:
        q |= Q(group__region__path__startswith=path)
    return q & Q(group__level=GroupLevel.COUNTY) & ~Q(created_by_id=user.pk)


def can_edit_nomination(user: User, nomination: Nomination) -> bool:
    return can_edit_set(user, nomination.nomination_set)
