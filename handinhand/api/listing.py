"""List plumbing shared by the routers: limit/offset pagination, a whitelisted `ordering`
parameter (`name`, `-student_count`; repeated for several keys) and
the id parameters, bounded to what the databases store (1 … 2^63 - 1): beyond that SQLite
raised OverflowError, a 500, where the client deserves a 422."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.params.functions import Path, Query
from pydantic import BeforeValidator

M = TypeVar("M", bound=Model)

MAX_LIMIT = 500
MAX_ID = 2**63 - 1  # the largest BigAutoField value on SQLite and PostgreSQL alike


def id_query(description: str) -> Any:
    """An optional id filter in the query string, 1 … 2^63 - 1."""
    return Query(None, ge=1, le=MAX_ID, description=description)


# An id in the path, 1 … 2^63 - 1.
IdPath = Annotated[int, Path(..., ge=1, le=MAX_ID)]


def _split_commas(value: Any) -> Any:
    values = value if isinstance(value, list) else [value]
    return [part.strip() for v in values for part in str(v).split(",") if part.strip()]


def ordering_type(allowed: dict[str, str]) -> Any:
    """`ordering` as the list of enumerated keys it is (each key, and each with "-"), given
    comma-separated (`-student_count,name`, OpenAPI's form style without explode) or with the
    parameter repeated. Routers alias it to `list[str]` for the type checker."""
    values = tuple(v for key in sorted(allowed) for v in (key, f"-{key}"))
    return Annotated[list[Literal[values]], BeforeValidator(_split_commas)]  # type: ignore[valid-type]


def ordering_query(allowed: dict[str, str]) -> Any:
    return Query(None, description=ordering_help(allowed))


# Every list answers {"items": [...], "count": n}; `limit` (default 100, at most 500), `offset`.
paginated = paginate(LimitOffsetPagination, max_limit=MAX_LIMIT)


def order(
    qs: QuerySet[M], ordering: str | list[str] | None, allowed: dict[str, str], default: str
) -> QuerySet[M]:
    """Order by the client's choice among `allowed` (API name → model lookup), then by pk so
    that pages never overlap."""
    if isinstance(ordering, list):
        ordering = ",".join(ordering)
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
    return "排序字段，前加 - 表示倒序；按多个字段排序时重复该参数。可选：" + "、".join(
        sorted(allowed)
    )
