"""The interface language (issue 14 point 8): Chinese by default, English as a second locale.

Django's LocaleMiddleware picks the language of anonymous visitors from the language cookie,
then the browser. For a signed-in person the choice stored on their account wins, on every
device: `UserLanguageMiddleware` (after authentication) activates it on each request and keeps
the cookie in step, so that the login page after logging out speaks the same language.
`language_view` is the switch in the header and on the login page.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.utils import translation

from handinhand.accounts import services
from handinhand.accounts.middleware import otp_verified
from handinhand.accounts.models import User
from handinhand.core.redirects import safe_next

CODES = {code for code, _name in settings.LANGUAGES}


def _set_cookie(response: HttpResponse, code: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


class UserLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        chosen = getattr(user, "language", "") if user is not None else ""
        if user is not None and user.is_authenticated and chosen in CODES:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        response = self.get_response(request)
        if chosen in CODES and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != chosen:
            _set_cookie(response, chosen)
        return response


def language_view(request: HttpRequest) -> HttpResponse:
    """POST language=zh-hans|en (and next): remembered on the account when signed in, in a
    cookie in any case. An unknown code changes nothing."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    code = request.POST.get("language", "")
    response = redirect(safe_next(request, "/"))
    if code not in CODES:
        return response
    user = request.user
    # Half signed in (password, not yet the second factor it needs): the cookie only; the
    # account is written once the person has fully signed in.
    if user.is_authenticated and (otp_verified(request) or not services.otp_required(user)):
        services.language_set(user=user, language=code)
    translation.activate(code)
    _set_cookie(response, code)
    return response


def adopt_at_login(request: HttpRequest | None, user: User) -> None:
    """A person with no stored choice who picked a language on the login page keeps it."""
    if request is None or user.language:
        return
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if code in CODES:
        services.language_set(user=user, language=code)
