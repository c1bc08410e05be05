"""Guidance work (指导活动): visits of a guidance group to schools, and their attachments.

A visit is visible to whoever sees one of its schools (School.objects.visible_to), so the
scope rule of schools decides, once, who sees what happened there.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from handinhand.core.models import VersionedModel
from handinhand.core.policy import get_policy
from handinhand.core.scope import get_scope
from handinhand.orgs.models import School
from handinhand.programme.models import GuidanceGroup, Membership
from handinhand.programme.scope import readable_university_ids

if TYPE_CHECKING:
    from handinhand.accounts.models import User


class VisitStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    HELD = "held", _("已开展")
    CANCELLED = "cancelled", _("已取消")


class VisitQuerySet(models.QuerySet["Visit"]):
    def visible_to(self, user: User) -> VisitQuerySet:
        schools = School.objects.visible_to(user)
        return self.filter(pk__in=VisitSchool.objects.filter(school__in=schools).values("visit_id"))


class Visit(VersionedModel):
    """指导活动: one visit of a guidance group to one or more schools."""

    group = models.ForeignKey(
        GuidanceGroup, verbose_name=_("指导组"), on_delete=models.PROTECT, related_name="visits"
    )
    date = models.DateField(_("活动日期"), db_index=True)
    duration_hours = models.DecimalField(
        _("时长（小时）"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("24"))],
    )
    form = models.CharField(_("活动形式"), max_length=20)
    status = models.CharField(
        _("状态"), max_length=10, choices=VisitStatus.choices, default=VisitStatus.PLANNED
    )
    title = models.CharField(_("活动主题"), max_length=100)
    content = models.TextField(_("活动内容"), blank=True)
    # Level-3 indicator codes or names; a free list until the indicator framework exists.
    indicators = models.JSONField(_("涉及指标"), default=list, blank=True)
    schools = models.ManyToManyField(
        School, verbose_name=_("指导学校"), through="VisitSchool", related_name="visits"
    )
    instructors = models.ManyToManyField(
        Membership, verbose_name=_("参加指导员"), related_name="visits", blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The idempotency key a phone generates for a visit recorded in the field: a visit kept
    # offline may be sent again (a retry after a lost answer), and the same key must never make
    # a second visit. Null for visits entered by the ordinary form.
    client_key = models.UUIDField(_("提交编号"), null=True, blank=True, unique=True, editable=False)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("指导活动")
        verbose_name_plural = _("指导活动")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["group", "date"]), models.Index(fields=["status", "date"])]
        constraints = [
            models.CheckConstraint(
                name="visit_duration_positive",
                condition=Q(duration_hours__gt=0) & Q(duration_hours__lte=24),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("guidance:visit_detail", args=[self.pk])

    def clean(self) -> None:
        if self.form and self.form not in get_policy().guidance.visit_forms:
            raise ValidationError({"form": _("活动形式须为政策规定的形式之一")})
        if not isinstance(self.indicators, list) or not all(
            isinstance(i, str) for i in self.indicators
        ):
            raise ValidationError({"indicators": _("涉及指标须为文本列表")})


class VisitSchool(models.Model):
    """A school visited in a visit; its own row so that coverage counts are one GROUP BY."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="visit_schools")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="visit_links")
    # The visit's date while it is held, else null: kept by the services, so that coverage
    # counts walk one (school, held_on) index instead of joining every visit of the year.
    held_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("指导学校")
        verbose_name_plural = _("指导学校")
        constraints = [
            models.UniqueConstraint(fields=["visit", "school"], name="visit_school_unique")
        ]
        indexes = [
            models.Index(fields=["school", "visit"]),
            models.Index(fields=["school", "held_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.visit_id} · {self.school_id}"


class SchoolVisitCount(models.Model):
    """Held visits of one school in one year, and the last one's date: a pre-aggregate of
    VisitSchool so that coverage pages join one small row per school instead of counting
    visits per school over every school in scope. Written only by `services.refresh_visit_counts`
    (inside the transaction of every service that changes a visit's schools, date or status),
    by the seed and by `manage.py refresh_visit_counts`; a school never visited has no row."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="visit_counts")
    year = models.PositiveSmallIntegerField()
    held = models.PositiveIntegerField()
    last_held_on = models.DateField()

    class Meta:
        verbose_name = _("学校年度指导次数")
        verbose_name_plural = _("学校年度指导次数")
        constraints = [
            models.UniqueConstraint(fields=["school", "year"], name="school_visit_count_unique")
        ]

    def __str__(self) -> str:
        return f"{self.school_id} · {self.year}: {self.held}"


class VisitAttachment(models.Model):
    """A photo or file of a visit record; its type was checked by its first bytes."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to="guidance/visits/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    kind = models.CharField(_("类型"), max_length=10)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("活动附件")
        verbose_name_plural = _("活动附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.kind in ("jpg", "png", "gif")


# --- findings and rectification (问题整改) -------------------------------------------------------


class Severity(models.TextChoices):
    MINOR = "minor", _("一般")
    MAJOR = "major", _("较重")
    SERIOUS = "serious", _("严重")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    ANSWERED = "answered", _("待核验")
    RETURNED = "returned", _("已退回")
    CLOSED = "closed", _("已销号")


class FindingQuerySet(models.QuerySet["Finding"]):
    def visible_to(self, user: User) -> FindingQuerySet:
        # A school user's scope is their own school: they never see another school's findings.
        return self.filter(school__in=School.objects.visible_to(user))


def overdue_q(today: Any) -> Q:
    """Findings past their deadline and not closed (销号)."""
    return ~Q(status=FindingStatus.CLOSED) & Q(deadline__lt=today)


class Finding(VersionedModel):
    """问题: raised by an instructor on a school, answered by the school, verified (销号)."""

    school = models.ForeignKey(
        School, verbose_name=_("学校"), on_delete=models.PROTECT, related_name="findings"
    )
    group = models.ForeignKey(
        GuidanceGroup, verbose_name=_("指导组"), on_delete=models.PROTECT, related_name="findings"
    )
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("指导活动"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings",
    )
    raised_by = models.ForeignKey(
        Membership, verbose_name=_("提出人"), on_delete=models.PROTECT, related_name="findings"
    )
    problem = models.TextField(_("问题描述"))
    indicator = models.CharField(_("相关指标"), max_length=100, blank=True)
    severity = models.CharField(
        _("严重程度"), max_length=10, choices=Severity.choices, default=Severity.MINOR
    )
    found_on = models.DateField(_("发现日期"))
    deadline = models.DateField(_("整改期限"))
    status = models.CharField(
        _("状态"), max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题整改")
        ordering = ["-found_on", "-id"]
        indexes = [
            models.Index(fields=["school", "status"]),
            models.Index(fields=["status", "deadline"]),
        ]
        constraints = [
            models.CheckConstraint(
                name="finding_deadline_not_before_found",
                condition=Q(deadline__gte=models.F("found_on")),
                violation_error_message=_("整改期限不能早于发现日期"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school} · {self.problem[:30]}"

    def get_absolute_url(self) -> str:
        return reverse("guidance:finding_detail", args=[self.pk])

    def clean(self) -> None:
        if self.found_on and self.deadline and self.deadline < self.found_on:
            raise ValidationError({"deadline": _("整改期限不能早于发现日期")})

    def is_overdue(self, today: Any) -> bool:
        return self.status != FindingStatus.CLOSED and self.deadline < today


class Verdict(models.TextChoices):
    ACCEPTED = "accepted", _("通过，销号")
    RETURNED = "returned", _("退回重改")


class Rectification(models.Model):
    """整改答复: the school's measures and evidence, and the instructor's verdict on them."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="answers")
    measures = models.TextField(_("整改措施"))
    evidence = models.FileField(_("佐证材料"), upload_to="guidance/evidence/%Y/%m/", blank=True)
    evidence_name = models.CharField(_("佐证文件名"), max_length=200, blank=True)
    # The kind read from the evidence's bytes (core/uploads.py); it decides how it is served.
    evidence_kind = models.CharField(_("佐证文件类型"), max_length=10, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("答复时间"), auto_now_add=True)
    verdict = models.CharField(_("核验结论"), max_length=10, choices=Verdict.choices, blank=True)
    reason = models.TextField(_("退回理由"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("核验时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("整改答复")
        verbose_name_plural = _("整改答复")
        ordering = ["answered_at", "id"]

    def __str__(self) -> str:
        return f"{self.finding_id} · {self.answered_at:%Y-%m-%d}"


# --- Party-building brands (党建品牌) -------------------------------------------------------------


class BrandQuerySet(models.QuerySet["Brand"]):
    def visible_to(self, user: User) -> BrandQuerySet:
        return self.filter(school__in=School.objects.visible_to(user))


class Brand(VersionedModel):
    """A school's Party-building brand, moving through the policy's stages one at a time."""

    school = models.ForeignKey(
        School, verbose_name=_("学校"), on_delete=models.PROTECT, related_name="brands"
    )
    name = models.CharField(_("品牌名称"), max_length=60)
    idea = models.TextField(_("品牌理念"))
    measures = models.TextField(_("主要举措"))
    stage = models.CharField(_("所处阶段"), max_length=20)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申报人"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = BrandQuerySet.as_manager()

    class Meta:
        verbose_name = _("党建品牌")
        verbose_name_plural = _("党建品牌")
        ordering = ["school_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "name"],
                name="brand_name_unique_per_school",
                violation_error_message=_("本校已有同名品牌"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.school} · {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("guidance:brand_detail", args=[self.pk])

    def clean(self) -> None:
        if self.stage and self.stage not in get_policy().brands.stages:
            raise ValidationError({"stage": _("品牌阶段须为政策规定的阶段之一")})


# --- shared resources of universities (共享资源) ------------------------------------------------


class ResourceKind(models.TextChoices):
    THEORY = "theory", _("党建理论")
    BRAND = "brand", _("品牌材料")


class ResourceQuerySet(models.QuerySet["Resource"]):
    def visible_to(self, user: User) -> ResourceQuerySet:
        scope = get_scope(user)
        if scope.everything:
            return self
        if not scope.is_business:
            return self.none()
        return self.filter(university_id__in=readable_university_ids(user))


class Resource(models.Model):
    """A university's Party-building theory or brand material, shared with its paired schools."""

    university = models.ForeignKey(
        "orgs.University",
        verbose_name=_("发布高校"),
        on_delete=models.PROTECT,
        related_name="resources",
    )
    kind = models.CharField(_("类别"), max_length=10, choices=ResourceKind.choices)
    title = models.CharField(_("标题"), max_length=100)
    description = models.TextField(_("简介"), blank=True)
    file = models.FileField(_("文件"), upload_to="guidance/resources/%Y/%m/")
    file_name = models.CharField(_("文件名"), max_length=200)
    # The kind read from the file's bytes (core/uploads.py); it decides how it is served.
    file_kind = models.CharField(_("文件类型"), max_length=10, default="")
    size = models.PositiveIntegerField(_("大小（字节）"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("共享资源")
        verbose_name_plural = _("共享资源")
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title
