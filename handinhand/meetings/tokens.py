"""The token of a private calendar URL (issue 14).

token = HMAC(server key, "calendar:<user id>:<nonce>"), in URL-safe base64. The database keeps
the nonce and SHA-256(token): a copy of the database alone opens no calendar, the owner's page
can show the link again (derived, not stored), and resetting the nonce revokes the old link.
Rotating SECRET_KEY revokes every link, as it does every session.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "handinhand.meetings.calendar-token"


def new_nonce() -> str:
    return secrets.token_hex(16)


def raw_token(user_id: int, nonce: str) -> str:
    mac = salted_hmac(SALT, f"calendar:{user_id}:{nonce}", algorithm="sha256").digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def matches(raw: str, user_id: int, nonce: str) -> bool:
    """Does `raw` belong to this owner and nonce? Compared in constant time."""
    return constant_time_compare(raw, raw_token(user_id, nonce))
