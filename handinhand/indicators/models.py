"""Indicator frameworks (指标体系) and their three-level indicators (DESIGN §3, R6)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from handinhand.core.models import Job, JobManager, VersionedModel
from handinhand.core.models import JobStatus as CoreJobStatus
from handinhand.core.scope import get_scope
from handinhand.orgs.models import School

if TYPE_CHECKING:
    from handinhand.accounts.models import User


class FrameworkStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class FrameworkQuerySet(models.QuerySet["Framework"]):
    def visible_to(self, user: User) -> FrameworkQuerySet:
        # The indicator system is the programme's common yardstick: every business user reads
        # it; the separated administrators do not.
        return self if get_scope(user).is_business else self.none()

    def published(self) -> FrameworkQuerySet:
        return self.filter(status=FrameworkStatus.PUBLISHED)


class Framework(VersionedModel):
    name = models.CharField(_("体系名称"), max_length=100)
    edition = models.CharField(_("版本"), max_length=40, help_text=_("例如：2025版"))
    status = models.CharField(
        _("状态"), max_length=10, choices=FrameworkStatus.choices, default=FrameworkStatus.DRAFT
    )
    is_sample = models.BooleanField(
        _("示例"), default=False, help_text=_("示例体系仅供演示，非官方正式文本")
    )
    total_score = models.DecimalField(
        _("总分"),
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    description = models.TextField(_("说明"), blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    copied_from = models.ForeignKey(
        "self",
        verbose_name=_("复制自"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
    )

    objects = FrameworkQuerySet.as_manager()

    class Meta:
        verbose_name = _("指标体系")
        verbose_name_plural = _("指标体系")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["name", "edition"], name="framework_name_edition"),
        ]

    def __str__(self) -> str:
        label = f"{self.name}（{self.edition}）"
        return f"{label}【示例】" if self.is_sample and "示例" not in self.name else label

    def get_absolute_url(self) -> str:
        return reverse("indicators:framework_detail", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == FrameworkStatus.DRAFT


class Indicator(VersionedModel):
    framework = models.ForeignKey(
        Framework, verbose_name=_("指标体系"), on_delete=models.CASCADE, related_name="indicators"
    )
    code = models.CharField(_("编码"), max_length=20)
    level = models.PositiveSmallIntegerField(
        _("级别"), validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级指标"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    title = models.CharField(_("指标名称"), max_length=200)
    max_score = models.DecimalField(
        _("分值"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("仅三级指标设分值"),
    )
    guidance = models.TextField(_("评分要点"), blank=True)
    evidence = models.TextField(_("佐证材料"), blank=True)
    order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        ordering = ["framework", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="indicator_code_unique"),
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=3), name="indicator_level_1_3"
            ),
        ]
        indexes = [models.Index(fields=["framework", "level"])]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


# --- evaluation cycles and evaluations --------------------------------------------------------


class CycleScope(models.TextChoices):
    ALL = "all", _("全省所有学校")
    BATCH = "batch", _("某一批次结对地区的学校")
    REGION = "region", _("某一地区的学校")


class CycleStatus(models.TextChoices):
    OPENING = "opening", _("正在生成评估")
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")


class EvaluationCycleQuerySet(models.QuerySet["EvaluationCycle"]):
    def visible_to(self, user: User) -> EvaluationCycleQuerySet:
        return self if get_scope(user).is_business else self.none()


class EvaluationCycle(VersionedModel):
    """评估周期, e.g. 2025年度: one published framework applied to a set of schools."""

    framework = models.ForeignKey(
        Framework, verbose_name=_("指标体系"), on_delete=models.PROTECT, related_name="cycles"
    )
    name = models.CharField(_("周期名称"), max_length=60, unique=True)
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    scope = models.CharField(
        _("范围"), max_length=10, choices=CycleScope.choices, default=CycleScope.ALL
    )
    batch = models.ForeignKey(
        "programme.Batch",
        verbose_name=_("批次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    region = models.ForeignKey(
        "orgs.Region",
        verbose_name=_("地区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=CycleStatus.choices, default=CycleStatus.OPENING
    )
    # The background job creating its evaluations (core.Job).
    job = models.OneToOneField(
        "core.Job",
        verbose_name=_("生成任务"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cycle",
    )

    objects = EvaluationCycleQuerySet.as_manager()

    class Meta:
        verbose_name = _("评估周期")
        verbose_name_plural = _("评估周期")
        ordering = ["-year", "-id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("indicators:cycle_detail", args=[self.pk])


# The shared background job (core.Job) carries the progress of opening a cycle.
JobStatus = CoreJobStatus


class CycleJobManager(JobManager):
    def create(self, *, cycle: EvaluationCycle | None = None, **kwargs: Any) -> Job:
        """A job, linked to its cycle when one is given."""
        job: Job = super().create(**kwargs)
        if cycle is not None:
            EvaluationCycle.objects.filter(pk=cycle.pk).update(job=job)
            cycle.job = job
        return job


class CycleJob(Job):
    """Progress of creating a cycle's evaluations in the background (polled by the page): the
    shared job of core, of its own kind; `EvaluationCycle.job` points at it."""

    KIND = "indicators.cycle_open"

    objects: ClassVar[CycleJobManager] = CycleJobManager(KIND)

    class Meta:
        proxy = True
        verbose_name = _("评估生成任务")
        verbose_name_plural = _("评估生成任务")


class EvaluationStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未开始")
    DRAFT = "draft", _("自评中")
    SUBMITTED = "submitted", _("已提交自评")
    RETURNED = "returned", _("已退回")
    REVIEWED = "reviewed", _("已审核")
    CONFIRMED = "confirmed", _("已确认")


class EvaluationQuerySet(models.QuerySet["Evaluation"]):
    def visible_to(self, user: User) -> EvaluationQuerySet:
        # An evaluation is visible exactly when its school is.
        return self.filter(school__in=School.objects.visible_to(user))


class Evaluation(VersionedModel):
    """评估: one school in one cycle; self-assessment, instructor review, confirmation."""

    cycle = models.ForeignKey(
        EvaluationCycle,
        verbose_name=_("评估周期"),
        on_delete=models.CASCADE,
        related_name="evaluations",
    )
    school = models.ForeignKey(
        "orgs.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="evaluations"
    )
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=EvaluationStatus.choices,
        default=EvaluationStatus.NOT_STARTED,
    )
    self_total = models.DecimalField(
        _("自评总分"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    review_total = models.DecimalField(
        _("审核总分"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    return_reason = models.TextField(_("退回原因"), blank=True)
    review_summary = models.TextField(_("审核意见"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("学校评估")
        verbose_name_plural = _("学校评估")
        ordering = ["cycle", "school"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "school"], name="evaluation_cycle_school"),
        ]
        indexes = [models.Index(fields=["cycle", "status"])]

    def __str__(self) -> str:
        return f"{self.cycle} · {self.school}"

    def get_absolute_url(self) -> str:
        return reverse("indicators:evaluation_detail", args=[self.pk])


class Score(models.Model):
    """One level-3 indicator of one evaluation. Written in bulk: a form is one statement."""

    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("评估"), on_delete=models.CASCADE, related_name="scores"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("指标"), on_delete=models.PROTECT, related_name="+"
    )
    self_score = models.DecimalField(
        _("自评得分"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    self_explanation = models.TextField(_("自评说明"), blank=True)
    review_score = models.DecimalField(
        _("审核得分"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    review_comment = models.TextField(_("审核意见"), blank=True)

    class Meta:
        verbose_name = _("指标得分")
        verbose_name_plural = _("指标得分")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "indicator"], name="score_evaluation_indicator"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation_id}:{self.indicator_id}"


def evidence_path(instance: EvidenceFile, filename: str) -> str:
    # The stored name is ours (never the uploader's), so no path tricks; the original is kept.

    return f"evidence/{instance.evaluation_id}/{uuid.uuid4().hex}.{instance.kind}"


class EvidenceFile(models.Model):
    """佐证材料: a file a school attaches to one level-3 indicator of its evaluation."""

    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("评估"), on_delete=models.CASCADE, related_name="evidence"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("指标"), on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("文件"), upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    kind = models.CharField(_("类型"), max_length=10)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


# --- summary rows for report cards and analytics (written on confirmation) --------------------


class EvaluationSummary(models.Model):
    """A confirmed evaluation's final figures, with where the school is, so that analytics are
    grouped reads of small tables rather than scans of the score rows."""

    evaluation = models.OneToOneField(
        Evaluation, primary_key=True, on_delete=models.CASCADE, related_name="summary"
    )
    cycle = models.ForeignKey(EvaluationCycle, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey("orgs.School", on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="+")
    city = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="+")
    total = models.DecimalField(_("总分"), max_digits=7, decimal_places=2)
    grade = models.CharField(_("等级"), max_length=20)

    class Meta:
        verbose_name = _("评估汇总")
        verbose_name_plural = _("评估汇总")
        indexes = [
            models.Index(fields=["cycle", "city"]),
            models.Index(fields=["cycle", "county"]),
            models.Index(fields=["cycle", "grade"]),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation_id}: {self.total}"


class L1Score(models.Model):
    """A confirmed evaluation's subtotal for one level-1 indicator."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="+")
    cycle = models.ForeignKey(EvaluationCycle, on_delete=models.CASCADE, related_name="+")
    county = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="+")
    city = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="+")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(max_digits=7, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "indicator"], name="l1score_unique"),
        ]
        indexes = [
            models.Index(fields=["cycle", "city", "indicator"]),
            models.Index(fields=["cycle", "county", "indicator"]),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation_id}:{self.indicator_id}={self.score}"


class IndicatorAggregate(models.Model):
    """Sum and count of confirmed final scores per cycle × county × level-3 indicator,
    recomputed for the county on each confirmation (a few thousand rows per cycle)."""

    cycle = models.ForeignKey(EvaluationCycle, on_delete=models.CASCADE, related_name="+")
    county = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="+")
    city = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="+")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    score_sum = models.DecimalField(max_digits=14, decimal_places=2)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "county", "indicator"], name="indicator_aggregate_unique"
            ),
        ]
        indexes = [models.Index(fields=["cycle", "city"])]

    def __str__(self) -> str:
        return f"{self.cycle_id}/{self.county_id}/{self.indicator_id}"
