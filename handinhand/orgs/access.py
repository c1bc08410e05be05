"""Who may do what in orgs (DESIGN §7): the predicates views, services and the API ask.

What a user sees is scope (visible_to / the scope registry), not decided here."""

from __future__ import annotations

from typing import Any

from handinhand.accounts.models import User
from handinhand.core.scope import get_scope


def can_create_schools(actor: User) -> bool:
    """Province admins and education bureaus maintain school records (form and roster)."""
    scope = get_scope(actor)
    return scope.everything or bool(scope.staff_paths)


def can_edit_school_in(actor: User, county: Any) -> bool:
    return get_scope(actor).can_edit_region(county.path)


def can_edit_universities(actor: User) -> bool:
    """Universities and their recognitions are the Education Work Committee's to maintain."""
    return get_scope(actor).everything
