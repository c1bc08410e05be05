"""The security pages of issue 9 for the site-wide scope matrix (core/tests/test_scope_matrix.py):
online sessions and password-reset approvals belong to the security administrator alone."""

from __future__ import annotations

from typing import Any

from handinhand.accounts.models import PasswordResetRequest, UserSession


def _a_session(cast: Any) -> int:
    return UserSession.objects.create(user=cast.instructor, session_key="matrix-session").pk


def _a_reset_request(cast: Any) -> int:
    return PasswordResetRequest.objects.create(
        user=cast.province_admin, requested_by=cast.system_admin, password="!unusable"
    ).pk


OBJECT_PAGES = {
    "accounts:session_end": (
        _a_session,
        "security_admin",
        ["system_admin", "audit_admin", "province_admin", "instructor"],
    ),
    "accounts:reset_request_approve": (
        _a_reset_request,
        "security_admin",
        ["system_admin", "audit_admin", "province_admin"],
    ),
    "accounts:reset_request_refuse": (
        _a_reset_request,
        "security_admin",
        ["system_admin", "audit_admin", "province_admin"],
    ),
}

ROLE_PAGES = {
    "accounts:session_list": ("security_admin", ["system_admin", "audit_admin", "province_admin"]),
    "accounts:reset_request_list": ("security_admin", ["audit_admin", "province_admin", "leader"]),
}

# Every signed-in person may enrol a second factor and is asked for it at login.
OPEN_PAGES = {"accounts:otp_verify", "accounts:otp_setup"}

# The language switch: a POST anyone may make, signed in or not; it changes only the caller's
# own choice (test_language.py).
PUBLIC_PAGES = {"accounts:language"}
