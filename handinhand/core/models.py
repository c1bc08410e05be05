from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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

    def visible_to(self, user: Any) -> AuditEventQuerySet:
        from handinhand.core.scope import get_scope

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
            return list(super().bulk_create(events, batch_size=batch_size))  # type: ignore[arg-type]


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
