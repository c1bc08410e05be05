"""Background work of orgs (django-tasks): a large roster import (issue 15 item 4)."""

from __future__ import annotations

import logging
import uuid
from io import BytesIO
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _
from django_tasks import task
from openpyxl import load_workbook

from handinhand.accounts.models import User
from handinhand.core import jobs
from handinhand.core.models import Job

log = logging.getLogger(__name__)

ERRORS_KEPT = 200  # on the job page; the file is fixed and imported again anyway


def inline_limit() -> int:
    return int(getattr(settings, "IMPORT_INLINE_ROWS", 2000))


def estimated_rows(data: bytes) -> int | None:
    """The sheet's row count from its dimension (read without reading the rows); None when
    the file does not say or cannot be opened (the import then reports why)."""
    try:
        sheet = load_workbook(BytesIO(data), read_only=True).worksheets[0]
        rows: int | None = sheet.max_row
        return rows
    except Exception:
        return None


def roster_import_start(*, actor: User, data: bytes, filename: str, rows: int) -> Job:
    """Queue a roster import: the upload is kept in storage until the worker has read it."""
    name = default_storage.save(f"jobs/in/roster-{uuid.uuid4().hex}.xlsx", ContentFile(data))
    with transaction.atomic():
        job = jobs.job_enqueue(
            actor=actor,
            kind="orgs.roster_import",
            task=run_roster_import,
            total=rows,
            params={"upload": name, "filename": filename},
        )
        job.message = _("正在后台导入花名册「%(name)s」（约 %(rows)s 行）……") % {
            "name": filename,
            "rows": f"{rows:,}",
        }
        Job.objects.filter(pk=job.pk).update(message=job.message)
    return job


@task()
def run_roster_import(job_id: int) -> dict[str, Any]:
    """The import, all or nothing as in the request (orgs.imports.import_roster); its outcome
    goes on the job (counts, or the first row errors), the upload is then deleted."""
    from handinhand.orgs.imports import import_roster

    job = Job.objects.select_related("created_by").get(pk=job_id)
    upload = str(job.params["upload"])
    jobs.job_running(job)
    try:
        with default_storage.open(upload, "rb") as handle:
            data = handle.read()
        actor = User.objects.get(pk=job.created_by_id)
        result = import_roster(actor=actor, data=data, filename=str(job.params["filename"]))
    except Exception as exc:
        log.exception("roster import job %s failed", job.pk)
        jobs.job_fail(job, exc)
        return {"error": str(exc)}
    finally:
        default_storage.delete(upload)
    if not result.ok:
        lines = [
            (_("第 %(row)s 行") % {"row": e.row} if e.row else "—")
            + f" {e.column or '—'}：{e.message}"
            for e in result.errors[:ERRORS_KEPT]
        ]
        jobs.job_fail(
            job,
            _("导入未完成，没有写入任何数据。文件中发现 %(n)s 处问题：") % {"n": len(result.errors)}
            + "\n"
            + "\n".join(lines),
        )
        return {"errors": len(result.errors)}
    summary = {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
    jobs.job_finish(
        job,
        result=summary,
        message=_(
            "导入成功。新增 %(created)s 所学校，更新 %(updated)s 所，%(unchanged)s 所无变化。"
        )
        % {k: f"{v:,}" for k, v in summary.items()},
    )
    return summary
