"""Who may do what in training (DESIGN §7): the predicates views, services and the API ask.

What a user sees is scope (visible_to / the scope registry), not decided here."""

from __future__ import annotations

from handinhand.accounts.models import User
from handinhand.core.scope import get_scope
from handinhand.training.models import TrainingSession


def can_create_session(actor: User) -> bool:
    scope = get_scope(actor)
    return scope.everything or bool(scope.led_group_ids)


def can_manage_session(actor: User, session: TrainingSession) -> bool:
    scope = get_scope(actor)
    return scope.everything or (
        session.group_id is not None and session.group_id in scope.led_group_ids
    )
