"""What the programme provides to the layers below it, registered at start-up.

core's scope computation, and the groups, pairings and memberships that organisation and
account pages show, are programme data; core, orgs and accounts declare slots for them
(core.registry) and this fills them, from ProgrammeConfig.ready().
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save

from handinhand.accounts import hooks as accounts_hooks
from handinhand.accounts.models import RoleAssignment, User
from handinhand.core.scope import bump_scope_version, scope_computation
from handinhand.orgs import hooks as orgs_hooks
from handinhand.programme.models import (
    District,
    DistrictSchool,
    GuidanceGroup,
    Membership,
    Pairing,
)
from handinhand.programme.scope import compute_scope
from handinhand.programme.selectors import school_programme


def _visible_groups(user: User) -> QuerySet[GuidanceGroup]:
    return GuidanceGroup.objects.visible_to(user)


def _visible_pairings(user: User) -> QuerySet[Pairing]:
    return Pairing.objects.visible_to(user)


def _current_memberships() -> QuerySet[Membership]:
    return Membership.objects.current()


def _scope_changed(**_kwargs: Any) -> None:
    bump_scope_version()


# Every row a scope is computed from: a save or delete of any of them makes cached scopes stale.
# The services call reset_scope too; the signals also catch the seed, factories and the admin.
# (bulk_create and queryset.update() send no signal: the services that use them bump by hand.)
# User is not among them: a login saves last_login, and would empty everybody's cache each time
# (a deactivated user is refused by authentication before any scope is asked).
SCOPE_SOURCES = (RoleAssignment, Membership, Pairing, GuidanceGroup, DistrictSchool)


def register() -> None:
    scope_computation.set(compute_scope)
    for model in SCOPE_SOURCES:
        post_save.connect(_scope_changed, sender=model, dispatch_uid=f"scope-{model.__name__}")
        post_delete.connect(_scope_changed, sender=model, dispatch_uid=f"scope-d-{model.__name__}")
    m2m_changed.connect(
        _scope_changed, sender=District.instructors.through, dispatch_uid="scope-instructors"
    )
    orgs_hooks.visible_groups.set(_visible_groups)
    orgs_hooks.visible_pairings.set(_visible_pairings)
    orgs_hooks.school_programme.set(school_programme)
    accounts_hooks.current_memberships.set(_current_memberships)
