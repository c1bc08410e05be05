"""Who may do what in guidance (DESIGN §7): the predicates views, services and the API ask.

What a user sees is scope (visible_to / the scope registry), not decided here."""

from __future__ import annotations

from handinhand.accounts.models import User
from handinhand.core.scope import get_scope
from handinhand.guidance.models import Visit
from handinhand.programme.models import GuidanceGroup


def can_record_for(actor: User, group: GuidanceGroup) -> bool:
    return group.pk in get_scope(actor).group_ids


def can_manage_visit(actor: User, visit: Visit) -> bool:
    """The group that made a visit keeps its record; nobody else edits it."""
    return visit.group_id in get_scope(actor).group_ids


def is_school_user_of(actor: User, school_id: int) -> bool:
    return get_scope(actor).is_own_school(school_id)


def can_publish_for(actor: User, university_id: int) -> bool:
    """Members of a group the university leads publish its materials (they are its staff)."""
    return university_id in get_scope(actor).university_ids


def is_instructor(user: User) -> bool:
    return bool(get_scope(user).group_ids)


def can_publish_resources(actor: User) -> bool:
    """Members of a group led by some university publish resources for it (can_publish_for)."""
    return bool(get_scope(actor).university_ids)
