"""Who may do what in programme (DESIGN §7): the predicates views, services and the API ask.

What a user sees is scope (visible_to / the scope registry), not decided here."""

from __future__ import annotations

from handinhand.accounts.models import User
from handinhand.core.scope import get_scope
from handinhand.programme.models import GroupLevel, GuidanceGroup


def can_manage_group(actor: User, group: GuidanceGroup) -> bool:
    """Province admins manage every group; a city/county bureau its own region's groups; a
    group's leader or deputy its own group."""
    scope = get_scope(actor)
    if scope.everything or group.pk in scope.led_group_ids:
        return True
    return group.level != GroupLevel.PROVINCE and scope.can_edit_region(group.region.path)


def can_create_group(actor: User) -> bool:
    scope = get_scope(actor)
    return scope.everything or bool(scope.staff_paths)


def can_restructure_group(actor: User, group: GuidanceGroup) -> bool:
    """Level, region, lead university and batch: the province admin for every group, a
    bureau for the city and county groups of its own region; a leader never."""
    scope = get_scope(actor)
    if scope.everything:
        return True
    return (
        group.level != GroupLevel.PROVINCE
        and group.region_id is not None
        and scope.can_edit_region(group.region.path)
    )


def is_province_admin(user: User) -> bool:
    return get_scope(user).everything
