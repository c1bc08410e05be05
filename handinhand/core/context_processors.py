from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from handinhand.core.policy import get_policy
from handinhand.core.scope import get_scope


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"programme_name": get_policy().name}
    return {"scope": get_scope(user), "programme_name": get_policy().name}
