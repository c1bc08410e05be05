from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from handinhand.core.models import TimeStampedModel
from handinhand.core.scope import get_scope


class Role(models.TextChoices):
    PROVINCE_ADMIN = "province_admin", _("省委教育工委管理员")
    REGION_STAFF = "region_staff", _("市县教育部门用户")
    SCHOOL_USER = "school_user", _("学校用户")
    UNIT_CONTACT = "unit_contact", _("单位联络人")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全保密管理员")
    AUDIT_ADMIN = "audit_admin", _("安全审计员")


# 三员分立: whoever holds one of these holds nothing else, and each does only their own job.
SEPARATED_ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


class UserQuerySet(models.QuerySet["User"]):
    def visible_to(self, user: User) -> UserQuerySet:
        scope = get_scope(user)
        # Account administration belongs to the system and security administrators only.
        if scope.can_manage_users or scope.can_manage_roles:
            return self
        return self.filter(pk=user.pk) if getattr(user, "pk", None) else self.none()


if TYPE_CHECKING:
    # django-stubs cannot follow `from_queryset` on the generic UserManager: spell out for the
    # type checker what the manager built below has.
    class HandInHandUserManager(UserManager["User"]):
        def get_queryset(self) -> UserQuerySet: ...
        def visible_to(self, user: User) -> UserQuerySet: ...

else:

    class HandInHandUserManager(UserManager.from_queryset(UserQuerySet)):
        pass


class User(AbstractUser):
    full_name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    work_unit = models.CharField(_("工作单位"), max_length=100, blank=True)
    # The unit the person belongs to (所在单位): where their priorities are honoured.
    unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("所在单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    title = models.CharField(_("职务/职称"), max_length=50, blank=True)
    failed_logins = models.PositiveSmallIntegerField(_("连续登录失败次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    # MLPS: every account created or reset by an administrator changes its password at first
    # login; the seed and the test cast set it false explicitly.
    must_change_password = models.BooleanField(_("须修改密码"), default=True)
    password_changed_at = models.DateTimeField(_("密码修改时间"), default=timezone.now)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    # The language the person chose (accounts.language): applied on every request by
    # UserLanguageMiddleware, on any device; empty follows the browser (or the login page's
    # choice, adopted at the first login).
    language = models.CharField(
        _("界面语言"), max_length=10, blank=True, choices=settings.LANGUAGES
    )

    objects: ClassVar[HandInHandUserManager] = HandInHandUserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.full_name or self.username


class RoleAssignmentQuerySet(models.QuerySet["RoleAssignment"]):
    def active(self) -> RoleAssignmentQuerySet:
        return self.filter(is_active=True)

    def visible_to(self, user: User) -> RoleAssignmentQuerySet:
        scope = get_scope(user)
        if scope.can_manage_roles or scope.can_manage_users:
            return self
        return self.filter(user=user) if getattr(user, "pk", None) else self.none()


class RoleAssignment(TimeStampedModel):
    """A role a person holds, anchored where its scope begins (a region or a school).

    Instructors and group leaders hold no row here: their scope comes from Membership.
    """

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        "orgs.Region",
        verbose_name=_("行政区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    school = models.ForeignKey(
        "orgs.School",
        verbose_name=_("学校"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(_("有效"), default=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        ordering = ["user_id", "role"]
        constraints = [
            models.CheckConstraint(
                name="role_anchor_matches_role",
                condition=(
                    Q(
                        role="region_staff",
                        region__isnull=False,
                        school__isnull=True,
                        unit__isnull=True,
                    )
                    | Q(
                        role="school_user",
                        school__isnull=False,
                        region__isnull=True,
                        unit__isnull=True,
                    )
                    | Q(
                        role="unit_contact",
                        unit__isnull=False,
                        region__isnull=True,
                        school__isnull=True,
                    )
                    | (
                        Q(region__isnull=True, school__isnull=True, unit__isnull=True)
                        & ~Q(role__in=["region_staff", "school_user", "unit_contact"])
                    )
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(region__isnull=True, school__isnull=True, unit__isnull=True),
                name="role_unique_unanchored",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "unit"],
                condition=Q(unit__isnull=False),
                name="role_unique_per_unit",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region"],
                condition=Q(region__isnull=False),
                name="role_unique_per_region",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "school"],
                condition=Q(school__isnull=False),
                name="role_unique_per_school",
            ),
        ]

    def __str__(self) -> str:
        anchor = self.region or self.school or self.unit
        return f"{self.user} · {self.get_role_display()}" + (f" · {anchor}" if anchor else "")


class PasswordHistory(models.Model):
    """The hashes of a person's previous passwords (MLPS: the last five are not reused)."""

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="password_history"
    )
    password = models.CharField(_("密码哈希"), max_length=128)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.created_at:%Y-%m-%d}"


class ResetStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("已拒绝")


class PasswordResetRequestQuerySet(models.QuerySet["PasswordResetRequest"]):
    def visible_to(self, user: User) -> PasswordResetRequestQuerySet:
        from handinhand.core.scope import get_scope

        scope = get_scope(user)
        if scope.can_manage_roles:
            return self
        if scope.can_manage_users:
            return self.filter(requested_by=user)
        return self.none()

    def pending(self) -> PasswordResetRequestQuerySet:
        return self.filter(status=ResetStatus.PENDING)


class PasswordResetRequest(models.Model):
    """A reset of a privileged account (province-wide or administrator rights) asked for by
    the system administrator; it takes effect only when the security administrator approves
    (two-person rule). The new password waits here hashed, never in clear."""

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="reset_requests"
    )
    requested_by = models.ForeignKey(
        User, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    password = models.CharField(_("新密码哈希"), max_length=128)
    status = models.CharField(
        _("状态"), max_length=10, choices=ResetStatus.choices, default=ResetStatus.PENDING
    )
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)

    objects = PasswordResetRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("密码重置申请")
        verbose_name_plural = _("密码重置申请")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(status="pending"), name="one_pending_reset_per_user"
            )
        ]

    def __str__(self) -> str:
        return str(_("%(user)s 的密码重置申请") % {"user": self.user})


class UserSessionQuerySet(models.QuerySet["UserSession"]):
    def online(self) -> UserSessionQuerySet:
        return self.filter(ended_at__isnull=True)

    def visible_to(self, user: User) -> UserSessionQuerySet:
        from handinhand.core.scope import get_scope

        return self if get_scope(user).can_manage_roles else self.none()


class UserSession(models.Model):
    """One login session, so that the security administrator sees who is online and can end
    it (the session store itself cannot be listed by user)."""

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="sessions"
    )
    session_key = models.CharField(_("会话标识"), max_length=64, unique=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    user_agent = models.CharField(_("浏览器"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("登录时间"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("最近活动"), default=timezone.now)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=20, blank=True)

    objects = UserSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("在线会话")
        verbose_name_plural = _("在线会话")
        ordering = ["-last_seen_at", "-pk"]

    def __str__(self) -> str:
        return str(_("%(user)s 的会话") % {"user": self.user})
