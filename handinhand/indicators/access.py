"""Who may do what in indicators (DESIGN §7): the predicates views, services and the API ask.

What a user sees is scope (visible_to / the scope registry), not decided here."""

from __future__ import annotations

from handinhand.accounts.models import User
from handinhand.core.scope import get_scope


def can_edit_frameworks(actor: User) -> bool:
    return get_scope(actor).everything


def can_see_analytics(user: User) -> bool:
    scope = get_scope(user)
    return scope.everything or bool(scope.staff_paths) or scope.is_instructor
