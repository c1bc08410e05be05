"""The JSON API under /api/v1/ (DESIGN §5): one NinjaAPI, one router per domain, the same
scope and services as the pages.

The interactive documentation (Swagger UI) is served from the files that the django-ninja
package itself ships (ninja/static/ninja/), through handinhand.api.views.docs_asset: the
intranet has no internet, and ninja's own docs view falls back to a CDN whenever "ninja" is
not in INSTALLED_APPS. Our page never names a CDN, whatever the settings.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, cast

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from ninja import NinjaAPI
from ninja.openapi.docs import DocsBase
from ninja.renderers import JSONRenderer

from handinhand.api import errors
from handinhand.api.auth import API_AUTH, bearer_user
from handinhand.api.routers import (
    funding,
    incentives,
    indicators,
    notices,
    orgs,
    programme,
    research,
)
from handinhand.api.schemas import ValidationErrorOut


class LocalSwagger(DocsBase):
    """Swagger UI from the files shipped in the django-ninja wheel, never from a CDN."""

    settings: dict[str, Any] = {
        "layout": "BaseLayout",
        "deepLinking": True,
        # The online validator badge would call out to the internet.
        "validatorUrl": None,
        "persistAuthorization": False,
    }

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        return render(
            request,
            "api/docs.html",
            {
                "swagger_settings": json.dumps(settings),
                "api": api,
            },
        )


class ChineseJSONRenderer(JSONRenderer):
    """UTF-8 JSON with Chinese as it is, not as \\u escapes: readable in logs and curl."""

    json_dumps_params = {"ensure_ascii": False}


def docs_access(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The document and its page are for signed-in users and token holders only."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user if request.user.is_authenticated else bearer_user(request)
        if user is None or not user.is_active:
            if request.path.endswith(".json"):
                return JsonResponse(
                    {"detail": _("未登录，或接口令牌无效、已吊销、已过期")},
                    status=401,
                    json_dumps_params={"ensure_ascii": False},
                )
            return redirect_to_login(request.get_full_path(), reverse("accounts:login"))
        return view(request, *args, **kwargs)

    return wrapper


class HandInHandAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document names the 422 answer on every operation: any parameter
    or body can fail validation, and clients should know the shape of that answer."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault(
            "ValidationErrorOut",
            ValidationErrorOut.model_json_schema(ref_template="#/components/schemas/{model}"),
        )
        answer = {
            "description": "Unprocessable Entity",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ValidationErrorOut"}}
            },
        }
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                if isinstance(operation, dict) and "responses" in operation:
                    operation["responses"].setdefault(422, answer)
                for parameter in operation.get("parameters", []):
                    if parameter.get("name") == "ordering":
                        # An array of enumerated keys, sent comma-separated.
                        parameter.update(style="form", explode=False)
        return schema


api = HandInHandAPI(
    title=cast(str, _lazy("大手拉小手 党建指导工作平台 接口")),
    version="1",
    description=cast(
        str,
        _lazy(
            "数据范围与页面一致：每个接口只返回调用者有权查看的数据，超出范围的对象一律返回 404。"
            "认证方式：请求头 `Authorization: Bearer <令牌>`（在“接口令牌”页面创建），"
            "或浏览器登录会话（写操作需附带 CSRF 令牌）。"
            "列表接口均支持 limit/offset 分页，返回 {items, count}。"
        ),
    ),
    urls_namespace="api",
    auth=API_AUTH,
    renderer=ChineseJSONRenderer(),
    docs=LocalSwagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    docs_decorator=docs_access,
)
errors.install(api)
api.add_router("", orgs.router)
api.add_router("", programme.router)
api.add_router("", indicators.router)
api.add_router("", incentives.router)
api.add_router("", research.router)
api.add_router("", funding.router)
api.add_router("", notices.router)
