"""The ledger of a university's year and the province's summary, as .xlsx (money as
¥15,000.00 in the cells' number format, the values exact)."""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from handinhand.funding.models import Disbursement, Expense
from handinhand.funding.selectors import Execution, SummaryRow, Totals, percent

YUAN = '"¥"#,##0.00;-"¥"#,##0.00'


def _sheet(workbook: Workbook, title: str, header: list[str], *, first: bool = False) -> Any:
    sheet = workbook.worksheets[0] if first else workbook.create_sheet()
    sheet.title = title
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    return sheet


def _money_columns(sheet: Any, columns: str) -> None:
    for column in columns:
        for cell in sheet[column][1:]:
            cell.number_format = YUAN
        sheet.column_dimensions[column].width = 16


def ledger_workbook(
    ex: Execution, disbursements: list[Disbursement], expenses: list[Expense]
) -> Workbook:
    workbook = Workbook()
    t = ex.totals
    overview = _sheet(workbook, "执行概况", ["项目", "金额"], first=True)
    for label, value in (
        ("核定金额", t.allocated),
        ("上年结转", t.carry_in),
        ("已下拨", t.disbursed),
        ("已支出", t.spent),
        ("结余", t.balance),
    ):
        overview.append([label, value])
    overview.append(["执行率", percent(t.rate)])
    overview.append([])
    overview.append(["支出类别", "金额"])
    for category, amount in ex.by_category:
        overview.append([category, amount])
    _money_columns(overview, "B")
    overview.column_dimensions["A"].width = 14

    lines = _sheet(workbook, "下拨明细", ["日期", "类型", "文号", "金额", "更正对象", "更正原因"])
    for d in disbursements:
        lines.append(
            [
                d.date,
                d.get_kind_display(),
                d.doc_number,
                d.amount,
                d.corrects.doc_number if d.corrects else "",
                d.reason,
            ]
        )
    _money_columns(lines, "D")

    spend = _sheet(
        workbook,
        "支出明细",
        [
            "编号",
            "日期",
            "月份",
            "类型",
            "支出类别",
            "金额",
            "收款方",
            "用途",
            "关联指导活动",
            "关联会议",
            "关联培训",
            "更正对象",
            "更正原因",
        ],
    )
    for e in expenses:
        spend.append(
            [
                e.pk,
                e.date,
                e.month,
                e.get_kind_display(),
                e.category,
                e.amount,
                e.payee,
                e.purpose,
                e.visit_id,
                e.meeting_id,
                e.training_id,
                e.corrects_id,
                e.reason,
            ]
        )
    _money_columns(spend, "F")
    return workbook


def summary_workbook(year: int, rows: list[SummaryRow], total: Totals) -> Workbook:
    workbook = Workbook()
    sheet = _sheet(
        workbook,
        f"{year}年度经费汇总",
        ["牵头高校", "核定金额", "上年结转", "已下拨", "已支出", "结余", "执行率", "提示"],
        first=True,
    )
    for r in rows:
        t = r.totals
        sheet.append(
            [
                r.university.name,
                t.allocated,
                t.carry_in,
                t.disbursed,
                t.spent,
                t.balance,
                percent(t.rate),
                "；".join(a.text for a in r.alerts),
            ]
        )
    sheet.append(
        [
            "合计",
            total.allocated,
            total.carry_in,
            total.disbursed,
            total.spent,
            total.balance,
            percent(total.rate),
            "",
        ]
    )
    _money_columns(sheet, "BCDEF")
    sheet.column_dimensions["A"].width = 24
    return workbook
