"""List plumbing shared by the routers: limit/offset pagination and a whitelisted `ordering`
parameter (`name`, `-student_count`, or several separated by commas)."""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from ninja.pagination import LimitOffsetPagination, paginate

M = TypeVar("M", bound=Model)

MAX_LIMIT = 500

# Every list answers {"items": [...], "count": n}; `limit` (default 100, at most 500), `offset`.
paginated = paginate(LimitOffsetPagination, max_limit=MAX_LIMIT)


def order(
    qs: QuerySet[M], ordering: str | None, allowed: dict[str, str], default: str
) -> QuerySet[M]:
    """Order by the client's choice among `allowed` (API name → model lookup), then by pk so
    that pages never overlap."""
    keys = [k.strip() for k in (ordering or default).split(",") if k.strip()]
    lookups: list[str] = []
    for key in keys:
        name = key.lstrip("-")
        if name not in allowed:
            raise ValidationError(
                {
                    "ordering": [
                        _("不支持的排序字段：%(name)s。可选：%(options)s")
                        % {"name": name, "options": "、".join(sorted(allowed))}
                    ]
                }
            )
        lookups.append(("-" if key.startswith("-") else "") + allowed[name])
    return qs.order_by(*lookups, "pk")


def ordering_help(allowed: dict[str, str]) -> str:
    """The `ordering` parameter's description in the OpenAPI document."""
    return "排序字段，前加 - 表示倒序，多个用逗号分隔。可选：" + "、".join(sorted(allowed))
