"""Who may do what with the funds. The province admin allocates and disburses; the finance
contact of a lead university — the unit contact (单位联络人) of the university's unit, which
DESIGN §2 gives "(finance) their university's funding ledger" — records its expenses and closes
its months. Nobody else sees any of it."""

from __future__ import annotations

from handinhand.accounts.models import User
from handinhand.core.scope import get_scope
from handinhand.orgs.models import University


def is_province_admin(user: User) -> bool:
    return get_scope(user).everything


def finance_university_ids(user: User) -> frozenset[int]:
    """The universities whose ledger the user keeps (one query; none without a unit)."""
    unit_ids = get_scope(user).unit_ids
    if not unit_ids:
        return frozenset()
    return frozenset(
        University.objects.filter(unit__in=sorted(unit_ids)).values_list("pk", flat=True)
    )


def can_see_funding(user: User) -> bool:
    return is_province_admin(user) or bool(finance_university_ids(user))


def can_spend(user: User, university_id: int) -> bool:
    return university_id in finance_university_ids(user)


def can_close(user: User, university_id: int) -> bool:
    return can_spend(user, university_id)
