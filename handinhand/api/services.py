"""Issuing and revoking API tokens. The token itself leaves this module once, in the return
value of `api_token_create`; only its SHA-256 is stored and nothing secret is audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from handinhand.accounts.models import User
from handinhand.api.models import ApiToken
from handinhand.core import audit
from handinhand.core.exceptions import PermissionDeniedError
from handinhand.core.models import AuditAction

TOKEN_PREFIX = "hh_"  # noqa: S105 -- the public marker every token starts with, not a secret
MAX_USABLE_TOKENS = 10


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_create(
    *, actor: User, name: str, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for the actor themself; returns the row and the token, shown once."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDeniedError(_("请先登录"))
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("失效时间必须晚于当前时间")})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=actor,
        name=(name or "").strip(),
        token_hash=hash_token(raw),
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        expires_at=expires_at,
    )
    with transaction.atomic():
        # Serialise one user's concurrent requests so the cap below holds.
        list(
            get_user_model()
            .objects.select_for_update()
            .filter(pk=actor.pk)
            .values_list("pk", flat=True)
        )
        if ApiToken.objects.filter(user=actor).usable().count() >= MAX_USABLE_TOKENS:
            raise ValidationError(
                _("每位用户最多持有 %(n)d 个有效令牌，请先吊销不用的令牌")
                % {"n": MAX_USABLE_TOKENS}
            )
        token.full_clean()
        token.save(force_insert=True)
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=token,
            # Never the token nor its hash: the audit log is read by other people.
            changes={
                "name": [None, token.name],
                "prefix": [None, token.prefix],
                "expires_at": [None, expires_at.isoformat() if expires_at else None],
            },
        )
    return token, raw


def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke one of the actor's own tokens; revoking twice changes nothing."""
    if not getattr(actor, "is_authenticated", False) or token.user_id != actor.pk:
        raise PermissionDeniedError(_("只能吊销本人的令牌"))
    with transaction.atomic():
        current = ApiToken.objects.select_for_update().get(pk=token.pk)
        if current.revoked:
            return current
        current.revoked = True
        current.revoked_at = timezone.now()
        current.save(update_fields=["revoked", "revoked_at"])
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=current,
            changes={"revoked": [False, True]},
        )
    return current


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The usable token for `raw` with its active user, or None. Marks it used, at most once a
    minute, so that a busy client does not write on every request."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.usable()
        .select_related("user")
        .filter(token_hash=hash_token(raw), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        # Bookkeeping like last_login, not a change of business data: no audit row.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
