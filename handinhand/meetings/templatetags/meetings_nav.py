"""The to-do badge of the navigation: one COUNT on an indexed column per page."""

from __future__ import annotations

from typing import Any

from django import template

from handinhand.meetings.selectors import open_todo_count

register = template.Library()


@register.simple_tag(takes_context=True)
def todo_count(context: Any) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return open_todo_count(user)
