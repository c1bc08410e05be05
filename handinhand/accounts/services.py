"""Accounts, roles and login security. 三员分立: the system administrator manages accounts,
the security administrator grants roles, the audit administrator reads the log; the services
refuse anyone else, and nobody holding one of those roles may hold another role."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
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


def login_failed(*, username: str) -> User | None:
    """Count a failed login; the fifth in a row locks the account for a while."""
    user = User.objects.filter(username=username).first()
    if user is None:
        return None
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
        user.refresh_from_db(fields=["failed_logins", "locked_until"])
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = timezone.now() + timedelta(minutes=LOCK_MINUTES)
            user.save(update_fields=["locked_until"])
    return user


def login_succeeded(*, user: User) -> None:
    if user.failed_logins or user.locked_until:
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)


def is_locked(user: User) -> bool:
    return bool(user.locked_until and user.locked_until > timezone.now())


def _require(actor: Any, allowed: bool) -> None:
    if not allowed:
        raise PermissionDeniedError(_("您无权执行此操作"))


def user_create(*, actor: Any, username: str, full_name: str, password: str,
                phone: str = "", work_unit: str = "", title: str = "",
                email: str = "") -> User:
    _require(actor, get_scope(actor).can_manage_users)
    user = User(username=username, full_name=full_name, phone=phone, work_unit=work_unit,
                title=title, email=email)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    return create_object(actor=actor, instance=user)


def user_update(*, actor: Any, user: User, data: dict[str, Any],
                expected_version: int | None) -> User:
    _require(actor, get_scope(actor).can_manage_users)
    allowed = {"full_name", "phone", "work_unit", "title", "email", "is_active"}
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"fields not editable here: {sorted(unknown)}")
    return update_object(actor=actor, instance=user, data=data, expected_version=expected_version)


def role_assign(*, actor: Any, user: User, role: str, region: Any = None,
                school: Any = None) -> RoleAssignment:
    _require(actor, get_scope(actor).can_manage_roles)
    if role not in Role.values:
        raise ValidationError({"role": _("未知角色")})
    held = set(
        RoleAssignment.objects.active().filter(user=user).values_list("role", flat=True)
    )
    if user.memberships.filter(is_active=True).exists():
        held.add("instructor")
    if role in SEPARATED_ADMIN_ROLES and held - {role}:
        raise ValidationError({"role": _("三员分立：系统、安全、审计管理员不得兼任其他角色")})
    if held & SEPARATED_ADMIN_ROLES and role not in held:
        raise ValidationError({"role": _("三员分立：该用户已是管理员，不得兼任其他角色")})
    if actor.pk == user.pk:
        raise ValidationError({"user": _("不能给自己授权")})
    assignment = RoleAssignment(user=user, role=role, region=region, school=school)
    result = create_object(actor=actor, instance=assignment)
    reset_scope(user)
    return result


def role_revoke(*, actor: Any, assignment: RoleAssignment) -> RoleAssignment:
    _require(actor, get_scope(actor).can_manage_roles)
    result = update_object(actor=actor, instance=assignment, data={"is_active": False},
                           expected_version=None)
    reset_scope(assignment.user)
    return result


def password_set(*, actor: Any, user: User, password: str) -> None:
    """Reset by the system administrator, or a user changing their own password."""
    _require(actor, actor.pk == user.pk or get_scope(actor).can_manage_users)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit.record(actor=actor, action=AuditAction.UPDATE, instance=user,
                     changes={"password": ["******", "******"]})
