"""Who may publish notices, for which bureau, and who reads the receipts. Scope itself lives in
the scope registry; these rules only say which side of a notice a person is on."""

from __future__ import annotations

from typing import Any

from handinhand.core.policy import get_policy
from handinhand.core.scope import get_scope
from handinhand.notices.models import Notice


def _code(path: str) -> str:
    return path.strip("/").split("/")[-1]


def own_bureau_codes(user: Any) -> set[str]:
    """The regions whose bureau the user speaks for: the province for its admin, the city or
    county a region staff member works for."""
    scope = get_scope(user)
    codes = {_code(p) for p in scope.staff_paths if "region_staff" in scope.roles}
    if scope.everything:
        codes.add(get_policy().province_code)
    return codes


def can_publish(user: Any) -> bool:
    """The province, a city or a county publishes (R4's three levels)."""
    return bool(own_bureau_codes(user))


def publisher_paths(user: Any) -> list[str]:
    """Region subtrees a publisher may address ("" for the whole province)."""
    scope = get_scope(user)
    if scope.everything:
        return [""]
    return list(scope.staff_paths) if "region_staff" in scope.roles else []


def publisher_region_code(user: Any) -> str | None:
    """The bureau a new notice is published for: the province, else the highest region the
    person works for (a city before one of its counties)."""
    scope = get_scope(user)
    if scope.everything:
        return get_policy().province_code
    paths = sorted(publisher_paths(user), key=lambda p: (p.count("/"), p))
    return _code(paths[0]) if paths else None


def can_edit(user: Any, notice: Notice) -> bool:
    """The bureau that published a notice edits it (the publisher or a colleague)."""
    return notice.publisher_id == getattr(user, "pk", None) or (
        notice.publisher_region_id in own_bureau_codes(user)
    )


def can_see_receipts(user: Any, notice: Notice) -> bool:
    """Read receipts belong to the publishing side and to the province."""
    return get_scope(user).everything or can_edit(user, notice)


def can_remind(user: Any, notice: Notice) -> bool:
    return can_edit(user, notice)
