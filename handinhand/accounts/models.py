from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from handinhand.core.models import TimeStampedModel


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
    def visible_to(self, user: Any) -> UserQuerySet:
        from handinhand.core.scope import get_scope

        scope = get_scope(user)
        # Account administration belongs to the system and security administrators only.
        if scope.can_manage_users or scope.can_manage_roles:
            return self
        return self.filter(pk=user.pk) if getattr(user, "pk", None) else self.none()


class HandInHandUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
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
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    objects = HandInHandUserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.full_name or self.username


class RoleAssignmentQuerySet(models.QuerySet["RoleAssignment"]):
    def active(self) -> RoleAssignmentQuerySet:
        return self.filter(is_active=True)

    def visible_to(self, user: Any) -> RoleAssignmentQuerySet:
        from handinhand.core.scope import get_scope

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
