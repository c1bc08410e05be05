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
    CLOSED = "closed", _("已完成")


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
    # The batch's plan (R2, 分批推进): where it goes and when, before any pairing exists.
    planned_start = models.DateField(_("计划开始日期"), null=True, blank=True)
    planned_end = models.DateField(_("计划结束日期"), null=True, blank=True)
    target_regions = models.ManyToManyField(
        Region, verbose_name=_("目标地区"), blank=True, related_name="targeted_by_batches"
    )
    # Set by closing a selection round (遴选, R1): the universities chosen to lead this batch.
    lead_universities = models.ManyToManyField(
        University, verbose_name=_("牵头高校"), blank=True, related_name="lead_of_batches"
    )

    objects = BatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("批次")
        verbose_name_plural = _("批次")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                name="batch_plan_end_not_before_start",
                condition=Q(planned_start__isnull=True)
                | Q(planned_end__isnull=True)
                | Q(planned_end__gte=F("planned_start")),
                violation_error_message=_("计划结束日期不能早于计划开始日期"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            raise ValidationError({"planned_end": _("计划结束日期不能早于计划开始日期")})


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


class SelectionStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已完成")


class SelectionQuerySet(models.QuerySet["SelectionRound"]):
    def visible_to(self, user: User) -> SelectionQuerySet:
        # The grounds on which universities were or were not chosen are the province's record:
        # the Education Work Committee alone reads them.
        return self if get_scope(user).everything else self.none()


class SelectionRound(VersionedModel):
    """遴选: the province chooses the lead universities of a batch (R1), among those with
    recognitions (示范校、标杆院系、样板支部); its record says who decided, when and why."""

    batch = models.ForeignKey(
        Batch, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="selection_rounds"
    )
    title = models.CharField(_("遴选名称"), max_length=100)
    basis = models.TextField(_("遴选依据"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=SelectionStatus.choices, default=SelectionStatus.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办结人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    objects = SelectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("牵头高校遴选")
        verbose_name_plural = _("牵头高校遴选")
        ordering = ["batch__number", "-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch"],
                condition=Q(status="open"),
                name="one_open_selection_per_batch",
                violation_error_message=_("该批次已有进行中的遴选"),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SelectionOutcome(models.TextChoices):
    SELECTED = "selected", _("入选")
    REJECTED = "rejected", _("未入选")


class SelectionDecision(VersionedModel):
    """One university's decision in a round, with its reason and the recognitions it stood on
    at the time (kept as text: a later change of recognitions does not rewrite the record)."""

    selection = models.ForeignKey(
        SelectionRound,
        verbose_name=_("遴选"),
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    university = models.ForeignKey(
        University, verbose_name=_("高校"), on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(_("决定"), max_length=10, choices=SelectionOutcome.choices)
    reason = models.TextField(_("理由"))
    recognitions = models.TextField(_("认定情况"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("决定人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("决定时间"), default=timezone.now)

    class Meta:
        verbose_name = _("遴选决定")
        verbose_name_plural = _("遴选决定")
        ordering = ["selection_id", "university__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["selection", "university"],
                name="one_decision_per_university_and_round",
                violation_error_message=_("该高校在本轮遴选中已有决定"),
            ),
            models.CheckConstraint(
                name="selection_decision_has_reason",
                condition=~Q(reason=""),
                violation_error_message=_("请填写决定理由"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.selection} · {self.university} · {self.get_outcome_display()}"


class PairingHandover(models.Model):
    """交接: a region paired in a batch in force is paired again in another batch only by an
    explicit decision, from the earlier batch's group to the later one's, with its reason."""

    region = models.ForeignKey(
        Region, verbose_name=_("交接地区"), on_delete=models.PROTECT, related_name="+"
    )
    from_pairing = models.ForeignKey(
        Pairing,
        verbose_name=_("原结对"),
        on_delete=models.PROTECT,
        related_name="handovers_out",
    )
    to_pairing = models.ForeignKey(
        Pairing,
        verbose_name=_("新结对"),
        on_delete=models.PROTECT,
        related_name="handovers_in",
    )
    reason = models.TextField(_("交接理由"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("决定人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("决定时间"), default=timezone.now)

    class Meta:
        verbose_name = _("结对交接")
        verbose_name_plural = _("结对交接")
        ordering = ["-decided_at"]
        constraints = [
            models.CheckConstraint(
                name="pairing_handover_has_reason",
                condition=~Q(reason=""),
                violation_error_message=_("请填写交接理由"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region} · {self.from_pairing.group} → {self.to_pairing.group}"
