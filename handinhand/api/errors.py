"""Every error the API answers, as JSON with a Chinese `detail` (and `errors` per field for
422), the same answers the pages give: 404 for missing and out of scope alike, 409 for a
stale version."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from handinhand.core.exceptions import CONFLICT_MESSAGE, ConflictError, PermissionDeniedError

ALL = "__all__"


def not_found_message() -> str:
    return _("未找到")


def django_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    """message_dict of a service's ValidationError, with non-field errors under __all__."""
    if hasattr(exc, "error_dict"):
        return {
            (ALL if field == NON_FIELD_ERRORS else field): [str(m) for m in messages]
            for field, messages in exc.message_dict.items()
        }
    return {ALL: [str(m) for m in exc.messages]}


def _pydantic_message(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("此字段为必填项")
    if kind in {"string_too_long", "too_long"}:
        return _("长度不能超过 %(n)s") % {"n": ctx.get("max_length", "")}
    if kind in {"string_too_short", "too_short"}:
        return _("长度不能少于 %(n)s") % {"n": ctx.get("min_length", "")}
    if kind.startswith("int_") or kind == "int_type":
        return _("请输入整数")
    if kind.startswith("float_") or kind.startswith("decimal_"):
        return _("请输入数字")
    if kind.startswith("bool_"):
        return _("请输入 true 或 false")
    if kind.startswith("date"):
        return _("请输入有效的日期或时间")
    if kind == "enum" or kind == "literal_error":
        return _("请从以下选项中选择：%(options)s") % {"options": ctx.get("expected", "")}
    if kind in {"string_type", "str_type"}:
        return _("请输入文本")
    if kind in {"list_type"}:
        return _("请输入列表")
    if kind in {"greater_than_equal", "greater_than"}:
        return _("不能小于 %(n)s") % {"n": ctx.get("ge", ctx.get("gt", ""))}
    if kind in {"less_than_equal", "less_than"}:
        return _("不能大于 %(n)s") % {"n": ctx.get("le", ctx.get("lt", ""))}
    if kind in {"json_invalid", "model_attributes_type", "dict_type", "model_type"}:
        return _("请求内容不是有效的 JSON 对象")
    return _("取值无效")


def _field_name(loc: Any) -> str:
    # ninja prefixes locations with the source ("body", "query", "path") and the parameter
    # name of the schema; the client knows its fields by their own names.
    parts = [str(p) for p in (loc or []) if p not in ("body", "query", "path", "header")]
    parts = [p for p in parts if not p.startswith("ninja_") and p not in ("payload", "filters")]
    return ".".join(parts) or ALL


def _ordering_message(error: dict[str, Any], request: HttpRequest | None) -> str:
    expected = re.findall(r"'(-?[^']+)'", str((error.get("ctx") or {}).get("expected", "")))
    # ninja drops the input from its errors; the query string still has it.
    sent = [
        part.strip()
        for value in (request.GET.getlist("ordering") if request is not None else [])
        for part in value.split(",")
    ]
    unknown = [value.lstrip("-") for value in sent if value and value not in expected]
    return _("不支持的排序字段：%(name)s。可选：%(options)s") % {
        "name": "、".join(unknown),
        "options": "、".join(sorted({value.lstrip("-") for value in expected})),
    }


def ninja_errors(
    exc: NinjaValidationError, request: HttpRequest | None = None
) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = list(error.get("loc") or [])
        if "ordering" in loc and error.get("type") == "literal_error":
            # One answer for all of the list's items, naming the unknown keys.
            if "ordering" not in result:
                result["ordering"] = [_ordering_message(error, request)]
            continue
        result.setdefault(_field_name(loc), []).append(_pydantic_message(error))
    return result


def validation_response(
    api: NinjaAPI, request: HttpRequest, errors: dict[str, list[str]]
) -> HttpResponse:
    return api.create_response(
        request, {"detail": _("提交的数据有误，请检查后重试"), "errors": errors}, status=422
    )


def install(api: NinjaAPI) -> None:
    @api.exception_handler(Http404)
    def on_404(request: HttpRequest, exc: Exception) -> HttpResponse:
        return api.create_response(request, {"detail": not_found_message()}, status=404)

    @api.exception_handler(PermissionDeniedError)
    def on_denied(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Out of reach answers like missing, as on the pages (DESIGN §2).
        return api.create_response(request, {"detail": not_found_message()}, status=404)

    @api.exception_handler(ConflictError)
    def on_conflict(request: HttpRequest, exc: Exception) -> HttpResponse:
        return api.create_response(request, {"detail": str(CONFLICT_MESSAGE)}, status=409)

    @api.exception_handler(DjangoValidationError)
    def on_django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return validation_response(api, request, django_errors(exc))

    @api.exception_handler(NinjaValidationError)
    def on_ninja_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return validation_response(api, request, ninja_errors(exc, request))

    @api.exception_handler(OverflowError)
    def on_overflow(request: HttpRequest, exc: Exception) -> HttpResponse:
        # The schemas bound every id; this is the net under a number they do not know of
        # (SQLite cannot bind an integer beyond 64 bits).
        return validation_response(api, request, {ALL: [_("数值超出允许范围")]})

    @api.exception_handler(IntegrityError)
    def on_integrity(request: HttpRequest, exc: Exception) -> HttpResponse:
        # A race past full_clean (two clients saving the same credit code at once).
        return validation_response(
            api,
            request,
            {ALL: [_("保存失败：与已有数据冲突（如重复的编码或名称），请检查后重试。")]},
        )

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
        response = api.create_response(
            request, {"detail": _("未登录，或接口令牌无效、已吊销、已过期")}, status=401
        )
        response["WWW-Authenticate"] = 'Bearer realm="handinhand"'
        return response

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        messages = {
            403: _("请求被拒绝（CSRF 校验失败）"),
            405: _("不支持该请求方法"),
            429: _("请求过于频繁，请稍后再试"),
        }
        return api.create_response(
            request,
            {"detail": messages.get(exc.status_code, str(exc))},
            status=exc.status_code,
        )


def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any /api/ path that names no operation: JSON, like every other API answer."""
    return JsonResponse(
        {"detail": not_found_message()}, status=404, json_dumps_params={"ensure_ascii": False}
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The site's 404 handler: JSON under /api/ (a view there raising Http404 too), the HTML
    page everywhere else."""
    if request.path == "/api" or request.path.startswith("/api/"):
        return not_found(request)
    return defaults.page_not_found(request, exception or Http404())
