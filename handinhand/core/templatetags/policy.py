"""{% load policy %}: `{{ visit.form|policy_text }}` shows a word of the policy file (a visit
form, a category, a grade) in the reader's language (core/policy_text.py)."""

from __future__ import annotations

from typing import Any

from django import template

from handinhand.core.policy_text import policy_text as _policy_text

register = template.Library()


@register.filter
def policy_text(value: Any) -> Any:
    return _policy_text(value) if isinstance(value, str) else value
