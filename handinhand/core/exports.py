"""Any filtered list to .xlsx: the rows the user sees, all pages, streamed from the database."""

from __future__ import annotations

from io import BytesIO
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from handinhand.core import audit
from handinhand.core.models import AuditAction
from handinhand.core.uploads import serve_generated

if TYPE_CHECKING:
    from handinhand.core.listing import ListSpec

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise_formulas(workbook: Workbook) -> None:
    """Text that begins with "=" becomes a formula in openpyxl; a school name or a failed login
    typed as =HYPERLINK(...) would then run in the reader's Excel. Every exported cell is data:
    keep it text. (Write-only sheets are handled cell by cell in `text_cell`.)"""
    if getattr(workbook, "write_only", False):
        return
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"


def text_cell(sheet: Any, value: Any) -> Any:
    """A write-only cell that stays text even when it begins with "="."""
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def xlsx_response(workbook: Workbook, filename: str) -> HttpResponse:
    neutralise_formulas(workbook)
    buffer = BytesIO()
    workbook.save(buffer)
    return serve_generated(buffer.getvalue(), "xlsx", filename)


def export_list(request: HttpRequest, spec: ListSpec, qs: QuerySet[Any]) -> HttpResponse:
    columns = [c for c in spec.columns if not c.list_only]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(spec.title)[:31])
    header_font = Font(bold=True)
    header = []
    for c in columns:
        cell = WriteOnlyCell(sheet, value=str(c.label))
        cell.font = header_font
        header.append(cell)
    sheet.append(header)
    count = 0
    for obj in qs.iterator(chunk_size=2000):
        sheet.append([text_cell(sheet, _cell(c.value(obj))) for c in columns])
        count += 1
    audit.record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type=spec.export_name,
        object_repr=gettext("%(title)s（%(n)s行）") % {"title": spec.title, "n": count},
        changes={"filters": [None, request.GET.urlencode()]},
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(workbook, f"{spec.title}-{stamp}.xlsx")


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if isinstance(value, int | float | str) or value is None:
        return value
    return str(value)
