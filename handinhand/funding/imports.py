"""Expense lines from the university finance system's .xlsx: every row is checked and every
problem reported with its row and column as Excel shows them; only a file without a single
problem is written, in one transaction (the roster import's contract, orgs/imports.py)."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from handinhand.accounts.models import User
from handinhand.core import audit
from handinhand.core.exceptions import PermissionDeniedError
from handinhand.core.models import AuditAction
from handinhand.core.policy import get_policy
from handinhand.funding import access
from handinhand.funding.models import Expense
from handinhand.funding.selectors import closed_months, ledger_totals
from handinhand.funding.services import parse_amount
from handinhand.orgs.imports import RowError, header_key
from handinhand.orgs.models import University

# (header, field, required)
COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("日期", "date", True),
    ("支出类别", "category", True),
    ("金额（元）", "amount", True),
    ("收款方", "payee", True),
    ("用途", "purpose", True),
    ("指导活动编号", "visit_id", False),
)
HEADERS = tuple(h for h, _f, _r in COLUMNS)
_BY_KEY = {header_key(h): (h, f, r) for h, f, r in COLUMNS}
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
MAX_UNPACKED_RATIO = 30


@dataclass
class ImportResult:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _FileError(Exception):
    pass


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = _DATE.match(str(value).strip())
    if not match:
        raise ValueError
    return dt.date(*(int(x) for x in match.groups()))


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _sheet_rows(data: bytes, filename: str) -> list[tuple[int, tuple[Any, ...]]]:
    policy = get_policy().imports
    max_bytes = int(policy.max_file_mb * 1024 * 1024)
    if not filename.lower().endswith(".xlsx"):
        raise _FileError(_("只能导入 .xlsx 格式的 Excel 文件，请使用下载的导入模板填写。"))
    if not data:
        raise _FileError(_("文件是空的。"))
    if len(data) > max_bytes:
        raise _FileError(_("文件超过 %(max)g MB，请拆分后分批导入。") % {"max": policy.max_file_mb})
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            if sum(i.file_size for i in archive.infolist()) > MAX_UNPACKED_RATIO * max_bytes:
                raise _FileError(_("文件解压后过大，已拒绝导入。"))
        workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except _FileError:
        raise
    except Exception as exc:  # zip, XML and openpyxl errors alike: the file is damaged
        raise _FileError(_("文件已损坏或不是 Excel 工作簿，无法读取。")) from exc
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        rows = list(enumerate(sheet.iter_rows(max_col=20, values_only=True), start=1))
    finally:
        workbook.close()
    if len(rows) > policy.max_rows + 1:
        raise _FileError(_("行数超过上限 %(n)s 行，请拆分后分批导入。") % {"n": policy.max_rows})
    return rows


def import_expenses(
    *, actor: User, university: University, year: int, data: bytes, filename: str
) -> ImportResult:
    if not access.can_spend(actor, university.pk):
        raise PermissionDeniedError(_("仅该高校的经费联络人可导入支出"))
    policy = get_policy().funding
    result = ImportResult()
    try:
        rows = _sheet_rows(data, filename)
    except _FileError as exc:
        result.errors = [RowError(0, "", str(exc))]
        return result
    rows = [(n, r) for n, r in rows if any(_text(v) for v in r)]
    if not rows:
        result.errors = [RowError(0, "", _("文件中没有数据。"))]
        return result
    header_row, header = rows[0]
    positions: dict[str, int] = {}
    for index, value in enumerate(header):
        known = _BY_KEY.get(header_key(value)) if value is not None else None
        if known:
            positions[known[1]] = index
    errors: list[RowError] = []
    for head, name, required in COLUMNS:
        if required and name not in positions:
            errors.append(RowError(header_row, head, _("缺少必填列“%(h)s”") % {"h": head}))
    if errors:
        result.errors = errors
        return result
    closed = closed_months(university.pk, year)
    parsed: list[tuple[int, dict[str, Any]]] = []
    for number, cells in rows[1:]:
        values: dict[str, Any] = {}
        for head, name, required in COLUMNS:
            raw = (
                cells[positions[name]]
                if name in positions and positions[name] < len(cells)
                else None
            )
            text = _text(raw)
            if not text:
                if required:
                    errors.append(RowError(number, head, _("必填项不能为空")))
                continue
            try:
                values[name] = _cell(name, raw, text, year, closed, policy.categories)
            except ValidationError as exc:
                errors.append(RowError(number, head, "；".join(exc.messages)))
        parsed.append((number, values))
    _check_visits(university.pk, parsed, errors)
    if not errors:
        total = sum((v["amount"] for _n, v in parsed), start=Decimal("0.00"))
        totals = ledger_totals([university.pk], year)[university.pk]
        if totals.balance - total < 0:
            message = _("导入合计 %(t)s 元，导入后结余为 %(b)s 元，超出可用经费") % {
                "t": total,
                "b": totals.balance - total,
            }
            if policy.overspend == "refuse":
                errors.append(RowError(0, "", message))
            else:
                result.warnings.append(message)
    if errors:
        result.errors = sorted(
            errors, key=lambda e: (e.row, HEADERS.index(e.column) if e.column in HEADERS else 99)
        )
        return result
    with transaction.atomic():
        lines = [
            Expense(
                university=university,
                year=year,
                date=v["date"],
                month=v["date"].month,
                category=v["category"],
                amount=v["amount"],
                payee=v["payee"],
                purpose=v["purpose"],
                visit_id=v.get("visit_id"),
                imported=True,
                recorded_by=actor,
            )
            for _n, v in parsed
        ]
        Expense.objects.bulk_create(lines, batch_size=2000)
        audit.record(
            actor=actor,
            action=AuditAction.IMPORT,
            instance=university,
            object_type="funding.expense",
            object_repr=_("%(u)s %(y)s年度支出导入（%(n)s行）")
            % {"u": university, "y": year, "n": len(lines)},
            changes={"file": [None, filename], "rows": [None, len(lines)]},
        )
    result.created = len(lines)
    return result


def _cell(
    name: str, raw: Any, text: str, year: int, closed: set[int], categories: list[str]
) -> Any:
    if name == "date":
        try:
            day = _date(raw)
        except ValueError:
            raise ValidationError(_("日期格式不正确，应为 2025-03-15")) from None
        if day.year != year:
            raise ValidationError(_("日期不在 %(y)s 年度内") % {"y": year})
        if day.month in closed:
            raise ValidationError(_("%(m)s月已月结") % {"m": day.month})
        return day
    if name == "category":
        if text not in categories:
            raise ValidationError(_("支出类别须为：%(c)s") % {"c": "、".join(categories)})
        return text
    if name == "amount":
        try:
            return parse_amount(raw if isinstance(raw, int | float) else text)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["amount"]) from None
    if name == "visit_id":
        if not re.fullmatch(r"\d+(\.0+)?", text):
            raise ValidationError(_("指导活动编号应为数字"))
        return int(text.split(".")[0])
    limit = 100 if name == "payee" else 200
    if len(text) > limit:
        raise ValidationError(_("不能超过 %(n)s 个字") % {"n": limit})
    return text


def _check_visits(
    university_id: int, parsed: list[tuple[int, dict[str, Any]]], errors: list[RowError]
) -> None:
    ids = {v["visit_id"] for _n, v in parsed if "visit_id" in v}
    if not ids:
        return
    model = Expense._meta.get_field("visit").related_model
    known = set(
        model._default_manager.filter(
            pk__in=sorted(ids), group__lead_university_id=university_id
        ).values_list("pk", flat=True)
    )
    for number, values in parsed:
        if "visit_id" in values and values["visit_id"] not in known:
            errors.append(
                RowError(number, "指导活动编号", _("指导活动不存在或不属于本校牵头的指导组"))
            )


def build_template() -> Workbook:
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = "经费支出"
    sheet.append([f"{h}*" if r else h for h, _f, r in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    guide = workbook.create_sheet("填写说明")
    for line in (
        _("第一个工作表每行一笔支出，带 * 的列必填。"),
        _("日期：如 2025-03-15，须在导入的年度内，且所在月份未月结。"),
        _("支出类别：%(c)s。") % {"c": "、".join(get_policy().funding.categories)},
        _("金额（元）：大于 0，最多两位小数，如 320.50。"),
        _("指导活动编号：选填，本校牵头指导组的指导活动编号。"),
        _("任何一行有误时整份文件都不会导入，请按提示的行、列修改后重新导入。"),
    ):
        guide.append([line])
    for column, width in zip("ABCDEF", (14, 12, 12, 24, 36, 14), strict=True):
        sheet.column_dimensions[column].width = width
    return workbook
