"""Meetings of guidance groups (R7, R8), their attendance and decisions, and personal to-dos."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from handinhand.core.models import TimeStampedModel, VersionedModel
from handinhand.core.policy import get_policy
from handinhand.core.policy_text import policy_text
from handinhand.programme.models import GuidanceGroup

# A group's own internal meeting; it never counts towards what the policy asks.
GROUP_MEETING = "group"


if TYPE_CHECKING:
    from handinhand.accounts.models import User


def meeting_kinds() -> list[tuple[str, str]]:
    """Kinds a meeting may have: those of the policy's rules, then the internal group meeting."""
    kinds = [(rule.kind, policy_text(rule.name)) for rule in get_policy().meetings]
    return [*kinds, (GROUP_MEETING, str(_("指导组内部会议")))]


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    HELD = "held", _("已召开")
    CANCELLED = "cancelled", _("已取消")


class Milestone(models.TextChoices):
    """Programme milestones (R2) a meeting may mark, shown on the rollout timeline."""

    KICKOFF = "kickoff", _("启动会")
    BATCH_START = "batch_start", _("批次启动")
    FULL_ROLLOUT = "full_rollout", _("全面推行")


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def visible_to(self, user: User) -> MeetingQuerySet:
        # Minutes are the group's internal papers: its members, the bureaus of its region and
        # above and the province read them; schools and bureaus below it do not (issue 9).
        # Whoever is invited (another group's member, a bureau, a guest with an account) reads
        # the meeting they were invited to, and only that one (issue 11).
        internal = Q(group__in=GuidanceGroup.objects.internal_to(user))
        if not getattr(user, "pk", None) or not getattr(user, "is_active", False):
            return self.filter(internal)
        invited = Attendance.objects.filter(user_id=user.pk).values("meeting_id")
        return self.filter(internal | Q(pk__in=invited))


class Meeting(VersionedModel):
    """会议: a scheduling (调度) or joint (联席) meeting of the policy, or an internal one."""

    kind = models.CharField(_("会议类型"), max_length=20)
    group = models.ForeignKey(
        GuidanceGroup,
        verbose_name=_("主办指导组"),
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    title = models.CharField(_("会议名称"), max_length=100)
    date = models.DateField(_("会议日期"))
    start_time = models.TimeField(_("开始时间"), null=True, blank=True)
    place = models.CharField(_("会议地点"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("主持人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="chaired_meetings",
    )
    agenda = models.TextField(_("会议议程"), blank=True)
    minutes = models.TextField(_("会议纪要"), blank=True)
    # A programme milestone (启动会, 批次启动, 全面推行): a fact of the rollout, not a kind of
    # meeting the policy counts, so it stands beside the kind.
    milestone = models.CharField(
        _("工作节点"), max_length=20, choices=Milestone.choices, blank=True, default=""
    )

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("会议")
        verbose_name_plural = _("会议")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["group", "status", "kind", "date"])]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("meetings:meeting_detail", args=[self.pk])

    def get_kind_display(self) -> str:
        return dict(meeting_kinds()).get(self.kind, self.kind)

    def clean(self) -> None:
        kinds = dict(meeting_kinds())
        if self.kind not in kinds:
            raise ValidationError({"kind": _("未知的会议类型")})
        rule = next((r for r in get_policy().meetings if r.kind == self.kind), None)
        if rule is not None and self.group_id and self.group.level not in rule.group_levels:
            raise ValidationError(
                {
                    "kind": _("%(level)s指导组不召开%(name)s")
                    % {"level": self.group.get_level_display(), "name": rule.name}
                }
            )
        if self.status == MeetingStatus.HELD and self.date and self.date > _today():
            raise ValidationError({"status": _("会议日期在今天之后，不能标记为已召开")})


def _today() -> Any:
    return timezone.localdate()


class InviteeKind(models.TextChoices):
    MEMBER = "member", _("指导组成员")
    STAFF = "staff", _("教育部门")
    GUEST = "guest", _("特邀嘉宾")


class Attendance(TimeStampedModel):
    """参会: one invitee of the meeting — a member of the host or another group, department
    staff, or a named guest (an account, or only a name and unit) — and whether they signed in."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="attendances"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("参会人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meeting_attendances",
    )
    kind = models.CharField(
        _("参会类别"), max_length=10, choices=InviteeKind.choices, default=InviteeKind.MEMBER
    )
    # The group a member was invited with, so the roll reads per group.
    group = models.ForeignKey(
        GuidanceGroup,
        verbose_name=_("所在指导组"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # A guest without an account: the name and unit as the organiser wrote them.
    guest_name = models.CharField(_("嘉宾姓名"), max_length=50, blank=True)
    guest_unit = models.CharField(_("单位"), max_length=100, blank=True)
    signed_in = models.BooleanField(_("已签到"), default=False)
    signed_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("参会记录")
        verbose_name_plural = _("参会记录")
        ordering = ["meeting_id", "user_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"],
                name="one_attendance_per_meeting_and_user",
                violation_error_message=_("该人员已在参会名单中"),
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(guest_name=""),
                name="attendance_has_user_or_guest_name",
                violation_error_message=_("请填写嘉宾姓名"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} · {self.display_name}"

    @property
    def display_name(self) -> str:
        if self.user_id is None:
            return self.guest_name
        return str(self.user)

    @property
    def unit(self) -> str:
        if self.guest_unit:
            return self.guest_unit
        if self.group is not None:
            return self.group.name
        return self.user.work_unit if self.user is not None else ""


def _meeting_file_path(instance: MeetingFile, filename: str) -> str:
    return f"meetings/{instance.meeting_id}/{Path(filename).name}"


class MeetingFile(TimeStampedModel):
    """会议材料: a file attached to a meeting (notice, sign-in sheet, photos, minutes)."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="files"
    )
    file = models.FileField(_("文件"), upload_to=_meeting_file_path, max_length=200)
    name = models.CharField(_("文件名"), max_length=150)
    # The kind read from the file's bytes (core/uploads.py); it decides how it is served.
    kind = models.CharField(_("类型"), max_length=10, default="")
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = _("会议材料")
        verbose_name_plural = _("会议材料")
        ordering = ["meeting_id", "id"]

    def __str__(self) -> str:
        return self.name


class ActionItem(VersionedModel):
    """会议决定事项: a decision turned into a to-do for its owner, due on a date."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="action_items"
    )
    text = models.CharField(_("决定事项"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        on_delete=models.PROTECT,
        related_name="action_items",
    )
    due = models.DateField(_("完成期限"))
    done = models.BooleanField(_("已完成"), default=False)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("决定事项")
        verbose_name_plural = _("决定事项")
        ordering = ["done", "due", "id"]
        indexes = [models.Index(fields=["done", "due"])]

    def __str__(self) -> str:
        return self.text[:60]


class TodoKind(models.TextChoices):
    MEETING_DUE = "meeting_due", _("会议待召开")
    ACTION_ITEM = "action_item", _("决定事项")
    ACTION_OVERDUE = "action_overdue", _("决定事项逾期")
    REPORT_DUE = "report_due", _("报告待提交")
    OTHER = "other", _("其他")


class TodoQuerySet(models.QuerySet["Todo"]):
    def visible_to(self, user: User) -> TodoQuerySet:
        # To-dos are personal: everyone sees their own, nobody else's.
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user=user)

    def open(self) -> TodoQuerySet:
        return self.filter(done=False)


class Todo(TimeStampedModel):
    """待办: a personal to-do; `source_key` makes a job that runs twice create nothing twice."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="todos",
    )
    kind = models.CharField(_("类型"), max_length=20, choices=TodoKind.choices)
    text = models.CharField(_("事项"), max_length=300)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    due = models.DateField(_("期限"), null=True, blank=True)
    done = models.BooleanField(_("已完成"), default=False)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    source_key = models.CharField(_("来源"), max_length=120)

    objects = TodoQuerySet.as_manager()

    class Meta:
        verbose_name = _("待办事项")
        verbose_name_plural = _("待办事项")
        ordering = ["done", "due", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "source_key"], name="one_todo_per_source"),
        ]
        indexes = [
            models.Index(fields=["user", "done"], name="todo_user_open", condition=Q(done=False))
        ]

    def __str__(self) -> str:
        return self.text[:60]


class CalendarTokenQuerySet(models.QuerySet["CalendarToken"]):
    def live(self) -> CalendarTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class CalendarToken(TimeStampedModel):
    """日历订阅: a person's private calendar URL. The URL's token is derived from the nonce with
    the server's key and only its SHA-256 is stored, so a copy of the database opens no
    calendar; the page can still show the owner their link again. Resetting revokes the row."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="calendar_tokens",
    )
    nonce = models.CharField(max_length=64)
    digest = models.CharField(max_length=64, unique=True)
    revoked_at = models.DateTimeField(_("重置时间"), null=True, blank=True)

    objects = CalendarTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("日历订阅链接")
        verbose_name_plural = _("日历订阅链接")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_calendar_token_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d}"
