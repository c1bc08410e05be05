"""通知公告: notices the province, a city or a county publishes to an audience, with read receipts.

The audience is resolved to people once, at publication: one `NoticeReceipt` per recipient,
written in bulk. Recipients see a notice through their receipt; the publisher's side (the
publisher and the staff of the bureau that published it) and the province see the receipts.
Editing a published notice keeps its receipts and records the text it replaced as a
`NoticeVersion`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from handinhand.core.models import TimeStampedModel, VersionedModel
from handinhand.orgs.models import Region


class AudienceLevel(models.TextChoices):
    PROVINCE = "province", _("省级指导组")
    CITY = "city", _("市级指导组")
    COUNTY = "county", _("县级指导组")


class AudienceRole(models.TextChoices):
    SCHOOL_USER = "school_user", _("学校用户")
    INSTRUCTOR = "instructor", _("党建指导员")
    LEADER = "leader", _("指导组组长")
    REGION_STAFF = "region_staff", _("市县教育部门用户")
    UNIT_CONTACT = "unit_contact", _("单位联络人")


class NoticeKind(models.TextChoices):
    NOTICE = "notice", _("通知")
    POLICY = "policy", _("政策文件")


class NoticeQuerySet(models.QuerySet["Notice"]):
    def visible_to(self, user: Any) -> NoticeQuerySet:
        """A recipient sees the notices addressed to them; the publisher's side (the publisher
        and their bureau's staff) sees what it published; the province sees every notice."""
        from handinhand.core.scope import get_scope

        scope = get_scope(user)
        if scope.everything:
            return self
        if not scope.is_business or not getattr(user, "pk", None):
            return self.none()
        # A subquery rather than a join: a province-wide notice has 15,000 receipts.
        received = NoticeReceipt.objects.filter(user_id=user.pk).values("notice_id")
        return self.filter(Q(pk__in=received) | Q(publisher_id=user.pk) | publisher_side_q(scope))

    def published_by_side_of(self, user: Any) -> NoticeQuerySet:
        """What the user's side published (the province: everything)."""
        from handinhand.core.scope import get_scope

        scope = get_scope(user)
        if scope.everything:
            return self
        return self.filter(Q(publisher_id=getattr(user, "pk", 0) or 0) | publisher_side_q(scope))


def publisher_side_q(scope: Any) -> Q:
    """Notices published by the bureau the user works for (not the bureaus below it)."""
    codes = [path.strip("/").split("/")[-1] for path in scope.staff_paths]
    return Q(publisher_region_id__in=codes) if codes else Q(pk__in=[])


class Notice(VersionedModel):
    """通知公告. `revision` counts the published texts (1 at publication, +1 per edit);
    `version` is the optimistic lock of the form, as everywhere."""

    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    kind = models.CharField(
        _("类别"), max_length=10, choices=NoticeKind.choices, default=NoticeKind.NOTICE
    )
    deadline = models.DateField(_("截止日期"), null=True, blank=True)
    pinned = models.BooleanField(_("置顶"), default=False)
    publisher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        on_delete=models.PROTECT,
        related_name="notices_published",
    )
    # The bureau that speaks: the province, or the city or county whose staff published it.
    publisher_region = models.ForeignKey(
        Region, verbose_name=_("发布单位"), on_delete=models.PROTECT, related_name="+"
    )
    # What the publisher chose (levels, regions, roles, groups, schools), kept to show it; the
    # people it reached at publication are the receipts.
    audience = models.JSONField(_("发送范围"), default=dict)
    audience_label = models.CharField(_("发送范围说明"), max_length=500, blank=True)
    published_at = models.DateTimeField(_("发布时间"))
    revision = models.PositiveIntegerField(_("版次"), default=1)
    revised_at = models.DateTimeField(_("最近更新"), null=True, blank=True)
    # The policy in force when the notice was published (DESIGN §4: the policy is versioned).
    policy_version = models.CharField(_("政策版本"), max_length=30, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("通知公告")
        verbose_name_plural = _("通知公告")
        ordering = ["-pinned", "-published_at", "-pk"]
        indexes = [models.Index(fields=["publisher_region", "-published_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("notices:detail", args=[self.pk])


def _attachment_path(instance: NoticeAttachment, filename: str) -> str:
    return f"notices/{instance.notice_id}/{filename}"


class NoticeAttachment(TimeStampedModel):
    notice = models.ForeignKey(
        Notice, verbose_name=_("通知"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("附件"), upload_to=_attachment_path, max_length=200)
    # The kind checked from the file's bytes; it alone decides how the file is served.
    kind = models.CharField(_("文件类型"), max_length=8)
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小"), default=0)
    revision = models.PositiveIntegerField(_("加入版次"), default=1)

    class Meta:
        verbose_name = _("通知附件")
        verbose_name_plural = _("通知附件")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class NoticeVersion(models.Model):
    """The text a notice had before an edit: revision `revision` as it was read."""

    notice = models.ForeignKey(
        Notice, verbose_name=_("通知"), on_delete=models.CASCADE, related_name="versions"
    )
    revision = models.PositiveIntegerField(_("版次"))
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    deadline = models.DateField(_("截止日期"), null=True, blank=True)
    published_at = models.DateTimeField(_("该版发布时间"))
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    replaced_at = models.DateTimeField(_("修改时间"))
    reason = models.CharField(_("修改说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("通知历史版本")
        verbose_name_plural = _("通知历史版本")
        ordering = ["notice_id", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "revision"], name="notice_version_unique")
        ]

    def __str__(self) -> str:
        return gettext("%(title)s（第%(n)s版）") % {"title": self.title, "n": self.revision}


class NoticeReceipt(models.Model):
    """One recipient of one notice: unread until opened; `read_revision` is the text they
    read, so that a later edit shows as 已更新 without unreading the notice."""

    notice = models.ForeignKey(
        Notice, verbose_name=_("通知"), on_delete=models.CASCADE, related_name="receipts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notice_receipts",
    )
    # Where the recipient is, for the publisher's filter of who has not read (their region,
    # or their school's county); null for people anchored nowhere (a unit contact elsewhere).
    region = models.ForeignKey(
        Region,
        verbose_name=_("所在地区"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    read_revision = models.PositiveIntegerField(_("已读版次"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("最近提醒"), null=True, blank=True)

    class Meta:
        verbose_name = _("阅读回执")
        verbose_name_plural = _("阅读回执")
        ordering = ["notice_id", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "user"], name="notice_receipt_unique")
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="notice_receipt_inbox")]

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.user_id}"


class NoticeReminder(models.Model):
    """One reminder of the unread per notice per day (the unique constraint makes a second
    click the same day a no-op, however many app servers take it)."""

    notice = models.ForeignKey(
        Notice, verbose_name=_("通知"), on_delete=models.CASCADE, related_name="reminders"
    )
    day = models.DateField(_("提醒日期"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提醒人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("提醒时间"))
    recipients = models.PositiveIntegerField(_("提醒人数"), default=0)

    class Meta:
        verbose_name = _("阅读提醒")
        verbose_name_plural = _("阅读提醒")
        ordering = ["notice_id", "-day"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "day"], name="notice_reminder_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} · {self.day}"
