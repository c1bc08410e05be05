"""The writes and their bad input: amounts, dates, closed months, overspending, 文号,
disbursing beyond the allocation, corrections as new lines, the atomic import."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from handinhand.core.exceptions import PermissionDeniedError
from handinhand.core.models import AuditEvent
from handinhand.core.policy import get_policy
from handinhand.funding import selectors, services
from handinhand.funding.imports import import_expenses
from handinhand.funding.models import Allocation, Expense
from handinhand.funding.tests.factories import (
    YEAR,
    approved,
    disbursed,
    doc,
    finance,
    spent,
)

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture
def funded(cast):
    approved(cast)
    disbursed(cast)
    return cast


def totals(cast, year=YEAR):
    uni = cast.universities["ncu"].pk
    return selectors.ledger_totals([uni], year)[uni]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "不能为 0"),
        ("0.00", "不能为 0"),
        ("-5", "大于 0"),
        ("12.345", "两位小数"),
        ("abc", "格式"),
    ],
)
def test_bad_amounts_are_refused(funded, amount, message):
    with pytest.raises(ValidationError, match=message):
        spent(funded, amount)
    with pytest.raises(ValidationError, match=message):
        disbursed(funded, amount)
    assert services.parse_amount(12.3) == Decimal("12.30")


def test_an_expense_outside_the_year_or_in_a_closed_month(funded):
    with pytest.raises(ValidationError, match="不在"):
        services.expense_create(
            actor=finance(funded),
            university=funded.universities["ncu"],
            year=YEAR,
            date=dt.date(YEAR + 1, 1, 2),
            category="会议",
            amount="10",
            payee="x",
            purpose="y",
        )
    line = spent(funded, day=dt.date(YEAR, 4, 2))
    services.month_close(
        actor=finance(funded), university=funded.universities["ncu"], year=YEAR, month=4
    )
    with pytest.raises(ValidationError, match="已月结"):
        spent(funded, day=dt.date(YEAR, 4, 20))
    with pytest.raises(ValidationError, match="已月结"):
        services.expense_update(
            actor=finance(funded), expense=line, data={"amount": "1.00"}, expected_version=None
        )
    with pytest.raises(ValidationError, match="不能重复月结"):
        services.month_close(
            actor=finance(funded), university=funded.universities["ncu"], year=YEAR, month=4
        )
    # The correction goes into an open month; the closed line stays as it was.
    with pytest.raises(ValidationError, match="已月结"):
        services.expense_correct(
            actor=finance(funded),
            expense=line,
            amount="-20",
            date=dt.date(YEAR, 4, 30),
            reason="多报",
        )
    fix = services.expense_correct(
        actor=finance(funded), expense=line, amount="-20", date=dt.date(YEAR, 5, 3), reason="多报"
    ).expense
    line.refresh_from_db()
    assert line.amount == Decimal("320.50") and fix.corrects == line and fix.month == 5
    assert totals(funded).spent == Decimal("300.50")


def test_spending_above_the_balance_warns_or_refuses(funded, settings):
    recorded = services.expense_create(
        actor=finance(funded),
        university=funded.universities["ncu"],
        year=YEAR,
        date=dt.date(YEAR, 6, 1),
        category="劳务",
        amount="30000.01",
        payee="x",
        purpose="y",
    )
    assert recorded.warnings and "超出可用经费" in recorded.warnings[0]
    policy = get_policy()
    strict = policy.model_copy(
        update={"funding": policy.funding.model_copy(update={"overspend": "refuse"})}
    )
    from unittest import mock

    with (
        mock.patch("handinhand.funding.services.get_policy", return_value=strict),
        pytest.raises(ValidationError, match="超出可用经费"),
    ):
        spent(funded, "1.00")


def test_duplicate_document_numbers(funded):
    number = doc()
    services.disbursement_create(
        actor=funded.province_admin,
        university=funded.universities["ncu"],
        year=YEAR,
        date=dt.date(YEAR, 5, 1),
        amount="100",
        doc_number=number,
    )
    with pytest.raises(ValidationError, match="文号已被使用"):
        services.disbursement_create(
            actor=funded.province_admin,
            university=funded.universities["ncu"],
            year=YEAR,
            date=dt.date(YEAR, 5, 2),
            amount="100",
            doc_number=number,
        )
    first = Allocation.objects.get()
    with pytest.raises(ValidationError, match="文号已被使用"):
        services.allocation_approve(
            actor=funded.province_admin,
            university=funded.universities["ncu"],
            year=YEAR,
            doc_number=first.doc_number,
            approved_on=dt.date(YEAR, 4, 1),
        )


def test_a_disbursement_larger_than_the_allocation(funded):
    with pytest.raises(ValidationError, match="超过核定金额"):
        disbursed(funded, "10000.01")  # 20,000 of 30,000 already disbursed
    line = disbursed(funded, "10000.00")
    with pytest.raises(ValidationError, match="超过核定金额"):
        services.disbursement_correct(
            actor=funded.province_admin,
            disbursement=line,
            amount="1",
            date=dt.date(YEAR, 6, 1),
            reason="补拨",
        )
    fix = services.disbursement_correct(
        actor=funded.province_admin,
        disbursement=line,
        amount="-500",
        date=dt.date(YEAR, 6, 1),
        reason="多拨收回",
    )
    line.refresh_from_db()
    assert line.amount == Decimal("10000.00") and fix.amount == Decimal("-500.00")
    assert totals(funded).disbursed == Decimal("29500.00")


def test_no_allocation_no_disbursement_and_no_university_without_a_group(cast):
    with pytest.raises(ValidationError, match="尚未核定"):
        disbursed(cast)


def test_who_may_write(funded):
    with pytest.raises(PermissionDeniedError):
        services.expense_create(
            actor=funded.province_admin,
            university=funded.universities["ncu"],
            year=YEAR,
            date=dt.date(YEAR, 6, 1),
            category="劳务",
            amount="1",
            payee="x",
            purpose="y",
        )
    with pytest.raises(PermissionDeniedError):
        services.allocation_sheet(
            actor=funded.leader, university=funded.universities["ncu"], year=YEAR
        )
    finance(funded)
    with pytest.raises(PermissionDeniedError):
        services.expense_create(
            actor=funded.unit_contact,
            university=funded.universities["ecjtu"],
            year=YEAR,
            date=dt.date(YEAR, 6, 1),
            category="劳务",
            amount="1",
            payee="x",
            purpose="y",
        )


def test_receipt_is_checked(funded):
    good = SimpleUploadedFile("票据.pdf", PDF, content_type="application/pdf")
    line = spent(funded, receipt=good)
    assert line.receipt_kind == "pdf" and line.receipt.name
    bad = SimpleUploadedFile("票据.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError, match="不允许的文件类型"):
        spent(funded, receipt=bad)


def test_approval_is_a_version_and_refuses_a_stale_total(cast):
    first = approved(cast)
    second = approved(cast)
    assert (first.number, second.number) == (1, 2)
    with pytest.raises(ValidationError, match="测算结果已变化"):
        services.allocation_approve(
            actor=cast.province_admin,
            university=cast.universities["ncu"],
            year=YEAR,
            doc_number=doc(),
            approved_on=dt.date(YEAR, 4, 1),
            expected_total=Decimal("1.00"),
        )
    assert AuditEvent.objects.filter(object_type="funding.allocation").count() == 2


def _xlsx(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["日期*", "支出类别*", "金额（元）*", "收款方*", "用途*", "指导活动编号"])
    for r in rows:
        ws.append(r)
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_import_with_one_bad_row_among_many_writes_nothing(funded):
    good = [[dt.date(YEAR, 7, d), "交通差旅", 100.5, "客运", "下校交通"] for d in range(1, 29)]
    rows = [*good[:10], [dt.date(YEAR, 7, 3), "吃饭", 12.345, "", "x"], *good[10:]]
    result = import_expenses(
        actor=finance(funded),
        university=funded.universities["ncu"],
        year=YEAR,
        data=_xlsx(rows),
        filename="支出.xlsx",
    )
    assert not result.ok and Expense.objects.count() == 0
    assert [(e.row, e.column) for e in result.errors] == [
        (12, "支出类别"),
        (12, "金额（元）"),
        (12, "收款方"),
    ]
    result = import_expenses(
        actor=finance(funded),
        university=funded.universities["ncu"],
        year=YEAR,
        data=_xlsx(good),
        filename="支出.xlsx",
    )
    assert result.ok and result.created == 28
    assert totals(funded).spent == Decimal("2814.00")
