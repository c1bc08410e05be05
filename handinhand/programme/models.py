from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from handinhand.core.models import VersionedModel
from handinhand.core.scope import get_scope
from handinhand.orgs.models import Region, RegionLevel, School, University

if TYPE_CHECKING:
    from handinhand.accounts.models import User


class BatchStatus(models.TextChoices):
    PLANNED = "planned", _("筹备中")
    ACTIVE = "active", _("实施中")
    CLOSED = "closed", _("已结束")


class BatchQuerySet(models.QuerySet["Batch"]):
    def visible_to(self, user: User) -> BatchQuerySet:
        # Batches are the province's plan, public to everyone working in the programme.
        return self if get_scope(user).is_business else self.none()


class Batch(VersionedModel):
    """批次: pilot first, then batch rollout until the province is covered (R2)."""

    number = models.PositiveSmallIntegerField(
        _("批次序号"), unique=True, validators=[MinValueValidator(1)]
    )
    name = models.CharField(_("批次名称"), max_length=50)
    start_year = models.PositiveSmallIntegerField(
        _("启动年度"), validators=[MinValueValidator(2000)]
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.PLANNED
    )
    description = models.TextField(_("说明"), blank=True)

    objects = BatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("批次")
        verbose_name_plural = _("批次")
        ordering = ["number"]

    def __str__(self) -> str:
        return self.name


class GroupLevel(models.TextChoices):
    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")


# A group's level is the level of the region it belongs to (R4).
GROUP_REGION_LEVEL = {
    GroupLevel.PROVINCE: RegionLevel.PROVINCE,
    GroupLevel.CITY: RegionLevel.CITY,
    GroupLevel.COUNTY: RegionLevel.COUNTY,
}


class GuidanceGroupQuerySet(models.QuerySet["GuidanceGroup"]):
    def visible_to(self, user: User) -> GuidanceGroupQuerySet:
        scope = get_scope(user)
        if scope.everything:
            return self
        if not scope.is_business:
            return self.none()
        # Own groups; groups of regions in scope; groups paired with a region in scope or above
        # the user's own region (a school sees the provincial group paired with its city).
        touching = scope.region_q("region__path") | Q(region_id__in=scope.upward_codes)
        paired = Pairing.objects.filter(
            scope.region_q("region__path") | Q(region_id__in=scope.upward_codes)
        ).values("group_id")
        return self.filter(Q(pk__in=scope.group_ids) | touching | Q(pk__in=paired))

    def internal_to(self, user: User) -> GuidanceGroupQuerySet:
        """Groups whose internal papers (meeting minutes, annual reports with the leader's duty
        section) the user reads: its own members, the education bureaus of the group's region
        and above (the receiving department and its superiors) and the province. Schools and
        bureaus below a group, or paired with it, see the group but not its papers."""
        from handinhand.core.scope import get_scope

        scope = get_scope(user)
        if scope.everything:
            return self
        if not scope.is_business:
            return self.none()
        return self.filter(Q(pk__in=scope.group_ids) | scope.staff_q("region__path"))


class GuidanceGroup(VersionedModel):
    """党建指导组 at province, city or county level (R3, R4)."""

    name = models.CharField(_("指导组名称"), max_length=100, unique=True)
    level = models.CharField(_("层级"), max_length=10, choices=GroupLevel.choices)
    region = models.ForeignKey(
        Region,
        verbose_name=_("所属行政区划"),
        on_delete=models.PROTECT,
        related_name="guidance_groups",
    )
    lead_university = models.ForeignKey(
        University,
        verbose_name=_("牵头高校"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_groups",
    )
    batch = models.ForeignKey(
        Batch, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="groups"
    )
    is_active = models.BooleanField(_("在运行"), default=True)
    note = models.TextField(_("备注"), blank=True)

    objects = GuidanceGroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("党建指导组")
        verbose_name_plural = _("党建指导组")
        ordering = ["batch__number", "level", "region_id", "name"]
        constraints = [
            models.CheckConstraint(
                name="provincial_group_has_lead_university",
                condition=~Q(level="province") | Q(lead_university__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.region_id and self.level:
            expected = GROUP_REGION_LEVEL[GroupLevel(self.level)]
            if self.region.level != expected:
                raise ValidationError(
                    {
                        "region": _("%(level)s指导组必须属于%(region_level)s级行政区划")
                        % {"level": self.get_level_display(), "region_level": expected.label}
                    }
                )
        if self.level == GroupLevel.PROVINCE and not self.lead_university_id:
            raise ValidationError({"lead_university": _("省级指导组必须有牵头高校")})


class MemberRole(models.TextChoices):
    LEADER = "组长", _("组长")
    DEPUTY = "副组长", _("副组长")
    INSTRUCTOR = "指导员", _("指导员")
    LIAISON = "联络员", _("联络员")


class MembershipQuerySet(models.QuerySet["Membership"]):
    def visible_to(self, user: User) -> MembershipQuerySet:
        return self.filter(group__in=GuidanceGroup.objects.visible_to(user))

    def current(self, on: Any = None) -> MembershipQuerySet:
        """Memberships in force on a day (today by default): active, and within their term, so
        that an ended or not yet begun term gives no access."""
        day = on or timezone.localdate()
        return self.filter(is_active=True, term_start__lte=day).filter(
            Q(term_end__isnull=True) | Q(term_end__gte=day)
        )


class Membership(VersionedModel):
    """成员: a person's place in a guidance group for a term."""

    group = models.ForeignKey(
        GuidanceGroup,
        verbose_name=_("指导组"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("成员"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("组内职务"), max_length=5, choices=MemberRole.choices)
    subgroup = models.CharField(_("所在小组"), max_length=30, blank=True)
    term_start = models.DateField(_("任期开始"))
    term_end = models.DateField(_("任期结束"), null=True, blank=True)
    is_active = models.BooleanField(_("在任"), default=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("指导组成员")
        verbose_name_plural = _("指导组成员")
        ordering = ["group_id", "role", "user_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group"],
                condition=Q(role="组长", is_active=True),
                name="one_active_leader_per_group",
                violation_error_message=_("该指导组已有在任组长"),
            ),
            models.UniqueConstraint(
                fields=["group", "user"],
                condition=Q(is_active=True),
                name="one_active_membership_per_person_and_group",
                violation_error_message=_("该人员已是本指导组的在任成员"),
            ),
            models.CheckConstraint(
                name="term_end_after_start",
                condition=Q(term_end__isnull=True) | Q(term_end__gt=F("term_start")),
                violation_error_message=_("任期结束日期必须晚于开始日期"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} · {self.user} · {self.role}"


class PairingQuerySet(models.QuerySet["Pairing"]):
    def visible_to(self, user: User) -> PairingQuerySet:
        return self.filter(group__in=GuidanceGroup.objects.visible_to(user))


class Pairing(VersionedModel):
    """结对: a guidance group paired with a region within a batch (R2)."""

    batch = models.ForeignKey(
        Batch, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="pairings"
    )
    group = models.ForeignKey(
        GuidanceGroup, verbose_name=_("指导组"), on_delete=models.PROTECT, related_name="pairings"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("结对地区"), on_delete=models.PROTECT, related_name="pairings"
    )
    since = models.DateField(_("结对日期"))
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = PairingQuerySet.as_manager()

    class Meta:
        verbose_name = _("结对关系")
        verbose_name_plural = _("结对关系")
        ordering = ["batch__number", "region_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "region"],
                name="one_pairing_per_region",
                violation_error_message=_("该地区在本批次已结对"),
            ),
            models.UniqueConstraint(fields=["group", "region"], name="pairing_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.group} ↔ {self.region}"

    def clean(self) -> None:
        if self.region_id and self.region.level == RegionLevel.PROVINCE:
            raise ValidationError({"region": _("结对地区应为设区市或县（市、区）")})


class DistrictQuerySet(models.QuerySet["District"]):
    def visible_to(self, user: User) -> DistrictQuerySet:
        """A district is seen by its group's members, by the bureaus of the group's region and
        below, and by whoever sees one of its schools. Seeing the group is not enough: a county
        sees its city's group, but not that group's districts in the other counties."""
        scope = get_scope(user)
        groups = self.filter(group__in=GuidanceGroup.objects.visible_to(user))
        if scope.everything:
            return groups
        schools = DistrictSchool.objects.filter(school__in=School.objects.visible_to(user)).values(
            "district_id"
        )
        return groups.filter(
            Q(group_id__in=sorted(scope.group_ids))
            | scope.staff_q("group__region__path")
            | Q(pk__in=schools)
        )


class District(VersionedModel):
    """片区: a set of schools assigned to a sub-group of instructors."""

    group = models.ForeignKey(
        GuidanceGroup, verbose_name=_("指导组"), on_delete=models.PROTECT, related_name="districts"
    )
    batch = models.ForeignKey(
        Batch, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="districts"
    )
    name = models.CharField(_("片区名称"), max_length=50)
    instructors = models.ManyToManyField(
        Membership, verbose_name=_("指导员"), blank=True, related_name="districts"
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = DistrictQuerySet.as_manager()

    class Meta:
        verbose_name = _("片区")
        verbose_name_plural = _("片区")
        ordering = ["group_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "name"],
                name="district_name_unique",
                violation_error_message=_("本指导组已有同名片区"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} · {self.name}"


class DistrictSchool(models.Model):
    """A school's place in a district; `batch` is repeated so the database can refuse a school
    in two districts of one batch."""

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="assignments")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="district_links")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("片区学校")
        verbose_name_plural = _("片区学校")
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "school"], name="one_district_per_school_per_batch"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district} · {self.school}"
