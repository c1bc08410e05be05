"""Accounts, roles and login security. 三员分立: the system administrator manages accounts,
the security administrator grants roles, the audit administrator reads the log; the services
refuse anyone else, and nobody holding one of those roles may hold another role."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from handinhand.accounts.models import SEPARATED_ADMIN_ROLES, Role, RoleAssignment, User
from handinhand.core import audit
from handinhand.core.exceptions import PermissionDeniedError
from handinhand.core.models import AuditAction
from handinhand.core.scope import get_scope, reset_scope
from handinhand.core.services import create_object, update_object

MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15


def login_failed(*, username: str, reason: str = "") -> User | None:
    """Count a failed login and audit it; the fifth in a row locks the account for a while.

    An attempt on an account that is already locked is audited but neither counted nor
    allowed to extend the lock; once a lock has run out, counting starts again from one.
    """
    username = username[:150]
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
            key = _unknown_key(username)
            cache.set(key, cache.get(key, 0) + 1, LOCK_MINUTES * 60)
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


def _unknown_key(username: str) -> str:
    return "handinhand:login-failed:" + hashlib.sha256(username.encode()).hexdigest()


def unknown_name_locked(username: str) -> bool:
    """A name with no account looks locked after as many failures as a real one would."""
    return int(cache.get(_unknown_key(username), 0)) >= MAX_FAILED_LOGINS


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
    allowed = {"full_name", "phone", "work_unit", "title", "email", "is_active"}
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"fields not editable here: {sorted(unknown)}")
    _require_not_a_fellow_admin(actor, user)
    if actor.pk == user.pk and data.get("is_active") is False:
        # The only system administrator could otherwise shut everyone out of account admin.
        raise ValidationError({"is_active": _("不能停用自己的账号")})
    return update_object(actor=actor, instance=user, data=data, expected_version=expected_version)


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


def _check_anchor(role: str, region: Any, school: Any) -> None:
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
    elif region is not None or school is not None:
        raise ValidationError({"role": _("该角色不选择行政区划或学校")})


def role_assign(
    *, actor: User, user: User, role: str, region: Any = None, school: Any = None
) -> RoleAssignment:
    _require(actor, get_scope(actor).can_manage_roles)
    if role not in Role.values:
        raise ValidationError({"role": _("未知角色")})
    if actor.pk == user.pk:
        raise ValidationError({"user": _("不能给自己授权")})
    _check_anchor(role, region, school)
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
            user=user, role=role, region=region, school=school
        ).first()
        if existing is not None and existing.is_active:
            raise ValidationError({"role": _("该用户已拥有此角色")})
        if existing is not None:
            # The unique constraints ignore is_active: a revoked grant is given back, not copied.
            result = update_object(
                actor=actor, instance=existing, data={"is_active": True}, expected_version=None
            )
        else:
            assignment = RoleAssignment(user=user, role=role, region=region, school=school)
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


def password_set(*, actor: User, user: User, password: str) -> None:
    """Reset by the system administrator, or a user changing their own password.

    A reset by the administrator also lifts a lockout: it is what a locked-out user asks for.
    """
    _require(actor, actor.pk == user.pk or get_scope(actor).can_manage_users)
    _require_not_a_fellow_admin(actor, user)
    try:
        validate_new_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    with transaction.atomic():
        user.set_password(password)
        fields = ["password"]
        changes: dict[str, Any] = {"password": ["******", "******"]}
        if actor.pk != user.pk and (user.failed_logins or user.locked_until):
            changes["failed_logins"] = [user.failed_logins, 0]
            if user.locked_until:
                changes["locked_until"] = [user.locked_until.isoformat(), None]
            user.failed_logins, user.locked_until = 0, None
            fields += ["failed_logins", "locked_until"]
        user.save(update_fields=fields)
        audit.record(actor=actor, action=AuditAction.UPDATE, instance=user, changes=changes)
