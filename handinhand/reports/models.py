"""年度报告 (R9): each guidance group's report on last year's work and its leader's duties,
drafted from the year's records and submitted to the education department of its level.

Scope: a report is read by the group, the bureaus of its region and above and the province
(GuidanceGroup.internal_to), never by the schools it guides; the group's
leader writes it; the department of the group's level (the bureau of the group's own region,
or the province admin for provincial groups) acknowledges or returns it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from handinhand.core.models import Job, JobManager, VersionedModel
from handinhand.core.models import JobStatus as CoreJobStatus
from handinhand.core.policy import get_policy
from handinhand.programme.models import GuidanceGroup

if TYPE_CHECKING:
    from handinhand.accounts.models import User


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    ACKNOWLEDGED = "acknowledged", _("已签收")
    RETURNED = "returned", _("已退回")


# Statuses in which the leader still owes the report.
OPEN_STATUSES = (ReportStatus.DRAFT, ReportStatus.RETURNED)


def due_date(year: int) -> dt.date:
    """The report on `year` is due on the policy's month and day of the following year."""
    policy = get_policy().reports
    last = calendar.monthrange(year + 1, policy.due_month)[1]
    return dt.date(year + 1, policy.due_month, min(policy.due_day, last))


class AnnualReportQuerySet(models.QuerySet["AnnualReport"]):
    def visible_to(self, user: User) -> AnnualReportQuerySet:
        return self.filter(group__in=GuidanceGroup.objects.internal_to(user))


class AnnualReport(VersionedModel):
    group = models.ForeignKey(
        GuidanceGroup,
        verbose_name=_("指导组"),
        on_delete=models.PROTECT,
        related_name="annual_reports",
    )
    year = models.PositiveSmallIntegerField(_("报告年度"))
    status = models.CharField(
        _("状态"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    figures = models.JSONField(_("数据汇总"), default=dict, blank=True)
    figures_at = models.DateTimeField(_("数据生成时间"), null=True, blank=True)
    work_summary = models.TextField(_("工作开展情况"), blank=True)
    problems = models.TextField(_("存在的问题"), blank=True)
    plans = models.TextField(_("下一年度工作计划"), blank=True)
    leader_duty = models.TextField(_("负责人履职情况"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签收人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    return_reason = models.TextField(_("退回原因"), blank=True)

    objects = AnnualReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("年度报告")
        verbose_name_plural = _("年度报告")
        ordering = ["-year", "group_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "year"],
                name="one_report_per_group_and_year",
                violation_error_message=_("该指导组本年度的报告已存在"),
            ),
        ]
        indexes = [models.Index(fields=["year", "status"])]

    def __str__(self) -> str:
        return gettext("%(group)s%(year)s年度党建指导工作报告") % {
            "group": self.group.name,
            "year": self.year,
        }

    @property
    def title(self) -> str:
        return str(self)

    def get_absolute_url(self) -> str:
        return reverse("reports:report_detail", args=[self.pk])

    @property
    def due_date(self) -> dt.date:
        return due_date(self.year)

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return self.status in OPEN_STATUSES and (today or timezone.localdate()) > self.due_date

    @property
    def submitted_late(self) -> bool:
        """Submitted after the due date: stays true once submitted, acknowledged or returned,
        so that a late report keeps its 逾期提交 mark (the programme's day, Asia/Shanghai)."""
        if self.submitted_at is None:
            return False
        return timezone.localdate(self.submitted_at) > self.due_date

    @property
    def overdue_label(self) -> str:
        if self.is_overdue():
            return gettext("已逾期")
        return gettext("逾期提交") if self.submitted_late else ""


# The shared background job (core.Job) carries the progress of drafting the reports.
JobStatus = CoreJobStatus


class ReportJob(Job):
    """One background generation of every group's draft for a year: the shared job of core, of
    its own kind, with the year in its parameters and the counts in its result."""

    KIND = "reports.generate"

    objects: ClassVar[JobManager] = JobManager(KIND)

    class Meta:
        proxy = True
        verbose_name = _("报告生成任务")
        verbose_name_plural = _("报告生成任务")

    def __str__(self) -> str:
        return gettext("%(year)s年度报告生成任务 #%(pk)s") % {"year": self.year, "pk": self.pk}

    @property
    def year(self) -> int:
        return int(self.params.get("year", 0))

    @year.setter
    def year(self, value: int) -> None:
        self.params = {**self.params, "year": value}

    @property
    def started_by(self) -> Any:
        return self.created_by

    @started_by.setter
    def started_by(self, value: Any) -> None:
        self.created_by = value

    @property
    def created_count(self) -> int:
        return int(self.result.get("created", 0))

    @property
    def refreshed_count(self) -> int:
        return int(self.result.get("refreshed", 0))

    @property
    def skipped_count(self) -> int:
        return int(self.result.get("skipped", 0))

    @property
    def seconds(self) -> float | None:
        value = self.result.get("seconds")
        return None if value is None else float(value)
