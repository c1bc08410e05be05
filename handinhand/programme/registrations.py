"""What the programme provides to the layers below it, registered at start-up.

core's scope computation, and the groups, pairings and memberships that organisation and
account pages show, are programme data; core, orgs and accounts declare slots for them
(core.registry) and this fills them, from ProgrammeConfig.ready().
"""

from __future__ import annotations

from django.db.models import QuerySet

from handinhand.accounts import hooks as accounts_hooks
from handinhand.accounts.models import User
from handinhand.core.scope import scope_computation
from handinhand.orgs import hooks as orgs_hooks
from handinhand.programme.models import GuidanceGroup, Membership, Pairing
from handinhand.programme.scope import compute_scope
from handinhand.programme.selectors import school_programme


def _visible_groups(user: User) -> QuerySet[GuidanceGroup]:
    return GuidanceGroup.objects.visible_to(user)


def _visible_pairings(user: User) -> QuerySet[Pairing]:
    return Pairing.objects.visible_to(user)


def _current_memberships() -> QuerySet[Membership]:
    return Membership.objects.current()


def register() -> None:
    scope_computation.set(compute_scope)
    orgs_hooks.visible_groups.set(_visible_groups)
    orgs_hooks.visible_pairings.set(_visible_pairings)
    orgs_hooks.school_programme.set(school_programme)
    accounts_hooks.current_memberships.set(_current_memberships)
