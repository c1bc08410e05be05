"""经费保障 (R12): the province allocates a standard per provincial-group member per year to
each lead university (牵头高校), disburses it (下拨), and the university's finance contact records
what it was spent on.

Money is `Decimal` with two places everywhere; nothing is ever edited after the fact that
changes history: an approved allocation is a fixed version, a disbursement or an expense of a
closed month is corrected by a new ledger line with its reason.

Scope: the province admin sees every university; a unit contact (单位联络人) of a university's
unit sees that university's funding; nobody else sees any of it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from handinhand.core.models import TimeStampedModel, VersionedModel
from handinhand.orgs.models import University

if TYPE_CHECKING:
    from handinhand.accounts.models import User


def _scoped(qs: models.QuerySet[Any], user: User, field: str = "university") -> Any:
    from handinhand.core.scope import get_scope

    scope = get_scope(user)
    if scope.everything:
        return qs
    if not scope.unit_ids:
        return qs.none()
    return qs.filter(**{f"{field}__unit__in": sorted(scope.unit_ids)})


class AllocationQuerySet(models.QuerySet["Allocation"]):
    def visible_to(self, user: User) -> AllocationQuerySet:
        return _scoped(self, user)  # type: ignore[no-any-return]


class Allocation(TimeStampedModel):
    """经费核定: one approved version of a university's allocation for a year, with the
    calculation sheet it was approved on (every person and month). A recomputation after
    membership changes becomes a new version; the latest version is the allocation."""

    university = models.ForeignKey(
        University, verbose_name=_("牵头高校"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000)])
    number = models.PositiveSmallIntegerField(_("版本"), default=1)
    amount = models.DecimalField(_("核定金额（元）"), max_digits=14, decimal_places=2)
    members = models.PositiveIntegerField(_("计费人数"))
    person_months = models.PositiveIntegerField(_("计费人月"))
    standard = models.DecimalField(_("标准（元/人/年）"), max_digits=14, decimal_places=2)
    proration = models.CharField(_("计算方式"), max_length=20)
    reference_date = models.DateField(_("基准日"), null=True, blank=True)
    sheet = models.JSONField(_("测算表"), default=list)
    doc_number = models.CharField(
        _("文号"),
        max_length=60,
        unique=True,
        error_messages={"unique": _("该文号已被使用")},
    )
    approved_on = models.DateField(_("核定日期"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核定人"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = AllocationQuerySet.as_manager()

    class Meta:
        verbose_name = _("经费核定")
        verbose_name_plural = _("经费核定")
        ordering = ["-year", "university_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["university", "year", "number"], name="one_allocation_version"
            ),
            models.CheckConstraint(name="allocation_not_negative", condition=Q(amount__gte=0)),
        ]

    def __str__(self) -> str:
        return gettext("%(u)s %(y)s年度经费核定（第%(n)s版）") % {
            "u": self.university,
            "y": self.year,
            "n": self.number,
        }


class EntryKind(models.TextChoices):
    ORIGINAL = "original", _("原始记录")
    CORRECTION = "correction", _("更正")


class DisbursementQuerySet(models.QuerySet["Disbursement"]):
    def visible_to(self, user: User) -> DisbursementQuerySet:
        return _scoped(self, user)  # type: ignore[no-any-return]


def _attachment_path(instance: Disbursement, filename: str) -> str:
    return f"funding/disbursements/{instance.year}/{instance.university_id}/{filename}"


class Disbursement(TimeStampedModel):
    """下拨: a line of the province's ledger towards a university; a correction is a new line
    (its amount may be negative) pointing at the line it corrects, with the reason."""

    university = models.ForeignKey(
        University, verbose_name=_("牵头高校"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(
        _("类型"), max_length=12, choices=EntryKind.choices, default=EntryKind.ORIGINAL
    )
    date = models.DateField(_("下拨日期"))
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)
    doc_number = models.CharField(_("文号"), max_length=60, blank=True)
    attachment = models.FileField(_("附件"), upload_to=_attachment_path, max_length=200, blank=True)
    attachment_kind = models.CharField(_("附件类型"), max_length=8, blank=True)
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("更正对象"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    reason = models.CharField(_("更正原因"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = DisbursementQuerySet.as_manager()

    class Meta:
        verbose_name = _("经费下拨")
        verbose_name_plural = _("经费下拨")
        ordering = ["date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["doc_number"],
                condition=~Q(doc_number=""),
                name="disbursement_doc_number_unique",
                violation_error_message=_("该文号已被使用"),
            ),
            models.CheckConstraint(
                name="disbursement_original_positive",
                condition=~Q(kind="original") | Q(amount__gt=0, corrects__isnull=True),
            ),
            models.CheckConstraint(
                name="disbursement_correction_explained",
                condition=~Q(kind="correction") | (Q(corrects__isnull=False) & ~Q(reason="")),
            ),
        ]
        indexes = [models.Index(fields=["university", "year"])]

    def __str__(self) -> str:
        return gettext("%(u)s 下拨 %(what)s") % {
            "u": self.university,
            "what": self.doc_number or self.date,
        }


class ExpenseQuerySet(models.QuerySet["Expense"]):
    def visible_to(self, user: User) -> ExpenseQuerySet:
        return _scoped(self, user)  # type: ignore[no-any-return]


def _receipt_path(instance: Expense, filename: str) -> str:
    return f"funding/receipts/{instance.year}/{instance.university_id}/{filename}"


class Expense(VersionedModel):
    """支出: one line of a university's expense ledger for a year. Lines of a closed month
    are never edited; a correction is a new line in an open month (negative to reverse)."""

    university = models.ForeignKey(
        University, verbose_name=_("牵头高校"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(
        _("类型"), max_length=12, choices=EntryKind.choices, default=EntryKind.ORIGINAL
    )
    date = models.DateField(_("支出日期"))
    month = models.PositiveSmallIntegerField(_("月份"))
    category = models.CharField(_("支出类别"), max_length=20)
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)
    payee = models.CharField(_("收款方"), max_length=100)
    purpose = models.CharField(_("用途"), max_length=200)
    # What the money paid for; string references keep the domain apps independent.
    visit = models.ForeignKey(
        "guidance.Visit",
        verbose_name=_("指导活动"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    meeting = models.ForeignKey(
        "meetings.Meeting",
        verbose_name=_("会议"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    training = models.ForeignKey(
        "training.TrainingSession",
        verbose_name=_("培训"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    receipt = models.FileField(_("票据扫描件"), upload_to=_receipt_path, max_length=200, blank=True)
    receipt_kind = models.CharField(_("票据类型"), max_length=8, blank=True)
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("更正对象"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    reason = models.CharField(_("更正原因"), max_length=200, blank=True)
    imported = models.BooleanField(_("导入"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ExpenseQuerySet.as_manager()

    class Meta:
        verbose_name = _("经费支出")
        verbose_name_plural = _("经费支出")
        ordering = ["date", "pk"]
        constraints = [
            models.CheckConstraint(
                name="expense_original_positive",
                condition=~Q(kind="original") | Q(amount__gt=0, corrects__isnull=True),
            ),
            models.CheckConstraint(
                name="expense_correction_explained",
                condition=~Q(kind="correction") | (Q(corrects__isnull=False) & ~Q(reason="")),
            ),
            models.CheckConstraint(
                name="expense_month_valid", condition=Q(month__gte=1, month__lte=12)
            ),
        ]
        indexes = [
            models.Index(fields=["university", "year", "month"]),
            models.Index(fields=["university", "year", "category"]),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.category} {self.amount}"

    @property
    def is_linked(self) -> bool:
        return bool(self.visit_id or self.meeting_id or self.training_id)


class MonthCloseQuerySet(models.QuerySet["MonthClose"]):
    def visible_to(self, user: User) -> MonthCloseQuerySet:
        return _scoped(self, user)  # type: ignore[no-any-return]


class MonthClose(TimeStampedModel):
    """月结: a university's month of a year, closed; its lines are fixed from then on."""

    university = models.ForeignKey(
        University, verbose_name=_("牵头高校"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("月结人"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = MonthCloseQuerySet.as_manager()

    class Meta:
        verbose_name = _("月结")
        verbose_name_plural = _("月结")
        ordering = ["year", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["university", "year", "month"],
                name="one_close_per_month",
                violation_error_message=_("该月已月结"),
            ),
            models.CheckConstraint(
                name="close_month_valid", condition=Q(month__gte=1, month__lte=12)
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(u)s %(y)s年%(m)s月 月结") % {
            "u": self.university,
            "y": self.year,
            "m": self.month,
        }


ZERO = Decimal("0.00")
