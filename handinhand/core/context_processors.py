from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from handinhand.core.inbox import inbox_count
from handinhand.core.policy import get_policy
from handinhand.core.scope import get_scope


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"programme_name": get_policy().name}

    def count() -> int:
        # A callable: the template calls it only where the badge is drawn, and inbox_count
        # caches per request, so the badge costs one COUNT (none on the inbox page itself).
        return inbox_count(user, timezone.localdate())

    return {"scope": get_scope(user), "programme_name": get_policy().name, "inbox_count": count}
