"""The sign-in code of the QR shown at a meeting (issue 11).

The projected page asks for a fresh code every ROTATE_SECONDS; a code is accepted for
TTL_SECONDS after it was made, so whoever scans the screen has a minute or two, and a photo of
the screen sent elsewhere soon stops working. The code is the meeting's id signed with the
server's key and a timestamp (django.core.signing): nothing to store, nothing to clean up.
"""

from __future__ import annotations

import time

from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ROTATE_SECONDS = 60
TTL_SECONDS = 120
SALT = "handinhand.meetings.checkin"


class _Signer(signing.TimestampSigner):
    """A TimestampSigner whose clock a test can set (a code made two minutes ago)."""

    def __init__(self, at: float | None = None) -> None:
        super().__init__(salt=SALT)
        self._at = at

    def timestamp(self) -> str:
        return signing.b62_encode(int(time.time() if self._at is None else self._at))


def make(meeting_id: int, *, at: float | None = None) -> str:
    return _Signer(at).sign(str(meeting_id))


def verify(meeting_id: int, code: str) -> None:
    """Raise a ValidationError in Chinese unless `code` is a live code of this meeting."""
    try:
        value = _Signer().unsign(code or "", max_age=TTL_SECONDS)
    except signing.SignatureExpired:
        raise ValidationError(
            _("签到码已过期，请扫描会场屏幕上最新的二维码重新签到"), code="expired"
        ) from None
    except signing.BadSignature:
        raise ValidationError(_("签到码无效，请扫描会场屏幕上的二维码"), code="invalid") from None
    if value != str(meeting_id):
        raise ValidationError(_("签到码不属于本次会议，请扫描会场屏幕上的二维码"), code="invalid")
