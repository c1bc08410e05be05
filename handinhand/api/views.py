"""Pages around the API: a user's own tokens, and the Swagger UI files of the django-ninja
package (served by the app, never from a CDN)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import ninja
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST
from django.views.static import serve

from handinhand.accounts.types import AuthenticatedHttpRequest
from handinhand.api.models import ApiToken
from handinhand.api.services import api_token_create, api_token_revoke
from handinhand.core.exceptions import PermissionDeniedError
from handinhand.core.forms import StyledFormMixin, add_service_errors
from handinhand.core.views_helpers import access

NINJA_STATIC = Path(ninja.__file__).resolve().parent / "static" / "ninja"
DOCS_ASSETS = frozenset(
    {
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-ui-init.js",
        "favicon.png",
        "favicon.svg",
    }
)


class TokenForm(StyledFormMixin, forms.Form):
    name = forms.CharField(
        label=_lazy("令牌名称"), max_length=50, help_text=_lazy("用于区分用途，如“市局数据对接”")
    )
    expires_in = forms.TypedChoiceField(
        label=_lazy("有效期"),
        coerce=int,
        initial=90,
        choices=[
            (30, _lazy("30 天")),
            (90, _lazy("90 天")),
            (180, _lazy("180 天")),
            (365, _lazy("1 年")),
            (0, _lazy("长期有效")),
        ],
    )


@login_required
def token_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    new_token: str | None = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            days = form.cleaned_data["expires_in"]
            expires_at = timezone.now() + dt.timedelta(days=days) if days else None
            try:
                _token, new_token = api_token_create(
                    actor=request.user, name=form.cleaned_data["name"], expires_at=expires_at
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                # The token is shown on this answer only: never stored, never redirected.
                status = 201
                form = TokenForm()
    tokens = ApiToken.objects.visible_to(request.user)
    response = render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": tokens,
            "new_token": new_token,
            "docs_url": reverse("api:openapi-view"),
            "openapi_url": reverse("api:openapi-json"),
            "example_url": request.build_absolute_uri(reverse("api:school_list")),
        },
        status=status,
    )
    if new_token:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    token = access(ApiToken.objects.visible_to(request.user), pk=pk)
    try:
        api_token_revoke(actor=request.user, token=token)
    except PermissionDeniedError:
        raise Http404 from None
    messages.success(request, _("令牌“%(name)s”已吊销") % {"name": token.name})
    return redirect("api:tokens")


def docs_asset(request: HttpRequest, name: str) -> HttpResponseBase:
    """Swagger UI's files as shipped in the django-ninja wheel (a pinned dependency)."""
    if name not in DOCS_ASSETS:
        raise Http404
    response = serve(request, name, document_root=str(NINJA_STATIC))
    response["Cache-Control"] = "public, max-age=86400"
    return response
