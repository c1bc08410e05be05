"""Any filtered list to .xlsx: the rows the user sees, all pages, streamed from the database.

Small lists are written in the request; a list that can exceed EXPORT_INLINE_ROWS rows (and
says where its spec lives, `ListSpec.job_path`) is exported by a background job, with progress
and a download link (issue 15 item 4). Either way rows come from `values()` tuples, not model
objects, and are written by openpyxl's write-only mode.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from io import BytesIO
from itertools import islice
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from handinhand.core import audit
from handinhand.core.jobs import job_enqueue, job_finish, job_progress, job_running
from handinhand.core.models import AuditAction, Job
from handinhand.core.uploads import serve_generated

if TYPE_CHECKING:
    from handinhand.core.listing import Column, ListSpec

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


def export_columns(spec: ListSpec) -> list[Column]:
    return [c for c in spec.columns if not c.list_only]


def inline_limit() -> int:
    """Above this many rows a list's export runs as a background job (issue 15 item 4)."""
    return int(getattr(settings, "EXPORT_INLINE_ROWS", 2000))


def export_list(request: HttpRequest, spec: ListSpec, qs: QuerySet[Any]) -> HttpResponse:
    """The list as .xlsx: in the request when small, else as a job whose page shows progress
    and then a download link (the spec must say where it lives: `job_path`)."""
    if spec.job_path:
        total = qs.count()
        if total > inline_limit():
            job = export_start(
                actor=request.user, spec=spec, query=request.GET.urlencode(), total=total
            )
            return redirect("core:job_detail", job.pk)
    buffer = BytesIO()
    count = write_xlsx(buffer, spec, qs, user=request.user)
    _audit(request.user, spec, count, request.GET.urlencode())
    return serve_generated(buffer.getvalue(), "xlsx", export_filename(spec))


def export_filename(spec: ListSpec) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"{spec.title}-{stamp}.xlsx"


def _audit(actor: Any, spec: ListSpec, count: int, query: str) -> None:
    audit.record(
        actor=actor,
        action=AuditAction.EXPORT,
        object_type=spec.export_name,
        object_repr=_("%(title)s（%(n)s行）") % {"title": spec.title, "n": count},
        changes={"filters": [None, query]},
    )


def export_start(*, actor: Any, spec: ListSpec, query: str, total: int) -> Job:
    """Queue the export of a big list; audited now, with the filters asked for."""
    from handinhand.core import tasks

    with transaction.atomic():
        job = job_enqueue(
            actor=actor,
            kind="export",
            task=tasks.run_export,
            total=total,
            params={"spec": spec.job_path, "query": query, "title": str(spec.title)},
        )
        _audit(actor, spec, total, query)
        job.message = _("导出「%(title)s」共 %(rows)s 行：在后台生成，完成后在此下载。") % {
            "title": spec.title,
            "rows": f"{total:,}",
        }
        Job.objects.filter(pk=job.pk).update(message=job.message)
    return job


def export_run(job: Job) -> None:
    """The worker's half: the rows of the list as its creator sees them now, written to a
    temporary file that becomes the job's file only once complete. A worker that dies
    mid-way leaves the job without a file, so no half-written export is ever offered."""
    from handinhand.core.listing import query_for

    spec: ListSpec = import_string(job.params["spec"])
    qs, _form, _sort = query_for(spec, job.created_by, QueryDict(job.params.get("query", "")))
    job_running(job, total=qs.count())
    with tempfile.TemporaryFile() as handle:
        count = write_xlsx(
            handle,
            spec,
            qs,
            user=job.created_by,
            progress=lambda done: job_progress(job, done),
        )
        handle.seek(0)
        name = export_filename(spec)
        job.result_file.save(f"export-{job.pk}.xlsx", File(handle), save=False)
    Job.objects.filter(pk=job.pk).update(result_file=job.result_file.name)
    job_finish(job, result={"rows": count, "filename": name})


PROGRESS_EVERY = 2000


def write_xlsx(
    target: Any,
    spec: ListSpec,
    qs: QuerySet[Any],
    *,
    user: Any,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the list to `target` (a path or a binary file) with openpyxl's write-only mode,
    row by row from `export_rows`; returns the number of rows."""
    columns = export_columns(spec)
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
    for row in export_rows(columns, qs, user):
        sheet.append([text_cell(sheet, value) for value in row])
        count += 1
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
    workbook.save(target)
    return count


def export_rows(columns: Sequence[Column], qs: QuerySet[Any], user: Any) -> Iterator[list[Any]]:
    """The cells of each row. From `values()` (plain tuples, no model objects) when every
    column is a field path, an annotation or has a `batch`; otherwise from model objects."""
    plan = _values_plan(qs, columns)
    if plan is None:
        for obj in qs.iterator(chunk_size=PROGRESS_EVERY):
            yield [_cell(c.value(obj)) for c in columns]
        return
    paths = [p for p, _choices in plan if p]
    rows = qs.values_list("pk", *paths).iterator(chunk_size=PROGRESS_EVERY)
    while chunk := list(islice(rows, PROGRESS_EVERY)):
        pks = [row[0] for row in chunk]
        batches = [c.batch(user, pks) if c.batch is not None else None for c in columns]
        for row in chunk:
            values = iter(row[1:])
            cells = []
            for (_path, choices), batch in zip(plan, batches, strict=True):
                if batch is not None:
                    value = batch.get(row[0], "")
                else:
                    value = next(values)
                    if choices is not None:
                        value = choices.get(value, value)
                cells.append(_cell("" if value is None else value))
            yield cells


def _values_plan(
    qs: QuerySet[Any], columns: Sequence[Column]
) -> list[tuple[str, dict[Any, Any] | None]] | None:
    """For each column, (values() path or "" for a batch column, its choices' labels or None);
    None when some column can only be computed from a model object."""
    from handinhand.core.listing import Column

    plan: list[tuple[str, dict[Any, Any] | None]] = []
    for column in columns:
        if column.batch is not None:
            plan.append(("", None))
            continue
        if type(column).value is not Column.value:
            return None  # a computed column without a batch
        field = _field_at(qs, column.key)
        if field is False:
            return None
        choices = None
        if field is not None and getattr(field, "choices", None):
            choices = {k: str(v) for k, v in field.flatchoices}
        plan.append((column.key.replace(".", "__"), choices))
    return plan


def _field_at(qs: QuerySet[Any], key: str) -> Any:
    """The model field a dotted key ends on (None for an annotation), False if not a stored
    value (a property, a method, a relation shown by its str())."""
    parts = key.split(".")
    if len(parts) == 1 and key in qs.query.annotations:
        return None
    model = qs.model
    field: Any = None
    for i, part in enumerate(parts):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if field.is_relation:
            if i == len(parts) - 1 or field.many_to_many or field.one_to_many:
                return False
            model = field.related_model
    return field


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, int | float | str) or value is None:
        return value
    return str(value)
