"""党建研究课题 (R11): research calls in the catalogues of the policy, applications with a
separate quota (单列计划) and priority approval (优先立项) for guidance-group members, expert
review on a rubric, the 立项 decision and the follow-up (中期检查、结题).

Scope: the province admin sees everything; an applicant (and their team) their own
applications; a unit contact (单位联络人) the submitted applications of their unit's people; a
reviewer only the applications assigned to them (blind to names when the call says so).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from handinhand.core.models import TimeStampedModel, VersionedModel
from handinhand.orgs.models import Unit

if TYPE_CHECKING:
    from handinhand.accounts.models import User


def _reviewer_of(user: User) -> Any:
    return ReviewAssignment.objects.filter(reviewer_id=getattr(user, "pk", None) or 0)


class CallStatus(models.TextChoices):
    OPEN = "open", _("申报中")
    REVIEW = "review", _("评审中")
    PUBLISHED = "published", _("已公布立项结果")


class ResearchCallQuerySet(models.QuerySet["ResearchCall"]):
    def visible_to(self, user: User) -> ResearchCallQuerySet:
        """A call is a public notice to the programme's people and to its reviewers."""
        from handinhand.core.scope import get_scope

        if get_scope(user).is_business:
            return self
        return self.filter(pk__in=_reviewer_of(user).values("application__call_id"))


class ResearchCall(VersionedModel):
    """课题申报通知: one call of a catalogue and year, with its places and separate quota. The
    research policy of the day is copied onto it, so that a later policy change does not move
    the rules of a call under way."""

    catalogue = models.CharField(_("申报目录"), max_length=50)
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("通知标题"), max_length=100)
    topic_guide = models.TextField(_("选题指南"))
    deadline = models.DateField(_("申报截止日期"))
    places = models.PositiveIntegerField(_("立项总数"))
    separate_quota = models.PositiveIntegerField(_("单列计划名额"))
    status = models.CharField(
        _("状态"), max_length=10, choices=CallStatus.choices, default=CallStatus.OPEN
    )
    # The policy of the day (see the class docstring).
    unit_recommendation = models.BooleanField(_("须单位推荐"), default=True)
    blind_review = models.BooleanField(_("盲评"), default=True)
    priority_approval = models.BooleanField(_("优先立项"), default=True)
    applications_per_person = models.PositiveSmallIntegerField(_("每人限报项数"), default=1)
    allow_multiple_teams = models.BooleanField(_("允许一人参加多个课题组"), default=False)
    rubric = models.JSONField(_("评分细则"), default=list)
    min_score = models.DecimalField(_("最低立项分数"), max_digits=6, decimal_places=2)
    tie_tolerance = models.DecimalField(_("同等条件分差"), max_digits=6, decimal_places=2)
    midterm_months = models.PositiveSmallIntegerField(_("中期检查（立项后月数）"))
    closing_months = models.PositiveSmallIntegerField(_("结题（立项后月数）"))
    ranked_at = models.DateTimeField(_("建议名单生成时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("立项结果公布时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ResearchCallQuerySet.as_manager()

    class Meta:
        verbose_name = _("课题申报通知")
        verbose_name_plural = _("课题申报通知")
        ordering = ["-year", "-deadline", "pk"]
        constraints = [
            models.CheckConstraint(
                name="research_quota_within_places",
                condition=Q(separate_quota__lte=models.F("places")),
                violation_error_message=_("单列计划名额不能超过立项总数"),
            ),
            models.UniqueConstraint(
                fields=["catalogue", "year", "title"],
                name="research_call_unique_title",
                violation_error_message=_("该目录本年度已有同名申报通知"),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("research:call_detail", args=[self.pk])

    @property
    def is_accepting(self) -> bool:
        return self.status == CallStatus.OPEN and timezone.localdate() <= self.deadline

    @property
    def rubric_total(self) -> float:
        return float(sum(item["max_score"] for item in self.rubric))


class AppStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待单位推荐")
    RETURNED = "returned", _("已退回修改")
    RECOMMENDED = "recommended", _("待专家评审")
    APPROVED = "approved", _("已立项")
    REJECTED = "rejected", _("未立项")


class Stage(models.TextChoices):
    NONE = "", _("—")
    APPROVED = "approved", _("立项")
    MIDTERM = "midterm", _("已中期检查")
    CLOSED = "closed", _("已结题")


class ResearchApplicationQuerySet(models.QuerySet["ResearchApplication"]):
    def visible_to(self, user: User) -> ResearchApplicationQuerySet:
        from handinhand.core.scope import get_scope

        scope = get_scope(user)
        if scope.everything:
            return self
        pk = getattr(user, "pk", None) or 0
        return self.filter(
            Q(applicant_id=pk)
            | Q(pk__in=TeamMember.objects.filter(user_id=pk).values("application_id"))
            | (Q(unit_id__in=scope.unit_ids) & ~Q(status=AppStatus.DRAFT))
            | Q(pk__in=_reviewer_of(user).values("application_id"))
        )


class ResearchApplication(VersionedModel):
    """课题申报书: one application to one call, by an applicant with a team."""

    call = models.ForeignKey(
        ResearchCall,
        verbose_name=_("申报通知"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申报人"),
        on_delete=models.PROTECT,
        related_name="research_applications",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("所在单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="research_applications",
    )
    title = models.CharField(_("课题名称"), max_length=100)
    direction = models.CharField(_("研究方向"), max_length=100)
    plan = models.TextField(_("研究方案"))
    budget = models.DecimalField(_("经费预算（元）"), max_digits=12, decimal_places=2)
    status = models.CharField(
        _("状态"), max_length=12, choices=AppStatus.choices, default=AppStatus.DRAFT
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回原因"), blank=True)
    recommended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("推荐人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recommended_at = models.DateTimeField(_("推荐时间"), null=True, blank=True)
    # Filled when the province ranks the call (eligibility is judged on the deadline date).
    eligible = models.BooleanField(_("单列计划资格"), default=False)
    eligibility_evidence = models.JSONField(_("资格依据"), default=list, blank=True)
    score = models.DecimalField(
        _("评审得分"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    proposed_pool = models.CharField(_("建议计划"), max_length=10, blank=True)
    proposed_rank = models.PositiveIntegerField(_("建议名次"), null=True, blank=True)
    proposed_reason = models.CharField(_("建议理由"), max_length=200, blank=True)
    approved = models.BooleanField(_("拟立项"), default=False)
    override_reason = models.TextField(_("调整理由"), blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("调整人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Follow-up of an approved project.
    stage = models.CharField(
        _("项目进度"), max_length=10, choices=Stage.choices, default=Stage.NONE, blank=True
    )
    approved_on = models.DateField(_("立项日期"), null=True, blank=True)
    midterm_due = models.DateField(_("中期检查截止"), null=True, blank=True)
    midterm_on = models.DateField(_("中期检查日期"), null=True, blank=True)
    closing_due = models.DateField(_("结题截止"), null=True, blank=True)
    closed_on = models.DateField(_("结题日期"), null=True, blank=True)

    objects = ResearchApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("课题申报")
        verbose_name_plural = _("课题申报")
        ordering = ["call_id", "pk"]
        constraints = [
            models.CheckConstraint(
                name="research_budget_not_negative",
                condition=Q(budget__gte=0),
                violation_error_message=_("经费预算不能为负数"),
            ),
            models.CheckConstraint(
                name="research_override_has_reason",
                condition=Q(overridden_by__isnull=True) | ~Q(override_reason=""),
                violation_error_message=_("调整建议名单须说明理由"),
            ),
        ]
        indexes = [models.Index(fields=["call", "status"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("research:application_detail", args=[self.pk])

    @property
    def midterm_overdue(self) -> bool:
        return (
            self.stage == Stage.APPROVED
            and self.midterm_due is not None
            and timezone.localdate() > self.midterm_due
        )

    @property
    def closing_overdue(self) -> bool:
        return (
            self.stage in (Stage.APPROVED, Stage.MIDTERM)
            and self.closing_due is not None
            and timezone.localdate() > self.closing_due
        )


class TeamMember(TimeStampedModel):
    """课题组成员 (other than the applicant). `call` is copied from the application so that
    the database can answer "who is in a team of this call" in one indexed query."""

    application = models.ForeignKey(
        ResearchApplication,
        verbose_name=_("课题申报"),
        on_delete=models.CASCADE,
        related_name="team",
    )
    call = models.ForeignKey(
        ResearchCall, verbose_name=_("申报通知"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("成员"),
        on_delete=models.PROTECT,
        related_name="research_teams",
    )
    duty = models.CharField(_("分工"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("课题组成员")
        verbose_name_plural = _("课题组成员")
        ordering = ["application_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "user"],
                name="research_team_member_once",
                violation_error_message=_("该成员已在课题组中"),
            )
        ]
        indexes = [models.Index(fields=["call", "user"])]

    def __str__(self) -> str:
        return f"{self.application} · {self.user}"


class FilePurpose(models.TextChoices):
    APPLICATION = "application", _("申报材料")
    MIDTERM = "midterm", _("中期检查材料")
    CLOSING = "closing", _("结题材料")


class ApplicationFile(TimeStampedModel):
    application = models.ForeignKey(
        ResearchApplication,
        verbose_name=_("课题申报"),
        on_delete=models.CASCADE,
        related_name="files",
    )
    purpose = models.CharField(_("用途"), max_length=12, choices=FilePurpose.choices)
    file = models.FileField(_("文件"), upload_to="research/%Y/%m/", max_length=200)
    name = models.CharField(_("文件名"), max_length=200)
    kind = models.CharField(_("类型"), max_length=10)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("课题材料")
        verbose_name_plural = _("课题材料")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.name


class ReviewAssignment(TimeStampedModel):
    """评审任务: a reviewer assigned to one application by the province, and their scores."""

    application = models.ForeignKey(
        ResearchApplication,
        verbose_name=_("课题申报"),
        on_delete=models.PROTECT,
        related_name="reviews",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评审专家"),
        on_delete=models.PROTECT,
        related_name="research_reviews",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("分配人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    scores = models.JSONField(_("分项得分"), default=dict, blank=True)
    total = models.DecimalField(_("总分"), max_digits=6, decimal_places=2, null=True, blank=True)
    comment = models.TextField(_("评审意见"), blank=True)
    submitted_at = models.DateTimeField(_("评审提交时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("评审任务")
        verbose_name_plural = _("评审任务")
        ordering = ["application_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer"],
                name="research_review_once",
                violation_error_message=_("该专家已分配评审此课题"),
            )
        ]
        indexes = [models.Index(fields=["reviewer", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.application} · {self.reviewer}"

    def get_absolute_url(self) -> str:
        return reverse("research:review", args=[self.pk])
