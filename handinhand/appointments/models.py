"""遴选与聘任 of instructors (issue 11, part 2; DESIGN §3 `Nomination`).

A unit nominates candidates from its own people for a guidance group in a *nomination set*
(组建, 续聘 or 增补/替换, with one term for all); the level above approves or returns each
nomination; approval creates the `programme.Membership` through programme's services and
issues numbered appointment letters, one per person (聘书) and one per set for the group
(任命通知, listing all its members). Who nominates and who approves at each level is decided in
`access.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from handinhand.core.models import TimeStampedModel, VersionedModel
from handinhand.core.scope import get_scope
from handinhand.orgs.models import Unit
from handinhand.programme.models import GuidanceGroup, MemberRole, Membership

if TYPE_CHECKING:
    from handinhand.accounts.models import User


class SetKind(models.TextChoices):
    INITIAL = "initial", _("组建遴选")
    RENEWAL = "renewal", _("续聘")
    REPLACEMENT = "replacement", _("增补替换")


class SetStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已报送")
    SETTLED = "settled", _("已办结")


class NominationStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PENDING = "pending", _("待审批")
    RETURNED = "returned", _("已退回")
    APPROVED = "approved", _("已批准")
    WITHDRAWN = "withdrawn", _("已撤回")


def _sets_q(user: User, prefix: str = "") -> Q:
    """Who sees a nomination set: the province; the contact of the nominating unit; the
    education bureaus of the group's region and above (the nominating bureau of a city or
    county group and the city that approves a county's). Everyone else sees nothing."""
    scope = get_scope(user)
    if scope.everything:
        # Q() alone matches everything; never OR it with another Q (the empty side vanishes).
        return Q()
    if not scope.is_business:
        return Q(pk__in=[])
    return Q(**{f"{prefix}unit_id__in": sorted(scope.unit_ids)}) | scope.staff_q(
        f"{prefix}group__region__path"
    )


class NominationSetQuerySet(models.QuerySet["NominationSet"]):
    def visible_to(self, user: User) -> NominationSetQuerySet:
        return self.filter(_sets_q(user))


class NominationSet(VersionedModel):
    """One nomination of candidates for a group by a unit, for one term."""

    group = models.ForeignKey(
        GuidanceGroup,
        verbose_name=_("指导组"),
        on_delete=models.PROTECT,
        related_name="nomination_sets",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("推荐单位"), on_delete=models.PROTECT, related_name="nomination_sets"
    )
    kind = models.CharField(
        _("类别"), max_length=12, choices=SetKind.choices, default=SetKind.INITIAL
    )
    term_start = models.DateField(_("任期开始"))
    term_end = models.DateField(_("任期结束"))
    status = models.CharField(
        _("状态"), max_length=10, choices=SetStatus.choices, default=SetStatus.DRAFT
    )
    # The nominator saw the warning that the group stays below the policy's quota and went on.
    below_quota_confirmed = models.BooleanField(_("已确认人数不足"), default=False)
    note = models.TextField(_("推荐说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("推荐人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    # The letters' number of this set's decision (赣教工委指〔2026〕12号), given at first approval.
    letter_year = models.PositiveSmallIntegerField(_("文号年度"), null=True, blank=True)
    letter_serial = models.PositiveIntegerField(_("文号序号"), null=True, blank=True)

    objects = NominationSetQuerySet.as_manager()

    class Meta:
        verbose_name = _("推荐批次")
        verbose_name_plural = _("推荐批次")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="nomination_term_end_after_start",
                condition=Q(term_end__gt=F("term_start")),
                violation_error_message=_("任期结束日期必须晚于开始日期"),
            ),
            models.UniqueConstraint(
                fields=["letter_year", "letter_serial"],
                name="nomination_set_letter_number_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group.name} · {self.get_kind_display()}"


class NominationQuerySet(models.QuerySet["Nomination"]):
    def visible_to(self, user: User) -> NominationQuerySet:
        return self.filter(_sets_q(user, "nomination_set__"))


class Nomination(VersionedModel):
    """提名: one candidate with unit, title and Party-work experience."""

    nomination_set = models.ForeignKey(
        NominationSet,
        verbose_name=_("推荐批次"),
        on_delete=models.CASCADE,
        related_name="nominations",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("被推荐人"),
        on_delete=models.PROTECT,
        related_name="nominations",
    )
    role = models.CharField(_("组内职务"), max_length=5, choices=MemberRole.choices)
    department = models.CharField(_("所在单位/部门"), max_length=100)
    title = models.CharField(_("职称/职务"), max_length=50)
    party_experience = models.TextField(_("党务工作经历"))
    # Renewal and replacement: the membership this nomination continues or takes over.
    replaces = models.ForeignKey(
        Membership,
        verbose_name=_("接替/续聘的原任职"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=NominationStatus.choices,
        default=NominationStatus.DRAFT,
    )
    return_reason = models.TextField(_("退回原因"), blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("退回人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    membership = models.OneToOneField(
        Membership,
        verbose_name=_("聘任结果"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="nomination",
    )

    objects = NominationQuerySet.as_manager()

    class Meta:
        verbose_name = _("提名")
        verbose_name_plural = _("提名")
        ordering = ["nomination_set_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["nomination_set", "user"],
                name="one_nomination_per_person_and_set",
                violation_error_message=_("该人员已在本批推荐名单中"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.role}"


def _attachment_path(instance: NominationAttachment, filename: str) -> str:
    return f"appointments/{instance.nomination_id}/{filename}"


class NominationAttachment(TimeStampedModel):
    nomination = models.ForeignKey(
        Nomination, verbose_name=_("提名"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("附件"), upload_to=_attachment_path, max_length=200)
    kind = models.CharField(_("文件类型"), max_length=10)
    name = models.CharField(_("文件名"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("提名附件")
        verbose_name_plural = _("提名附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class NominationEvent(models.Model):
    """The history of a nomination as its people read it (the audit log is the auditor's)."""

    nomination = models.ForeignKey(
        Nomination, verbose_name=_("提名"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT
    )
    action = models.CharField(_("操作"), max_length=20)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("提名记录")
        verbose_name_plural = _("提名记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.nomination} · {self.action}"


class LetterKind(models.TextChoices):
    PERSON = "person", _("聘书")
    GROUP = "group", _("任命通知")


class AppointmentLetterQuerySet(models.QuerySet["AppointmentLetter"]):
    def visible_to(self, user: User) -> AppointmentLetterQuerySet:
        """The person named (their own 聘书; the notices of groups they belong to),
        whoever sees the set (the unit, the bureaus, the province)."""
        pk = getattr(user, "pk", None) or 0
        scope = get_scope(user)
        if scope.everything:
            return self
        if not scope.is_business:
            return self.none()
        # Members in office: someone who left a group no longer reads its later notices.
        groups = Membership.objects.current().filter(user_id=pk).values("group_id")
        return self.filter(
            Q(user_id=pk)
            | Q(kind=LetterKind.GROUP, nomination_set__group_id__in=groups)
            | _sets_q(user, "nomination_set__")
        )


class AppointmentLetter(TimeStampedModel):
    """聘书 (one person) or 任命通知 (the group, listing all its members), with its number.

    The text is fixed when issued (`content`): a letter reads the same whatever happens to
    the group later."""

    kind = models.CharField(_("类别"), max_length=10, choices=LetterKind.choices)
    nomination_set = models.ForeignKey(
        NominationSet,
        verbose_name=_("推荐批次"),
        on_delete=models.PROTECT,
        related_name="letters",
    )
    nomination = models.OneToOneField(
        Nomination,
        verbose_name=_("提名"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="letter",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受聘人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointment_letters",
    )
    number = models.CharField(_("文号"), max_length=50, unique=True)
    content = models.JSONField(_("内容"), default=dict)
    received_at = models.DateTimeField(_("本人下载时间"), null=True, blank=True)

    objects = AppointmentLetterQuerySet.as_manager()

    class Meta:
        verbose_name = _("聘任文书")
        verbose_name_plural = _("聘任文书")
        ordering = ["-created_at", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["nomination_set"],
                condition=Q(kind="group"),
                name="one_group_letter_per_set",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def who(self) -> str:
        """The person of a 聘书, or the number of people a group's notice lists."""
        if self.kind == LetterKind.PERSON:
            return str(self.content.get("name", ""))
        return f"{self.content.get('group', '')}（{len(self.content.get('members', []))}人）"


class PersonRecord(TimeStampedModel):
    """What the roster import knows of a person beyond the account: the ID number (身份证号),
    kept only as a keyed digest (HMAC) and its last four characters, enough to tell the same person
    from a namesake without storing the number itself. A separate model, one-to-one with the
    account, because accounts belongs to a lower layer than this app."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="person_record"
    )
    id_digest = models.CharField(_("身份证号摘要"), max_length=64, unique=True)
    id_tail = models.CharField(_("身份证号后四位"), max_length=4)

    class Meta:
        verbose_name = _("人员身份信息")
        verbose_name_plural = _("人员身份信息")

    def __str__(self) -> str:
        return f"{self.user} ****{self.id_tail}"
