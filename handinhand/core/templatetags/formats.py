"""{% load formats %}: `{{ amount|money }}` → ¥15,000.00."""

from __future__ import annotations

from typing import Any

from django import template

from handinhand.core import formats

register = template.Library()


@register.filter
def money(value: Any) -> str:
    return formats.money(value)
