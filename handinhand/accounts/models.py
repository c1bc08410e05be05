from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from handinhand.core.models import TimeStampedModel
from handinhand.core.scope import get_scope


class Role(models.TextChoices):
    PROVINCE_ADMIN = "province_admin", _("省委教育工委管理员")
    REGION_STAFF = "region_staff", _("市县教育部门用户")
    SCHOOL_USER = "school_user", _("学校用户")
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
    title = models.CharField(_("职务/职称"), max_length=50, blank=True)
    failed_logins = models.PositiveSmallIntegerField(_("连续登录失败次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

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
                    Q(role="region_staff", region__isnull=False, school__isnull=True)
                    | Q(role="school_user", school__isnull=False, region__isnull=True)
                    | (
                        Q(region__isnull=True, school__isnull=True)
                        & ~Q(role__in=["region_staff", "school_user"])
                    )
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(region__isnull=True, school__isnull=True),
                name="role_unique_unanchored",
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
        anchor = self.region or self.school
        return f"{self.user} · {self.get_role_display()}" + (f" · {anchor}" if anchor else "")
