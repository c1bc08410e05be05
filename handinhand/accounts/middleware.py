"""Login security on every request of a logged-in session (等保 2.0 level 3, issue 9):

1. the idle timeout (SESSION_IDLE_TIMEOUT, 30 min) and the absolute cap
   (SESSION_ABSOLUTE_TIMEOUT, 8 h) end the session, audited;
2. a session whose person needs a second factor goes nowhere but the code (or enrolment) page
   until it is verified (django_otp.login marks the session);
3. a person who must change their password (first login, reset, expiry) goes nowhere but the
   password page until they have.

Whether a password change is due is decided once at login (accounts.signals) and kept in the
session; whether a second factor is needed comes from the person's scope, which every page
loads anyway. So an ordinary request costs no query here; the last activity is written at
most once a minute.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django_otp import DEVICE_ID_SESSION_KEY

from handinhand.accounts import services
from handinhand.core import audit
from handinhand.core.models import AuditAction

STARTED = "hih_started"
SEEN = "hih_seen"
MUST_CHANGE = "hih_must_change_password"
SEEN_WRITE_EVERY = 60  # seconds
REASONS = {"idle": _lazy("会话超时"), "absolute": _lazy("超过最长登录时限")}


class AccountSecurityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        session = request.session
        now = int(time.time())
        started = session.get(STARTED)
        seen = session.get(SEEN)
        if started is None or seen is None:
            # A session from before these rules: it starts counting now.
            session[STARTED], session[SEEN] = now, now
        elif now - seen > settings.SESSION_IDLE_TIMEOUT:
            return self._end(request, "idle", _("长时间未操作，会话已结束，请重新登录"))
        elif now - started > settings.SESSION_ABSOLUTE_TIMEOUT:
            return self._end(request, "absolute", _("登录已超过最长时限，请重新登录"))
        elif now - seen >= SEEN_WRITE_EVERY:
            session[SEEN] = now
            if session.session_key:
                services.session_seen(session_key=session.session_key)

        path = request.path_info
        if _exempt(path):
            return self.get_response(request)
        if not otp_verified(request) and services.otp_required(user):
            return _divert(request, "accounts:otp_verify", _("请先完成动态口令验证"))
        if session.get(MUST_CHANGE) and path != reverse("accounts:password_change"):
            return _divert(request, "accounts:password_change", _("请先修改密码"))
        return self.get_response(request)

    def _end(self, request: HttpRequest, reason: str, message: str) -> HttpResponse:
        user = request.user
        key = request.session.session_key
        audit.record(
            actor=user,
            action=AuditAction.LOGOUT,
            instance=user,  # type: ignore[arg-type]
            changes={
                "reason": [None, _("会话超时") if reason == "idle" else _("超过最长登录时限")]
            },
        )
        if key:
            services.session_closed(session_key=key, reason=reason)
        request.session.flush()
        request.user = AnonymousUser()
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": message}, status=401)
        messages.info(request, message)
        return redirect(f"{reverse('accounts:login')}?next={request.path_info}")


def otp_verified(request: HttpRequest) -> bool:
    """Whether this session passed the second factor (django_otp.login set the key; it is
    cleared with the session at logout and timeout)."""
    return bool(request.session.get(DEVICE_ID_SESSION_KEY))


def _exempt(path: str) -> bool:
    open_paths = set()
    for name in ("login", "logout", "otp_verify", "otp_setup", "language"):
        try:
            open_paths.add(reverse(f"accounts:{name}"))
        except NoReverseMatch:  # a test's own URLconf without the accounts pages
            return True
    return path in open_paths or path.startswith((settings.STATIC_URL, "/favicon"))


def _divert(request: HttpRequest, url_name: str, message: str) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message}, status=401)
    target = reverse(url_name)
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)
