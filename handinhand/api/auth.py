"""Who is calling: a personal token (`Authorization: Bearer hh_…`) for programs, the login
session for the browser. Inactive users, revoked or expired tokens are refused (401)."""

from __future__ import annotations

from typing import Any

from django.conf import settings as _settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from handinhand.accounts.models import User
from handinhand.api.services import api_token_authenticate


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = api_token_authenticate(token.strip())
        if found is None:
            return None
        # Code that reads request.user (audit IP, templates) sees the token's owner.
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]
        return found.user


class SessionAuth(APIKeyCookie):
    """The browser's login session. CSRF is checked only when a session is present, so that a
    program with a wrong token hears 401, not a CSRF failure."""

    param_name: str = _settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return request.user


API_AUTH = [TokenAuth(), SessionAuth()]


class ApiRequest(HttpRequest):
    """The request as the API's operations see it: `auth` is the caller (a User)."""

    auth: User


def bearer_user(request: HttpRequest) -> Any:
    """The token's user for plain Django views (the OpenAPI document), or None."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, raw = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    found = api_token_authenticate(raw.strip())
    return found.user if found else None
