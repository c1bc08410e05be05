from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from handinhand.core.scope import get_scope
from handinhand.core.users import AnyUser


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(TimeStampedModel):
    """A record edited in forms: `version` is the optimistic lock checked on every update."""

    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    class Meta:
        abstract = True


class AuditAction(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    IMPORT = "import", _("导入")
    EXPORT = "export", _("导出")
    LOGIN = "login", _("登录成功")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOGOUT = "logout", _("退出登录")


def audit_now() -> Any:
    """The moment of an event, looked up at each call (so that tests may move the clock)."""
    return timezone.now()


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("audit events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("audit events are append-only")

    def visible_to(self, user: AnyUser) -> AuditEventQuerySet:
        return self if get_scope(user).can_read_audit else self.none()

    def bulk_create(  # type: ignore[override]
        self, objs: Iterable[AuditEvent], batch_size: int | None = None
    ) -> list[AuditEvent]:
        """Chained in list order under the chain lock, then one insert (ids follow the list)."""
        from handinhand.core import audit_chain

        events = list(objs)
        with transaction.atomic(using=self.db, savepoint=False):
            audit_chain.lock_chain(self.db)
            audit_chain.seal(events, audit_chain.head_hash(AuditEvent, self.db))
            return list(super().bulk_create(events, batch_size=batch_size))


class AuditEvent(models.Model):
    """Append-only record of every write and every login (DESIGN §3)."""

    # Set before the insert (not auto_now_add) because the hash covers it.
    at = models.DateTimeField(_("时间"), default=audit_now, editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The name as typed or as it was then: kept even for failed logins with unknown names.
    actor_name = models.CharField(_("操作人账号"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("对象类型"), max_length=60, blank=True, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    # The hash chain (core/audit_chain.py): the previous event's hash, and this event's HMAC.
    prev_hash = models.CharField(_("前一事件摘要"), max_length=64, blank=True, editable=False)
    hash = models.CharField(_("事件摘要"), max_length=64, blank=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["actor", "at"]),
            models.Index(fields=["action", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("audit events are append-only")
        from handinhand.core import audit_chain

        using = kwargs.get("using") or router.db_for_write(AuditEvent)
        with transaction.atomic(using=using, savepoint=False):
            audit_chain.lock_chain(using)
            audit_chain.seal([self], audit_chain.head_hash(AuditEvent, using))
            super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("audit events are append-only")


# --- background jobs ------------------------------------------------------------------------------


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class JobQuerySet(models.QuerySet["Job"]):
    def visible_to(self, user: AnyUser) -> JobQuerySet:
        """A job is its creator's; province admins see every job."""
        from handinhand.core.scope import get_scope

        if not getattr(user, "is_authenticated", False):
            return self.none()
        if get_scope(user).is_province_admin:
            return self
        return self.filter(created_by_id=user.pk)


class JobManager(models.Manager.from_queryset(JobQuerySet)):  # type: ignore[misc]
    """The manager of a proxy of Job: only the jobs of its kind."""

    def __init__(self, kind: str | None = None) -> None:
        super().__init__()
        self.kind = kind

    def get_queryset(self) -> JobQuerySet:
        queryset = JobQuerySet(self.model, using=self._db)
        return queryset.filter(kind=self.kind) if self.kind else queryset


class Job(TimeStampedModel):
    """One long piece of background work (opening a cycle, drafting reports, an import, an
    export): its progress is polled by the page through core/job_progress.html."""

    # Proxies of Job set their kind here; Job.save() fills it in.
    KIND = ""

    kind = models.CharField(_("任务类型"), max_length=40, db_index=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    done = models.PositiveIntegerField(_("已完成"), default=0)
    total = models.PositiveIntegerField(_("总数"), default=0)
    message = models.TextField(_("说明"), blank=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    result_file = models.FileField(_("结果文件"), upload_to="jobs/%Y/%m/", blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # The django-tasks task that runs the job (its module path), so that a failed job can be
    # retried from the jobs console; and how many times it has been retried.
    task_path = models.CharField(_("执行任务"), max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(_("重试次数"), default=0)

    objects = JobManager()

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.kind:
            self.kind = type(self).KIND
        super().save(*args, **kwargs)

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


class ScheduleRun(models.Model):
    """One run of a scheduled job (core/schedule.py) for one period: the unique constraint is the
    lock that lets several scheduler processes start a period's run exactly once."""

    schedule = models.CharField(_("定时任务"), max_length=80)
    # "2025-03-18" for the daily run of that day; "manual:<time>" for a run started by hand.
    period = models.CharField(_("周期"), max_length=40)
    job = models.OneToOneField(
        Job, verbose_name=_("后台任务"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("触发时间"), default=timezone.now)

    class Meta:
        verbose_name = _("定时任务运行")
        verbose_name_plural = _("定时任务运行")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "period"], name="schedule_run_once")
        ]

    def __str__(self) -> str:
        return f"{self.schedule} {self.period}"


class ReminderDigest(models.Model):
    """The day's reminder of one person (core/reminders.py): one row per (user, day), so a second
    run of the digest the same day sends nothing twice."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("日期"))
    items = models.PositiveIntegerField(_("待办数"), default=0)
    text = models.TextField(_("内容"), blank=True)
    emailed = models.BooleanField(_("已发邮件"), default=False)
    messaged = models.BooleanField(_("已发短信/企业微信"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("每日提醒")
        verbose_name_plural = _("每日提醒")
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="reminder_digest_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"
