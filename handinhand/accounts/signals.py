"""Every login, failed login and logout goes to the audit log (DESIGN §3).

The accounts services own the lockout counter and write the audit rows; these receivers only
connect Django's authentication signals to them, so that every way of logging in is covered.
Connected from AccountsConfig.ready().
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from handinhand.accounts.models import User
from handinhand.accounts.services import login_failed, login_succeeded
from handinhand.core import audit
from handinhand.core.models import AuditAction


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    login_succeeded(user=user)


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    login_failed(username=str(credentials.get("username", "")))


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    if user is not None:
        audit.record(actor=user, action=AuditAction.LOGOUT, instance=user)
