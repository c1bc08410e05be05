"""Every login, failed login and logout goes to the audit log (DESIGN §3); at login, decide
once what the session needs (second factor, password change) and record the session for the
security administrator's list; at logout, close it.

The accounts services own the lockout counter, the sessions and the audit rows; these receivers
only connect Django's authentication signals to them, so that every way of logging in is
covered. Connected from AccountsConfig.ready().
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from handinhand.accounts import language, middleware, services
from handinhand.accounts.models import User
from handinhand.accounts.services import login_failed, login_succeeded
from handinhand.core import audit
from handinhand.core.models import AuditAction
from handinhand.core.request_context import client_ip


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    login_succeeded(user=user)
    language.adopt_at_login(request, user)


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    login_failed(username=str(credentials.get("username", "")))


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    if user is not None:
        audit.record(actor=user, action=AuditAction.LOGOUT, instance=user)


def password_change_due(user: User) -> bool:
    if not user.has_usable_password():
        return False  # no password to change (it logs in some other way, or not at all)
    if getattr(user, "must_change_password", False):
        return True
    changed = getattr(user, "password_changed_at", None)
    days = settings.PASSWORD_EXPIRY_DAYS
    return bool(days and changed and changed + timedelta(days=days) < timezone.now())


@receiver(user_logged_in)
def _session_started(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is None:
        return
    now = int(time.time())
    session[middleware.STARTED] = now
    session[middleware.SEEN] = now
    session[middleware.MUST_CHANGE] = password_change_due(user)
    fresh = session.session_key is None
    if hasattr(session, "reserve_key"):
        key = session.reserve_key()
    else:  # another session engine: save to learn the key
        if session.session_key is None:
            session.save()
        key = session.session_key
    services.session_started(
        user=user,
        session_key=key,
        fresh=fresh,
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )


@receiver(user_logged_out)
def _session_closed(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        services.session_closed(session_key=session.session_key, reason="logout")
