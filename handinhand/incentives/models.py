"""考核激励 (R10): the provincial group's yearly assessment of instructors and the priorities
a final 优秀 gives in the person's own unit (评优评先、培养培训、职称评聘、职务晋升).

Scope: the province admin sees every record; a person their own; a group's leader the records
of their group; a unit contact (单位联络人) the records and priorities of their unit's people.
During publicity (公示) and after, the result list (name, group, grade) is open to the
instructors of the assessed groups through its own selector, never through these querysets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from handinhand.core.models import Job, JobManager, TimeStampedModel, VersionedModel
from handinhand.orgs.models import Unit
from handinhand.programme.models import GuidanceGroup

if TYPE_CHECKING:
    from handinhand.accounts.models import User


class YearStatus(models.TextChoices):
    OPEN = "open", _("考核中")
    PUBLICITY = "publicity", _("公示中")
    FINAL = "final", _("已公布")


class AssessmentYearQuerySet(models.QuerySet["AssessmentYear"]):
    def visible_to(self, user: User) -> AssessmentYearQuerySet:
        from handinhand.core.scope import get_scope

        return self if get_scope(user).is_business else self.none()


class AssessmentYear(VersionedModel):
    """考核年度: opened once per year by the province admin, with the policy of that day."""

    year = models.PositiveSmallIntegerField(
        _("考核年度"),
        unique=True,
        error_messages={"unique": _("该年度的考核已开启，不能重复开启")},
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=YearStatus.choices, default=YearStatus.OPEN
    )
    levels = models.JSONField(_("考核层级"), default=list)
    min_months = models.PositiveSmallIntegerField(_("最少任职月数"))
    window_start = models.DateField(_("考核开始日期"))
    window_end = models.DateField(_("考核截止日期"))
    publicity_start = models.DateField(_("公示开始"), null=True, blank=True)
    publicity_end = models.DateField(_("公示截止"), null=True, blank=True)
    finalised_at = models.DateTimeField(_("结果公布时间"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("开启人"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = AssessmentYearQuerySet.as_manager()

    class Meta:
        verbose_name = _("考核年度")
        verbose_name_plural = _("考核年度")
        ordering = ["-year"]

    def __str__(self) -> str:
        return gettext("%(year)s年度党建指导员考核") % {"year": self.year}

    def get_absolute_url(self) -> str:
        return reverse("incentives:year_detail", args=[self.pk])

    @property
    def is_final(self) -> bool:
        return self.status == YearStatus.FINAL


class AssessmentStatus(models.TextChoices):
    EXEMPT = "exempt", _("不参加考核")
    PENDING = "pending", _("待述职")
    SUBMITTED = "submitted", _("待组长评定")
    PROPOSED = "proposed", _("待省级确认")
    CONFIRMED = "confirmed", _("已确认")


class AssessmentQuerySet(models.QuerySet["Assessment"]):
    def visible_to(self, user: User) -> AssessmentQuerySet:
        from handinhand.core.scope import get_scope

        scope = get_scope(user)
        if scope.everything:
            return self
        if not scope.is_business:
            return self.none()
        return self.filter(
            Q(user_id=user.pk) | Q(group_id__in=scope.led_group_ids) | Q(unit_id__in=scope.unit_ids)
        )


class Assessment(VersionedModel):
    """考核: one person in one year; self-summary → leader's proposal → province's grade."""

    year = models.ForeignKey(
        AssessmentYear,
        verbose_name=_("考核年度"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("指导员"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    group = models.ForeignKey(
        GuidanceGroup,
        verbose_name=_("指导组"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("所在单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    months = models.PositiveSmallIntegerField(_("本年度任职月数"))
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=AssessmentStatus.choices,
        default=AssessmentStatus.PENDING,
    )
    exempt_reason = models.CharField(_("不参加考核原因"), max_length=200, blank=True)
    self_summary = models.TextField(_("个人述职"), blank=True)
    submitted_at = models.DateTimeField(_("述职提交时间"), null=True, blank=True)
    proposed_grade = models.CharField(_("组长建议等次"), max_length=10, blank=True)
    proposal_comment = models.TextField(_("组长评语"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("建议人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("建议时间"), null=True, blank=True)
    grade = models.CharField(_("考核等次"), max_length=10, blank=True, db_index=True)
    grade_reason = models.TextField(_("等次说明"), blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回原因"), blank=True)
    evidence = models.JSONField(_("履职数据"), default=dict, blank=True)
    evidence_at = models.DateTimeField(_("数据生成时间"), null=True, blank=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("指导员考核")
        verbose_name_plural = _("指导员考核")
        ordering = ["year", "group_id", "user_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "user"],
                name="one_assessment_per_person_and_year",
                violation_error_message=_("该人员本年度已有考核记录"),
            ),
            models.CheckConstraint(
                name="confirmed_assessment_has_grade",
                condition=~Q(status="confirmed") | ~Q(grade=""),
            ),
        ]
        indexes = [models.Index(fields=["year", "status"]), models.Index(fields=["year", "group"])]

    def __str__(self) -> str:
        return gettext("%(person)s · %(year)s年度考核") % {
            "person": self.user,
            "year": self.year.year,
        }

    def get_absolute_url(self) -> str:
        return reverse("incentives:assessment_detail", args=[self.pk])

    @property
    def grade_label(self) -> str:
        return self.grade or "—"


class Objection(TimeStampedModel):
    """异议: raised during publicity by someone who sees the result list, answered by the
    province admin before the results become final."""

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("考核"), on_delete=models.PROTECT, related_name="objections"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    text = models.TextField(_("异议内容"))
    answer = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return gettext("%(a)s · 异议") % {"a": self.assessment}


class Correction(TimeStampedModel):
    """更正: a change to a final grade, with its reason; never an edit of the record."""

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("考核"), on_delete=models.PROTECT, related_name="corrections"
    )
    old_grade = models.CharField(_("原等次"), max_length=10)
    new_grade = models.CharField(_("更正后等次"), max_length=10)
    reason = models.TextField(_("更正原因"))
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("更正人"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("考核结果更正")
        verbose_name_plural = _("考核结果更正")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.old_grade} → {self.new_grade}"


class PriorityStatus(models.TextChoices):
    OPEN = "open", _("待落实")
    APPLIED = "applied", _("已落实")
    NOT_APPLIED = "not_applied", _("未落实")
    REVOKED = "revoked", _("已撤销")


class PriorityQuerySet(models.QuerySet["Priority"]):
    def visible_to(self, user: User) -> PriorityQuerySet:
        from handinhand.core.scope import get_scope

        scope = get_scope(user)
        if scope.everything:
            return self
        if not scope.is_business:
            return self.none()
        return self.filter(Q(user_id=user.pk) | Q(unit_id__in=scope.unit_ids))


class Priority(VersionedModel):
    """优先: one area in which a final 优秀 gives priority, other things equal, in the person's
    own unit, for the policy's validity; the unit contact records whether it was applied."""

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("考核"), on_delete=models.PROTECT, related_name="priorities"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("指导员"),
        on_delete=models.PROTECT,
        related_name="priorities",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("所在单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="priorities",
    )
    area = models.CharField(_("优先事项"), max_length=20)
    valid_from = models.DateField(_("有效期起"))
    valid_until = models.DateField(_("有效期至"))
    status = models.CharField(
        _("落实情况"), max_length=12, choices=PriorityStatus.choices, default=PriorityStatus.OPEN
    )
    application_note = models.CharField(_("落实说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("登记时间"), null=True, blank=True)

    objects = PriorityQuerySet.as_manager()

    class Meta:
        verbose_name = _("优先考虑事项")
        verbose_name_plural = _("优先考虑事项")
        ordering = ["-valid_from", "user_id", "area"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "area"], name="one_priority_per_area"),
            models.CheckConstraint(
                name="priority_validity_ordered",
                condition=Q(valid_until__gte=models.F("valid_from")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.area}"


def _letter_path(instance: Letter, filename: str) -> str:
    return f"incentives/letters/{instance.assessment.year.year}/{instance.number_slug}.docx"


class Letter(TimeStampedModel):
    """考核结果通知书 to the person's unit, with its number and a verification code."""

    assessment = models.OneToOneField(
        Assessment, verbose_name=_("考核"), on_delete=models.PROTECT, related_name="letter"
    )
    serial = models.PositiveIntegerField(_("序号"))
    number = models.CharField(_("文号"), max_length=40, unique=True)
    code = models.CharField(_("验证码"), max_length=16, unique=True)
    file = models.FileField(_("通知书"), upload_to=_letter_path, max_length=200, blank=True)

    class Meta:
        verbose_name = _("考核结果通知书")
        verbose_name_plural = _("考核结果通知书")
        ordering = ["serial"]

    def __str__(self) -> str:
        return self.number

    @property
    def number_slug(self) -> str:
        return f"{self.assessment.year.year}-{self.serial:04d}"


class LetterJob(Job):
    """One background run producing every letter of a final year: the shared job of core, of
    its own kind, with the year's id in its parameters and the time taken in its result."""

    KIND = "incentives.letters"

    objects: ClassVar[JobManager] = JobManager(KIND)

    class Meta:
        proxy = True
        verbose_name = _("通知书生成任务")
        verbose_name_plural = _("通知书生成任务")

    def __str__(self) -> str:
        return gettext("%(year)s年度考核结果通知书生成任务 #%(pk)s") % {
            "year": self.year.year,
            "pk": self.pk,
        }

    @property
    def year_id(self) -> int:
        return int(self.params.get("year", 0))

    @cached_property
    def year(self) -> AssessmentYear:
        return AssessmentYear.objects.get(pk=self.year_id)

    @property
    def started_by(self) -> Any:
        return self.created_by

    @property
    def seconds(self) -> float | None:
        value = self.result.get("seconds")
        return None if value is None else float(value)
