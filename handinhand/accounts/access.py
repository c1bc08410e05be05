"""Who may do what in accounts (DESIGN §7): the predicates views, services and the API ask.

What a user sees is scope (visible_to / the scope registry), not decided here."""

from __future__ import annotations

from handinhand.accounts.models import User
from handinhand.core.scope import get_scope


def can_see_users(user: User) -> bool:
    scope = get_scope(user)
    return scope.can_manage_users or scope.can_manage_roles


def can_manage_users(user: User) -> bool:
    return get_scope(user).can_manage_users


def can_manage_roles(user: User) -> bool:
    return get_scope(user).can_manage_roles
