"""A framework to and from .xlsx: one row per indicator. Export then import gives the same
framework; an import with any error writes nothing and reports every error with its row."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from handinhand.accounts.models import User
from handinhand.core.text import normalise_text
from handinhand.indicators.models import Framework
from handinhand.indicators.services import (
    framework_nodes,
    framework_replace_indicators,
    framework_validate,
)
from handinhand.indicators.structure import Node
from handinhand.orgs.imports import (
    RowError,
    _FileError,
    _open_sheet,
    _text,
    header_key,
    import_limits,
    limited_rows,
)

SHEET = "指标体系"
COLUMNS = ("编码", "级别", "上级编码", "指标名称", "分值", "评分要点", "佐证材料")
REQUIRED = {"编码", "级别", "指标名称"}


@dataclass
class FrameworkImportResult:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def export_workbook(framework: Framework) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    if sheet is None:  # a new Workbook always has one sheet
        raise RuntimeError("openpyxl made a workbook without a sheet")
    sheet.title = SHEET
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for n in framework_nodes(framework):
        sheet.append(
            [
                n.code,
                n.level,
                n.parent_code or None,
                n.title,
                float(n.max_score) if n.max_score is not None else None,
                n.guidance or None,
                n.evidence or None,
            ]
        )
    # Codes are text ("1.10" is not "1.1"): keep Excel from turning them into numbers.
    for column in ("A", "C"):
        for cell in sheet[column]:
            cell.number_format = "@"
    sheet.column_dimensions["D"].width = 40
    sheet.column_dimensions["F"].width = 60
    sheet.column_dimensions["G"].width = 40
    return workbook


def _level(value: Any) -> int:
    text = _text(value)
    if text not in ("1", "2", "3"):
        raise ValueError
    return int(text)


def _score(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError
    try:
        score = Decimal(str(value) if isinstance(value, float) else normalise_text(value))
    except InvalidOperation as exc:
        raise ValueError from exc
    if not score.is_finite() or score < 0:
        raise ValueError
    return score


def read_nodes(data: bytes, filename: str) -> tuple[list[Node], list[RowError]]:
    """The file's indicators and every error of its rows (structure is checked after)."""
    limits = import_limits()
    nodes: list[Node] = []
    errors: list[RowError] = []
    with _open_sheet(data, filename, limits) as sheet:
        # Rows are counted, blank ones too, against the policy's limits (issue 9, defect 6).
        rows = limited_rows(sheet, limits, max_col=len(COLUMNS) + 5)
        try:
            _number, header = next(rows)
        except StopIteration:
            raise _FileError(_("文件中没有数据。")) from None
        keys = [header_key(h) for h in header]
        missing = [c for c in COLUMNS if header_key(c) not in keys]
        if missing:
            raise _FileError(
                _("缺少列：%(cols)s。请使用导出的指标体系文件作为模板。")
                % {"cols": "、".join(missing)}
            )
        index = {c: keys.index(header_key(c)) for c in COLUMNS}
        for number, row in rows:
            cells = {c: (row[i] if i < len(row) else None) for c, i in index.items()}
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells.values()):
                continue
            row_errors: list[RowError] = []
            for column in REQUIRED:
                if not _text(cells[column]):
                    row_errors.append(RowError(number, column, _("必填，不能为空")))
            level = 0
            if _text(cells["级别"]):
                try:
                    level = _level(cells["级别"])
                except ValueError:
                    row_errors.append(RowError(number, "级别", _("应为 1、2 或 3")))
            score: Decimal | None = None
            try:
                score = _score(cells["分值"])
            except ValueError:
                row_errors.append(RowError(number, "分值", _("应为不小于 0 的数字")))
            title = _text(cells["指标名称"])
            if len(title) > 200:
                row_errors.append(RowError(number, "指标名称", _("不能超过 200 个字")))
            code = _text(cells["编码"])
            if len(code) > 20:
                row_errors.append(RowError(number, "编码", _("不能超过 20 个字符")))
            errors.extend(row_errors)
            nodes.append(
                Node(
                    code=code,
                    level=level,
                    parent_code=_text(cells["上级编码"]),
                    title=title,
                    max_score=score,
                    guidance=str(cells["评分要点"] or "").strip(),
                    evidence=str(cells["佐证材料"] or "").strip(),
                )
            )
    return nodes, errors


def import_framework(
    *, actor: User, framework: Framework, data: bytes, filename: str
) -> FrameworkImportResult:
    """Replace a draft's indicators with the file's, or write nothing and say every error."""
    result = FrameworkImportResult()
    try:
        nodes, row_errors = read_nodes(data, filename)
    except _FileError as exc:
        result.errors.append(RowError(0, "", str(exc)))
        return result
    result.errors.extend(row_errors)
    if not row_errors:
        result.errors.extend(
            RowError(0, "", message) for message in framework_validate(framework, nodes)
        )
    if result.errors:
        return result
    result.created = framework_replace_indicators(
        actor=actor, framework=framework, nodes=nodes, source=filename
    )
    return result
