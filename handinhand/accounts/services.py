"""Accounts, roles and login security. 三员分立: the system administrator manages accounts,
the security administrator grants roles, the audit administrator reads the log; the services
refuse anyone else, and nobody holding one of those roles may hold another role."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from handinhand.accounts.models import (
    SEPARATED_ADMIN_ROLES,
    PasswordHistory,
    PasswordResetRequest,
    ResetStatus,
    Role,
    RoleAssignment,
    User,
    UserSession,
)
from handinhand.core import audit
from handinhand.core.exceptions import PermissionDeniedError
from handinhand.core.models import AuditAction
from handinhand.core.request_context import request_ip
from handinhand.core.scope import get_scope, reset_scope
from handinhand.core.services import create_object, update_object

MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15

# Defect 7 (issue 9): the counters are kept in the shared cache (settings.CACHES: Redis when
# REDIS_URL is set, a database table otherwise), so that every app process counts together.
#
# django-axes was considered and not used: it keeps its own counters and lock (AccessAttempt
# rows or its cache handler) beside User.failed_logins/locked_until, which the system
# administrator's user page shows and lifts (user_unlock); it writes its own AccessLog rather
# than our audit log (hash-chained, one write path per change); its lockout answers with its
# own response instead of the login form's Chinese message; and it counts a failure before it
# checks a lock, whereas here a throttled address must not count against anyone's account.
# What remains is ~40 lines on Django's cache API, with the same counters for every process.
#
# The per-IP throttle: every failure from a client address is counted as well, whatever name
# was tried. An address with LOGIN_IP_MAX_FAILURES failures in the window is refused before
# any password is checked, for LOGIN_IP_THROTTLE_MINUTES, and its further attempts count
# against no account. So one address can lock at most one account before it is itself shut
# out (longer than the account lock); locking someone out again and again needs fresh
# addresses, and spraying many names from one address stops after a handful of tries. The
# same applies to unknown names, so the throttle tells nothing about which names exist.


def _counters() -> Any:
    from django.core.cache import caches

    return caches["default"]


def _bump(key: str, seconds: int) -> int:
    """Add one to a shared counter (atomic on Redis); the window restarts with each failure."""
    store = _counters()
    if store.add(key, 1, seconds):
        return 1
    try:
        value = int(store.incr(key))
    except ValueError:  # expired between add and incr
        store.set(key, 1, seconds)
        return 1
    store.touch(key, seconds)
    return value


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _unknown_key(username: str) -> str:
    return "login-failed:name:" + _digest(username)


def _ip_key(ip: str) -> str:
    return "login-failed:ip:" + _digest(ip)


def _ip_throttle_key(ip: str) -> str:
    return "login-throttled:ip:" + _digest(ip)


def ip_throttled(ip: str | None) -> bool:
    return bool(ip) and bool(_counters().get(_ip_throttle_key(str(ip))))


def _count_ip_failure(ip: str | None) -> None:
    if not ip:
        return
    window = LOCK_MINUTES * 60
    if _bump(_ip_key(ip), window) >= settings.LOGIN_IP_MAX_FAILURES:
        _counters().set(_ip_throttle_key(ip), 1, settings.LOGIN_IP_THROTTLE_MINUTES * 60)


def login_throttled(*, username: str, ip: str | None) -> None:
    """Audit an attempt refused because its address is throttled; nobody's counter moves."""
    username = username[:150]
    user = User.objects.filter(username=username).first()
    audit.record(
        actor=user,
        action=AuditAction.LOGIN_FAILED,
        actor_name=username,
        object_type="accounts.user",
        object_id=str(user.pk) if user else "",
        object_repr=username,
        changes={"reason": [None, _("登录尝试过于频繁，IP 已受限")]},
    )


def login_failed(*, username: str, reason: str = "") -> User | None:
    """Count a failed login and audit it; the fifth in a row locks the account for a while.

    An attempt on an account that is already locked is audited but neither counted nor
    allowed to extend the lock; once a lock has run out, counting starts again from one.
    The client's address is counted too (the per-IP throttle above).
    """
    username = username[:150]
    _count_ip_failure(request_ip.get())
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first()
        changes: dict[str, Any] = {}
        if user is not None:
            now = timezone.now()
            if is_locked(user, now=now):
                reason = reason or _("账号已锁定")
            else:
                before = user.failed_logins
                user.failed_logins = 1 if user.locked_until else before + 1
                changes["failed_logins"] = [before, user.failed_logins]
                if user.failed_logins >= MAX_FAILED_LOGINS:
                    user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
                    changes["locked_until"] = [None, user.locked_until.isoformat()]
                else:
                    user.locked_until = None
                user.save(update_fields=["failed_logins", "locked_until"])
        if user is None:
            # Unknown names are counted too, so that "locked" never tells which accounts exist.
            _bump(_unknown_key(username), LOCK_MINUTES * 60)
        if reason:
            changes["reason"] = [None, reason]
        audit.record(
            actor=user,
            action=AuditAction.LOGIN_FAILED,
            actor_name=username,
            object_type="accounts.user",
            object_id=str(user.pk) if user else "",
            object_repr=username,
            changes=changes,
        )
    return user


def login_succeeded(*, user: User) -> None:
    with transaction.atomic():
        if user.failed_logins or user.locked_until:
            User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
            user.failed_logins, user.locked_until = 0, None
        audit.record(actor=user, action=AuditAction.LOGIN, instance=user)


def unknown_name_locked(username: str) -> bool:
    """A name with no account looks locked after as many failures as a real one would."""
    return int(_counters().get(_unknown_key(username), 0)) >= MAX_FAILED_LOGINS


def is_locked(user: User, *, now: Any = None) -> bool:
    return bool(user.locked_until and user.locked_until > (now or timezone.now()))


def validate_new_password(password: str, user: User) -> None:
    """Django's password validators, with every message in Chinese.

    Django 5.2 reworded MinimumLengthValidator's message and its zh_Hans catalogue has no
    translation of the new wording yet, so that one message is given here.
    """
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors = []
        for error in exc.error_list:
            if error.code == "password_too_short":
                error = ValidationError(
                    _("密码长度太短，至少需要 %(min_length)d 个字符。"),
                    code=error.code,
                    params=error.params,
                )
            errors.append(error)
        raise ValidationError(errors) from exc


def _require(actor: User, allowed: bool) -> None:
    if not allowed:
        raise PermissionDeniedError(_("您无权执行此操作"))


def _require_not_a_fellow_admin(actor: User, user: User) -> None:
    """三员分立: the system administrator must not take over the security or audit
    administrator's account (a password reset would let them read the log or grant roles).
    Those accounts are reset on the server (`manage.py changepassword`) under the
    organisation's own procedure."""
    if actor.pk == user.pk:
        return
    if RoleAssignment.objects.active().filter(user=user, role__in=SEPARATED_ADMIN_ROLES).exists():
        raise PermissionDeniedError(_("三员分立：不能修改、停用或重置其他管理员的账号"))


def user_create(
    *,
    actor: User,
    username: str,
    full_name: str,
    password: str,
    phone: str = "",
    work_unit: str = "",
    title: str = "",
    email: str = "",
) -> User:
    _require(actor, get_scope(actor).can_manage_users)
    user = User(
        username=username,
        full_name=full_name,
        phone=phone,
        work_unit=work_unit,
        title=title,
        email=email,
    )
    try:
        validate_new_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    return create_object(actor=actor, instance=user)


def user_update(
    *, actor: User, user: User, data: dict[str, Any], expected_version: int | None
) -> User:
    _require(actor, get_scope(actor).can_manage_users)
    allowed = {"full_name", "phone", "unit", "work_unit", "title", "email", "is_active"}
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"fields not editable here: {sorted(unknown)}")
    _require_not_a_fellow_admin(actor, user)
    if actor.pk == user.pk and data.get("is_active") is False:
        # The only system administrator could otherwise shut everyone out of account admin.
        raise ValidationError({"is_active": _("不能停用自己的账号")})
    with transaction.atomic():
        result = update_object(
            actor=actor, instance=user, data=data, expected_version=expected_version
        )
        if data.get("is_active") is False:
            # A disabled account is out at once, not at its sessions' timeout.
            sessions_end_for_user(user=result, reason="disabled")
    return result


def language_set(*, user: User, language: str) -> User:
    """A person's own choice of interface language (accounts.language), audited like any
    change to the account; choosing the language already set writes nothing."""
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ValidationError({"language": _("不支持的语言")})
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=user.pk)
        if current.language == language:
            return current
        changes = audit.diff({"language": current.language}, {"language": language})
        current.language = language
        current.save(update_fields=["language"])
        audit.record(actor=current, action=AuditAction.UPDATE, instance=current, changes=changes)
    user.language = language
    return current


def user_unlock(*, actor: User, user: User) -> User:
    """The system administrator lifts a lockout (the login page tells users to ask them)."""
    _require(actor, get_scope(actor).can_manage_users)
    _require_not_a_fellow_admin(actor, user)
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=user.pk)
        if not (current.failed_logins or current.locked_until):
            return current
        changes = audit.diff(
            {
                "failed_logins": current.failed_logins,
                "locked_until": current.locked_until.isoformat() if current.locked_until else None,
            },
            {"failed_logins": 0, "locked_until": None},
        )
        current.failed_logins, current.locked_until = 0, None
        current.save(update_fields=["failed_logins", "locked_until"])
        audit.record(actor=actor, action=AuditAction.UPDATE, instance=current, changes=changes)
    return current


def _check_anchor(role: str, region: Any, school: Any, unit: Any = None) -> None:
    if role == Role.REGION_STAFF:
        if region is None:
            raise ValidationError({"region": _("市县教育部门用户须选择所属行政区划")})
        if region.level not in ("city", "county"):
            raise ValidationError({"region": _("市县教育部门用户只能授予设区市或县（市、区）")})
        if school is not None:
            raise ValidationError({"school": _("市县教育部门用户不选择学校")})
    elif role == Role.SCHOOL_USER:
        if school is None:
            raise ValidationError({"school": _("学校用户须选择所属学校")})
        if region is not None:
            raise ValidationError({"region": _("学校用户不选择行政区划")})
    elif role == Role.UNIT_CONTACT:
        if unit is None:
            raise ValidationError({"unit": _("单位联络人须选择所联络的单位")})
        if region is not None or school is not None:
            raise ValidationError({"role": _("单位联络人不选择行政区划或学校")})
    elif region is not None or school is not None:
        raise ValidationError({"role": _("该角色不选择行政区划或学校")})
    if unit is not None and role != Role.UNIT_CONTACT:
        raise ValidationError({"unit": _("只有单位联络人需要选择单位")})


def role_assign(
    *,
    actor: User,
    user: User,
    role: str,
    region: Any = None,
    school: Any = None,
    unit: Any = None,
) -> RoleAssignment:
    _require(actor, get_scope(actor).can_manage_roles)
    if role not in Role.values:
        raise ValidationError({"role": _("未知角色")})
    if actor.pk == user.pk:
        raise ValidationError({"user": _("不能给自己授权")})
    _check_anchor(role, region, school, unit)
    with transaction.atomic():
        # Lock the person, so that two grants at once cannot both pass the 三员分立 check.
        User.objects.select_for_update().filter(pk=user.pk).first()
        held = set(RoleAssignment.objects.active().filter(user=user).values_list("role", flat=True))
        if user.memberships.filter(is_active=True).exists():
            held.add("instructor")
        if role in SEPARATED_ADMIN_ROLES and held - {role}:
            raise ValidationError({"role": _("三员分立：系统、安全、审计管理员不得兼任其他角色")})
        if held & SEPARATED_ADMIN_ROLES and role not in held:
            raise ValidationError({"role": _("三员分立：该用户已是管理员，不得兼任其他角色")})
        existing = RoleAssignment.objects.filter(
            user=user, role=role, region=region, school=school, unit=unit
        ).first()
        if existing is not None and existing.is_active:
            raise ValidationError({"role": _("该用户已拥有此角色")})
        if existing is not None:
            # The unique constraints ignore is_active: a revoked grant is given back, not copied.
            result = update_object(
                actor=actor, instance=existing, data={"is_active": True}, expected_version=None
            )
        else:
            assignment = RoleAssignment(
                user=user, role=role, region=region, school=school, unit=unit
            )
            result = create_object(actor=actor, instance=assignment)
    reset_scope(user)
    return result


def role_revoke(*, actor: User, assignment: RoleAssignment) -> RoleAssignment:
    _require(actor, get_scope(actor).can_manage_roles)
    if actor.pk == assignment.user_id:
        raise ValidationError({"user": _("不能撤销自己的角色")})
    result = update_object(
        actor=actor, instance=assignment, data={"is_active": False}, expected_version=None
    )
    reset_scope(assignment.user)
    return result


PRIVILEGED_ROLES = frozenset({Role.PROVINCE_ADMIN, *SEPARATED_ADMIN_ROLES})


def holds_privileged_rights(user: User) -> bool:
    """Province-wide or administrator rights: a reset of such an account by someone else
    needs the security administrator's approval (two-person rule, issue 9 defect 10)."""
    if user.is_superuser or user.is_staff:
        return True
    return RoleAssignment.objects.active().filter(user=user, role__in=PRIVILEGED_ROLES).exists()


def password_set(*, actor: User, user: User, password: str) -> PasswordResetRequest | None:
    """Reset by the system administrator, or a user changing their own password.

    A reset by the administrator also lifts a lockout: it is what a locked-out user asks for,
    and obliges the person to choose their own password at the next login. A reset of an
    account with province-wide or administrator rights is not applied: it waits, hashed, as a
    request that the security administrator approves or refuses (returned here).
    """
    _require(actor, actor.pk == user.pk or get_scope(actor).can_manage_users)
    _require_not_a_fellow_admin(actor, user)
    try:
        validate_new_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    if actor.pk != user.pk and holds_privileged_rights(user):
        return _reset_request_create(actor=actor, user=user, encoded=make_password(password))
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=user.pk)
        _apply_password(actor=actor, user=current, encoded=make_password(password))
        user.password = current.password
        user.failed_logins, user.locked_until = current.failed_logins, current.locked_until
        user.must_change_password = current.must_change_password
        user.password_changed_at = current.password_changed_at
    return None


def _apply_password(
    *, actor: User, user: User, encoded: str, extra: dict[str, Any] | None = None
) -> None:
    """Store the new hash, keep the old one in the history, audit with the values masked."""
    by_self = actor.pk == user.pk
    if user.password:
        PasswordHistory.objects.create(user=user, password=user.password)
        keep = settings.PASSWORD_HISTORY_COUNT
        old = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[keep:]
        PasswordHistory.objects.filter(pk__in=list(old)).delete()
    user.password = encoded
    user.password_changed_at = timezone.now()
    # Changed by the person: done; set by anyone else: the person changes it at next login.
    user.must_change_password = not by_self
    fields = ["password", "password_changed_at", "must_change_password"]
    changes: dict[str, Any] = {"password": ["******", "******"]}
    if not by_self and (user.failed_logins or user.locked_until):
        changes["failed_logins"] = [user.failed_logins, 0]
        if user.locked_until:
            changes["locked_until"] = [user.locked_until.isoformat(), None]
        user.failed_logins, user.locked_until = 0, None
        fields += ["failed_logins", "locked_until"]
    changes.update(extra or {})
    user.save(update_fields=fields)
    audit.record(actor=actor, action=AuditAction.UPDATE, instance=user, changes=changes)


def _reset_request_create(*, actor: User, user: User, encoded: str) -> PasswordResetRequest:
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        if PasswordResetRequest.objects.pending().filter(user=user).exists():
            raise ValidationError({"password": _("该账号已有待审批的密码重置申请")})
        request = PasswordResetRequest.objects.create(
            user=user, requested_by=actor, password=encoded
        )
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=request,
            changes={"user": [None, user.username], "status": [None, str(ResetStatus.PENDING)]},
        )
    return request


def _decide(*, actor: User, request: PasswordResetRequest, approve: bool) -> PasswordResetRequest:
    _require(actor, get_scope(actor).can_manage_roles)
    with transaction.atomic():
        current = PasswordResetRequest.objects.select_for_update().get(pk=request.pk)
        if current.status != ResetStatus.PENDING:
            raise ValidationError(_("该申请已处理"))
        if actor.pk in (current.requested_by_id, current.user_id):
            raise PermissionDeniedError(_("双人审批：不能审批自己提出或与自己有关的申请"))
        current.status = ResetStatus.APPROVED if approve else ResetStatus.REFUSED
        current.decided_by = actor
        current.decided_at = timezone.now()
        encoded, current.password = current.password, ""  # the hash is not kept once decided
        current.save(update_fields=["status", "decided_by", "decided_at", "password"])
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=current,
            changes={"status": [str(ResetStatus.PENDING), str(current.status)]},
        )
        if approve:
            target = User.objects.select_for_update().get(pk=current.user_id)
            _apply_password(
                actor=actor,
                user=target,
                encoded=encoded,
                extra={"requested_by": [None, current.requested_by.username]},
            )
    return current


def password_reset_approve(*, actor: User, request: PasswordResetRequest) -> PasswordResetRequest:
    """The security administrator approves a reset asked for by the system administrator."""
    return _decide(actor=actor, request=request, approve=True)


def password_reset_refuse(*, actor: User, request: PasswordResetRequest) -> PasswordResetRequest:
    return _decide(actor=actor, request=request, approve=False)


# --- sessions (idle 30 min, absolute 8 h; the security administrator ends them) ---------------


def session_started(
    *, user: User, session_key: str, ip: str | None, user_agent: str, fresh: bool = False
) -> None:
    values = {"user": user, "ip": ip, "user_agent": user_agent[:200]}
    if fresh:  # login() has just named a new key: one insert
        UserSession.objects.create(session_key=session_key, **values)
        return
    now = timezone.now()
    UserSession.objects.update_or_create(
        session_key=session_key,
        defaults={**values, "started_at": now, "last_seen_at": now, "ended_at": None},
    )


def session_seen(*, session_key: str) -> None:
    UserSession.objects.filter(session_key=session_key, ended_at__isnull=True).update(
        last_seen_at=timezone.now()
    )


def session_closed(*, session_key: str, reason: str) -> None:
    """A session ended by logout or timeout (the middleware audits timeouts)."""
    UserSession.objects.filter(session_key=session_key, ended_at__isnull=True).update(
        ended_at=timezone.now(), end_reason=reason[:20]
    )


def _end(sessions: Any, *, reason: str) -> int:
    from importlib import import_module

    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for item in sessions:
        store(session_key=item.session_key).delete()
        item.ended_at, item.end_reason = timezone.now(), reason
        item.save(update_fields=["ended_at", "end_reason"])
        ended += 1
    return ended


def session_end(*, actor: User, session: UserSession) -> UserSession:
    """The security administrator ends someone's session at once."""
    _require(actor, get_scope(actor).can_manage_roles)
    with transaction.atomic():
        current = UserSession.objects.select_for_update().get(pk=session.pk)
        if current.ended_at is not None:
            return current
        _end([current], reason="ended")
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=current,
            changes={
                "ended_at": [None, current.ended_at.isoformat() if current.ended_at else None]
            },
            object_repr=f"{current.user.username} @ {current.ip or '-'}",
        )
    return current


def sessions_end_for_user(*, user: User, reason: str) -> int:
    online = UserSession.objects.online().filter(user=user).select_for_update()
    return _end(list(online), reason=reason)


# --- second factor (TOTP with django-otp; recovery codes on a static device) ----------------


def otp_required(user: User) -> bool:
    """Required of OTP_REQUIRED_ROLES (settings). Read from the person's scope, which every
    page loads anyway: no query of its own."""
    if not getattr(user, "pk", None):
        return False
    required = set(settings.OTP_REQUIRED_ROLES)
    if user.is_superuser and required:
        return True
    return bool(get_scope(user).roles & required)


def otp_device_for_enrolment(*, user: User) -> TOTPDevice:
    """The unconfirmed device whose QR code the enrolment page shows (one per person)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("手机令牌"), confirmed=False)
    return device


def otp_enrol(*, actor: User, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the device with a first code; returns the new recovery codes (shown once), or
    None when the code is wrong."""
    if device.user_id != actor.pk or device.confirmed:
        raise PermissionDeniedError(_("您无权执行此操作"))
    if not device.verify_token(token):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=actor, confirmed=True).delete()
        device.confirmed = True
        device.save()
        codes = recovery_codes_renew(actor=actor, audited=False)
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=actor,
            changes={"otp": [None, _("已绑定动态口令")]},
        )
    return codes


def recovery_codes_renew(*, actor: User, audited: bool = True) -> list[str]:
    with transaction.atomic():
        StaticDevice.objects.filter(user=actor).delete()
        static = StaticDevice.objects.create(user=actor, name=_("恢复码"), confirmed=True)
        codes = [StaticToken.random_token() for _n in range(settings.OTP_RECOVERY_CODES)]
        StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
        if audited:
            audit.record(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=actor,
                changes={"recovery_codes": ["******", "******"]},
            )
    return codes


def otp_verify(*, user: User, token: str) -> Any:
    """The device that accepts the code (TOTP, refusing a code already used, or a recovery
    code, which is used up), or None; a failure is audited."""
    token = token.strip().replace(" ", "")
    for device in devices_for_user(user, confirmed=True):
        if isinstance(device, TOTPDevice | StaticDevice) and device.verify_token(token):
            return device
    audit.record(
        actor=user,
        action=AuditAction.LOGIN_FAILED,
        instance=user,
        changes={"reason": [None, _("动态口令错误")]},
    )
    return None
