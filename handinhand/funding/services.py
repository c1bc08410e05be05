"""Writes of the funds (R12): approving an allocation version, disbursing and correcting,
recording, editing and correcting expenses, closing months. Every function validates, writes in
one transaction and records the audit event; views, the API and the import call these."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from handinhand.accounts.models import User
from handinhand.core import audit
from handinhand.core.exceptions import PermissionDeniedError
from handinhand.core.models import AuditAction
from handinhand.core.policy import FundingPolicy, get_policy
from handinhand.core.services import require_province_admin, update_object
from handinhand.core.uploads import check_upload
from handinhand.funding import access
from handinhand.funding.calculation import Sheet, compute_sheet
from handinhand.funding.models import (
    Allocation,
    Disbursement,
    EntryKind,
    Expense,
    MonthClose,
)
from handinhand.funding.selectors import Totals, closed_months, current_allocation, ledger_totals
from handinhand.orgs.models import University

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")


def _policy() -> FundingPolicy:
    return get_policy().funding


M = TypeVar("M", bound=models.Model)


def create_object(*, actor: User, instance: M) -> M:
    """core.services.create_object, with a file recorded by its stored name in the audit."""
    with transaction.atomic():
        instance.full_clean()
        instance.save(force_insert=True)
        after = {
            f.name: (
                getattr(instance, f.attname).name or None
                if isinstance(f, models.FileField)
                else audit.audit_value(instance, f)
            )
            for f in audit.audited_fields(instance)
        }
        audit.record(
            actor=actor, action=AuditAction.CREATE, instance=instance, changes=audit.diff({}, after)
        )
    return instance


def parse_amount(value: Any, *, field: str = "amount", signed: bool = False) -> Decimal:
    """Yuan as an exact Decimal with at most two places: zero is refused, and a negative
    amount unless `signed` (a correction)."""
    if isinstance(value, float):
        value = repr(value)  # 12.3 read from Excel is 12.3, not its binary neighbour
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("，", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("金额格式不正确")}) from None
    if not amount.is_finite():
        raise ValidationError({field: _("金额格式不正确")})
    if amount == 0:
        raise ValidationError({field: _("金额不能为 0")})
    if amount < 0 and not signed:
        raise ValidationError({field: _("金额必须大于 0")})
    if amount != amount.quantize(CENT):
        raise ValidationError({field: _("金额最多保留两位小数")})
    if abs(amount) > MAX_AMOUNT:
        raise ValidationError({field: _("金额过大")})
    return amount.quantize(CENT)


# --- allocations ------------------------------------------------------------------------------


def allocation_sheet(*, actor: User, university: University, year: int) -> Sheet:
    """The calculation as it stands today (nothing written)."""
    require_province_admin(actor)
    return compute_sheet(university, year, _policy())


def allocation_approve(
    *,
    actor: User,
    university: University,
    year: int,
    doc_number: str,
    approved_on: dt.date,
    expected_total: Decimal | None = None,
) -> Allocation:
    """Fix the allocation as computed now as a new version with its 文号 and date.
    `expected_total` is the total the approver saw: if membership changed since, refuse."""
    require_province_admin(actor)
    policy = _policy()
    doc_number = doc_number.strip()
    if not doc_number:
        raise ValidationError({"doc_number": _("请填写文号")})
    with transaction.atomic():
        sheet = compute_sheet(university, year, policy)
        if expected_total is not None and sheet.total != expected_total:
            raise ValidationError(
                _("测算结果已变化（现为 %(total)s 元），请重新核对后再核定")
                % {"total": sheet.total}
            )
        if Allocation.objects.filter(doc_number=doc_number).exists():
            raise ValidationError({"doc_number": _("该文号已被使用")})
        last = (
            Allocation.objects.select_for_update()
            .filter(university=university, year=year)
            .aggregate(n=Max("number"))["n"]
        )
        record = Allocation(
            university=university,
            year=year,
            number=(last or 0) + 1,
            amount=sheet.total,
            members=sheet.members,
            person_months=sheet.person_months,
            standard=sheet.standard,
            proration=sheet.proration,
            reference_date=sheet.reference_date,
            sheet=sheet.as_json(),
            doc_number=doc_number,
            approved_on=approved_on,
            approved_by=actor,
        )
        disbursed = _disbursed(university.pk, year)
        if disbursed > record.amount:
            raise ValidationError(
                _("已下拨 %(d)s 元，超过重新测算的核定金额 %(a)s 元，请先更正下拨")
                % {"d": disbursed, "a": record.amount}
            )
        return create_object(actor=actor, instance=record)


# --- disbursements ----------------------------------------------------------------------------


def _disbursed(university_id: int, year: int) -> Decimal:
    total = Disbursement.objects.filter(university_id=university_id, year=year).aggregate(
        s=Sum("amount")
    )["s"]
    return total or Decimal("0.00")


def _check_doc_number(doc_number: str) -> str:
    doc_number = doc_number.strip()
    if doc_number and Disbursement.objects.filter(doc_number=doc_number).exists():
        raise ValidationError({"doc_number": _("该文号已被使用")})
    return doc_number


def disbursement_create(
    *,
    actor: User,
    university: University,
    year: int,
    date: dt.date,
    amount: Any,
    doc_number: str,
    attachment: UploadedFile[bytes] | None = None,
) -> Disbursement:
    require_province_admin(actor)
    amount = parse_amount(amount)
    if not doc_number.strip():
        raise ValidationError({"doc_number": _("请填写文号")})
    kind = check_upload(attachment, module="funding", field="attachment") if attachment else ""
    with transaction.atomic():
        allocation = current_allocation(university.pk, year)
        if allocation is None:
            raise ValidationError(_("该高校本年度经费尚未核定，不能下拨"))
        doc_number = _check_doc_number(doc_number)
        # Lock the university's lines so that two disbursements cannot both pass the check.
        list(
            Disbursement.objects.select_for_update()
            .filter(university=university, year=year)
            .values_list("pk", flat=True)
        )
        already = _disbursed(university.pk, year)
        if already + amount > allocation.amount:
            raise ValidationError(
                {
                    "amount": _("下拨金额超过核定金额：核定 %(a)s 元，已下拨 %(d)s 元")
                    % {"a": allocation.amount, "d": already}
                }
            )
        line = Disbursement(
            university=university,
            year=year,
            date=date,
            amount=amount,
            doc_number=doc_number,
            attachment_kind=kind,
            recorded_by=actor,
        )
        if attachment is not None:
            line.attachment.save(attachment.name or "attachment", attachment, save=False)
        return create_object(actor=actor, instance=line)


def disbursement_correct(
    *,
    actor: User,
    disbursement: Disbursement,
    amount: Any,
    date: dt.date,
    reason: str,
    doc_number: str = "",
) -> Disbursement:
    """A new line (negative to take back) with its reason; the corrected line stays as it was."""
    require_province_admin(actor)
    amount = parse_amount(amount, signed=True)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写更正原因")})
    with transaction.atomic():
        doc_number = _check_doc_number(doc_number)
        allocation = current_allocation(disbursement.university_id, disbursement.year)
        allocated = allocation.amount if allocation else Decimal("0.00")
        total = _disbursed(disbursement.university_id, disbursement.year) + amount
        if total < 0:
            raise ValidationError({"amount": _("更正后下拨合计不能小于 0")})
        if total > allocated:
            raise ValidationError({"amount": _("更正后下拨合计超过核定金额")})
        line = Disbursement(
            university_id=disbursement.university_id,
            year=disbursement.year,
            kind=EntryKind.CORRECTION,
            date=date,
            amount=amount,
            doc_number=doc_number,
            corrects=disbursement.corrects or disbursement,
            reason=reason.strip(),
            recorded_by=actor,
        )
        return create_object(actor=actor, instance=line)


# --- expenses ---------------------------------------------------------------------------------


@dataclass
class Recorded:
    expense: Expense
    warnings: list[str] = field(default_factory=list)


def _require_spender(actor: User, university_id: int) -> None:
    if not access.can_spend(actor, university_id):
        raise PermissionDeniedError(_("仅该高校的经费联络人可登记支出"))


def _check_open(
    university_id: int, year: int, date: dt.date, closed: set[int] | None = None
) -> None:
    if date.year != year:
        raise ValidationError({"date": _("支出日期不在 %(year)s 年度内") % {"year": year}})
    closed = closed_months(university_id, year) if closed is None else closed
    if date.month in closed:
        raise ValidationError(
            {
                "date": _("%(month)s月已月结，不能登记或修改；请在未月结的月份登记更正")
                % {"month": date.month}
            }
        )


def _check_category(category: str, policy: FundingPolicy) -> None:
    if category not in policy.categories:
        raise ValidationError(
            {"category": _("支出类别须为：%(c)s") % {"c": "、".join(policy.categories)}}
        )


def _check_links(
    university_id: int, visit_id: int | None, meeting_id: int | None, training_id: int | None
) -> None:
    """A linked activity must be one of the university's provincial groups' own."""
    for name, pk, group_path in (
        ("visit", visit_id, "group__lead_university_id"),
        ("meeting", meeting_id, "group__lead_university_id"),
        ("training", training_id, "group__lead_university_id"),
    ):
        if pk is None:
            continue
        model = Expense._meta.get_field(name).related_model
        if not model._default_manager.filter(pk=pk, **{group_path: university_id}).exists():  # type: ignore[union-attr]
            raise ValidationError({name: _("关联的活动不存在或不属于本校牵头的指导组")})


def _overspend(totals: Totals, adding: Decimal, policy: FundingPolicy) -> list[str]:
    after = totals.balance - adding
    if adding <= 0 or after >= 0:
        return []
    message = _("本笔支出后结余为 %(b)s 元，超出可用经费") % {"b": after}
    if policy.overspend == "refuse":
        raise ValidationError({"amount": message})
    return [message]


def _totals(university_id: int, year: int) -> Totals:
    return ledger_totals([university_id], year)[university_id]


def _lock_ledger(university_id: int, year: int) -> None:
    """Serialise writes to one university's year (the balance check reads then writes)."""
    list(
        University.objects.select_for_update().filter(pk=university_id).values_list("pk", flat=True)
    )


def expense_create(
    *,
    actor: User,
    university: University,
    year: int,
    date: dt.date,
    category: str,
    amount: Any,
    payee: str,
    purpose: str,
    visit_id: int | None = None,
    meeting_id: int | None = None,
    training_id: int | None = None,
    receipt: UploadedFile[bytes] | None = None,
) -> Recorded:
    _require_spender(actor, university.pk)
    policy = _policy()
    amount = parse_amount(amount)
    _check_category(category, policy)
    kind = check_upload(receipt, module="funding", field="receipt") if receipt else ""
    with transaction.atomic():
        _lock_ledger(university.pk, year)
        _check_open(university.pk, year, date)
        _check_links(university.pk, visit_id, meeting_id, training_id)
        warnings = _overspend(_totals(university.pk, year), amount, policy)
        line = Expense(
            university=university,
            year=year,
            date=date,
            month=date.month,
            category=category,
            amount=amount,
            payee=payee.strip(),
            purpose=purpose.strip(),
            visit_id=visit_id,
            meeting_id=meeting_id,
            training_id=training_id,
            receipt_kind=kind,
            recorded_by=actor,
        )
        if receipt is not None:
            line.receipt.save(receipt.name or "receipt", receipt, save=False)
        return Recorded(create_object(actor=actor, instance=line), warnings)


EDITABLE = (
    "date",
    "category",
    "amount",
    "payee",
    "purpose",
    "visit_id",
    "meeting_id",
    "training_id",
)


def expense_update(
    *, actor: User, expense: Expense, data: dict[str, Any], expected_version: int | None
) -> Recorded:
    """Edit a line of an open month (and move it only into another open month)."""
    _require_spender(actor, expense.university_id)
    policy = _policy()
    if expense.kind != EntryKind.ORIGINAL:
        raise ValidationError(_("更正记录不能修改，请再登记一笔更正"))
    changes = {k: v for k, v in data.items() if k in EDITABLE}
    if "amount" in changes:
        changes["amount"] = parse_amount(changes["amount"])
    if "category" in changes:
        _check_category(changes["category"], policy)
    with transaction.atomic():
        _lock_ledger(expense.university_id, expense.year)
        closed = closed_months(expense.university_id, expense.year)
        _check_open(expense.university_id, expense.year, expense.date, closed)
        new_date = changes.get("date", expense.date)
        _check_open(expense.university_id, expense.year, new_date, closed)
        changes["month"] = new_date.month
        _check_links(
            expense.university_id,
            changes.get("visit_id", expense.visit_id),
            changes.get("meeting_id", expense.meeting_id),
            changes.get("training_id", expense.training_id),
        )
        warnings = _overspend(
            _totals(expense.university_id, expense.year),
            changes.get("amount", expense.amount) - expense.amount,
            policy,
        )
        saved = update_object(
            actor=actor, instance=expense, data=changes, expected_version=expected_version
        )
    return Recorded(saved, warnings)


def expense_correct(
    *, actor: User, expense: Expense, amount: Any, date: dt.date, reason: str
) -> Recorded:
    """A correcting line in an open month of the same year (negative to reverse); the line it
    corrects stays as recorded."""
    _require_spender(actor, expense.university_id)
    policy = _policy()
    amount = parse_amount(amount, signed=True)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写更正原因")})
    original = expense.corrects or expense
    with transaction.atomic():
        _lock_ledger(expense.university_id, expense.year)
        _check_open(expense.university_id, expense.year, date)
        net = (
            Expense.objects.filter(pk=original.pk).aggregate(s=Sum("amount"))["s"]
            + (original.corrections.aggregate(s=Sum("amount"))["s"] or 0)
            + amount
        )
        if net < 0:
            raise ValidationError({"amount": _("更正后该笔支出金额不能小于 0")})
        warnings = _overspend(_totals(expense.university_id, expense.year), amount, policy)
        line = Expense(
            university_id=original.university_id,
            year=original.year,
            kind=EntryKind.CORRECTION,
            date=date,
            month=date.month,
            category=original.category,
            amount=amount,
            payee=original.payee,
            purpose=original.purpose,
            visit_id=original.visit_id,
            meeting_id=original.meeting_id,
            training_id=original.training_id,
            corrects=original,
            reason=reason.strip(),
            recorded_by=actor,
        )
        return Recorded(create_object(actor=actor, instance=line), warnings)


def month_close(*, actor: User, university: University, year: int, month: int) -> MonthClose:
    if not access.can_close(actor, university.pk):
        raise PermissionDeniedError(_("仅该高校的经费联络人可月结"))
    if not 1 <= month <= 12:
        raise ValidationError({"month": _("月份须为 1–12")})
    if dt.date(year, month, 1) > timezone.localdate():
        raise ValidationError({"month": _("该月尚未开始，不能月结")})
    with transaction.atomic():
        _lock_ledger(university.pk, year)
        if MonthClose.objects.filter(university=university, year=year, month=month).exists():
            raise ValidationError({"month": _("%(m)s月已月结，不能重复月结") % {"m": month}})
        record = MonthClose(university=university, year=year, month=month, closed_by=actor)
        record.full_clean()
        record.save()
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=record,
            changes={"month": [None, f"{year}-{month:02d}"]},
        )
    return record
