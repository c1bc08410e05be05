from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from handinhand.core.inbox import cached_count
from handinhand.core.policy import get_policy
from handinhand.core.policy_text import policy_text
from handinhand.core.scope import get_scope


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"programme_name": policy_text(get_policy().name)}
    return {
        "scope": get_scope(user),
        "programme_name": policy_text(get_policy().name),
        # Known already where the page asked the inbox (the inbox page itself): drawn inline.
        # Elsewhere the badge loads by htmx after the page, so no page pays for it.
        "inbox_count": cached_count(user, timezone.localdate()),
    }
