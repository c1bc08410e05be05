"""Writes of the annual reports: drafting from the records, the leader's narrative and
submission, the department's acknowledgement or return."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from handinhand.accounts.models import User
from handinhand.core import audit
from handinhand.core.exceptions import PermissionDeniedError
from handinhand.core.jobs import job_enqueue, job_fail, job_finish, job_progress, job_running
from handinhand.core.models import AuditAction
from handinhand.core.policy import get_policy
from handinhand.core.services import update_object
from handinhand.reports import tasks  # a module import: tasks imports this module too
from handinhand.reports.access import can_edit as can_edit
from handinhand.reports.access import can_generate as can_generate
from handinhand.reports.access import department_q as department_q
from handinhand.reports.access import is_department as is_department
from handinhand.reports.access import is_leader as is_leader
from handinhand.reports.figures import active_group_ids, compute_figures
from handinhand.reports.models import (
    OPEN_STATUSES,
    AnnualReport,
    ReportJob,
    ReportStatus,
)

NARRATIVE_FIELDS = ("work_summary", "problems", "plans", "leader_duty")
WRITE_CHUNK = 20


def _locked(report: AnnualReport) -> AnnualReport:
    return (
        AnnualReport.objects.select_for_update().select_related("group__region").get(pk=report.pk)
    )


def reports_generate(
    *,
    actor: User | None,
    year: int,
    group_ids: Sequence[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Draft (or refresh the figures of) every active group's report on `year`.

    Reports already submitted or acknowledged keep the figures they were submitted with."""
    if actor is not None and not can_generate(actor):
        raise PermissionDeniedError(_("仅省委教育工委管理员可生成年度报告"))
    ids = list(group_ids) if group_ids is not None else active_group_ids()
    figures = compute_figures(ids, year)
    existing = {
        r.group_id: r
        for r in AnnualReport.objects.filter(year=year, group_id__in=ids).select_related("group")
    }
    counts = {"created": 0, "refreshed": 0, "skipped": 0}
    now = timezone.now()
    for start in range(0, len(ids), WRITE_CHUNK):
        chunk = ids[start : start + WRITE_CHUNK]
        new: list[AnnualReport] = []
        refreshed: list[AnnualReport] = []
        for group_id in chunk:
            report = existing.get(group_id)
            if report is None:
                new.append(
                    AnnualReport(
                        group_id=group_id, year=year, figures=figures[group_id], figures_at=now
                    )
                )
            elif report.status in OPEN_STATUSES:
                report.figures, report.figures_at = figures[group_id], now
                refreshed.append(report)
            else:
                counts["skipped"] += 1
        with transaction.atomic():
            AnnualReport.objects.bulk_create(new)
            # The narrative's version is not bumped: a leader editing it keeps their form.
            AnnualReport.objects.bulk_update(refreshed, ["figures", "figures_at", "updated_at"])
            created = AnnualReport.objects.filter(
                year=year, group_id__in=[r.group_id for r in new]
            ).select_related("group")
            audit.record_many(
                actor=actor,
                action=AuditAction.CREATE,
                items=[(r, {"year": [None, year], "status": [None, r.status]}) for r in created],
            )
            audit.record_many(
                actor=actor,
                action=AuditAction.UPDATE,
                items=[(r, {"figures_at": [None, now.isoformat()]}) for r in refreshed],
            )
        counts["created"] += len(new)
        counts["refreshed"] += len(refreshed)
        if progress is not None:
            progress(min(start + WRITE_CHUNK, len(ids)), len(ids))
    return counts


def job_start(*, actor: User, year: int) -> ReportJob:
    if not can_generate(actor):
        raise PermissionDeniedError(_("仅省委教育工委管理员可生成年度报告"))

    with transaction.atomic():
        job = job_enqueue(
            actor=actor,
            model=ReportJob,
            task=tasks.generate_reports,
            total=len(active_group_ids()),
            params={"year": year},
        )
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=job,
            changes={"year": [None, year]},
        )
    return job


def job_run(job_id: int) -> ReportJob:
    """Run a generation job, recording progress on its row (polled by the page)."""
    job: ReportJob = ReportJob.objects.select_related("created_by").get(pk=job_id)
    started = time.perf_counter()
    job_running(job)

    def progress(done: int, total: int) -> None:
        job_progress(job, done, total)

    try:
        counts = reports_generate(actor=job.started_by, year=job.year, progress=progress)
    except Exception as exc:  # the page shows why, instead of a bar that never moves
        job_fail(job, exc)
        raise
    job_finish(job, result={**counts, "seconds": round(time.perf_counter() - started, 2)})
    job.refresh_from_db()
    return job


def report_update(
    *, actor: User, report: AnnualReport, data: dict[str, Any], expected_version: int | None
) -> AnnualReport:
    if not is_leader(actor, report.group):
        raise PermissionDeniedError(_("仅指导组组长可填写年度报告"))
    unknown = set(data) - set(NARRATIVE_FIELDS)
    if unknown:
        raise ValueError(f"fields not editable: {sorted(unknown)}")
    with transaction.atomic():
        current = _locked(report)
        if current.status not in OPEN_STATUSES:
            raise ValidationError(_("报告已提交，不能再修改"))
        return update_object(
            actor=actor, instance=current, data=data, expected_version=expected_version
        )


def report_submit(
    *, actor: User, report: AnnualReport, expected_version: int | None = None
) -> AnnualReport:
    if not is_leader(actor, report.group):
        raise PermissionDeniedError(_("仅指导组组长可提交年度报告"))
    with transaction.atomic():
        current = _locked(report)
        if current.status == ReportStatus.ACKNOWLEDGED:
            raise ValidationError(_("报告已被签收，不能再次提交"))
        if current.status == ReportStatus.SUBMITTED:
            raise ValidationError(_("报告已提交，请勿重复提交"))
        missing = [
            str(AnnualReport._meta.get_field(f).verbose_name)  # type: ignore[union-attr]
            for f in NARRATIVE_FIELDS
            if not getattr(current, f).strip()
        ]
        if missing:
            raise ValidationError(_("请先填写：%(fields)s") % {"fields": "、".join(missing)})
        return update_object(
            actor=actor,
            instance=current,
            data={
                "status": ReportStatus.SUBMITTED,
                "submitted_at": timezone.now(),
                "submitted_by": actor,
                "return_reason": "",
            },
            expected_version=expected_version,
        )


def _require_department(actor: User, report: AnnualReport) -> None:
    if not is_department(actor, report.group):
        raise PermissionDeniedError(_("仅该指导组同级教育部门可签收或退回报告"))


def report_acknowledge(*, actor: User, report: AnnualReport) -> AnnualReport:
    _require_department(actor, report)
    with transaction.atomic():
        current = _locked(report)
        if current.status != ReportStatus.SUBMITTED:
            raise ValidationError(_("只能签收已提交的报告"))
        return update_object(
            actor=actor,
            instance=current,
            data={
                "status": ReportStatus.ACKNOWLEDGED,
                "acknowledged_at": timezone.now(),
                "acknowledged_by": actor,
            },
            expected_version=None,
        )


def report_return(*, actor: User, report: AnnualReport, reason: str) -> AnnualReport:
    _require_department(actor, report)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"return_reason": _("退回报告须填写退回原因")})
    with transaction.atomic():
        current = _locked(report)
        if current.status != ReportStatus.SUBMITTED:
            raise ValidationError(_("只能退回已提交的报告"))
        return update_object(
            actor=actor,
            instance=current,
            data={"status": ReportStatus.RETURNED, "return_reason": reason},
            expected_version=None,
        )


def scheduled_drafts(today: dt.date) -> dict[str, int]:
    """The daily schedule: last year's drafts, only in the policy's report month (January)."""
    if today.month != get_policy().reports.due_month:
        return {"skipped_month": today.month}
    return reports_generate(actor=None, year=today.year - 1)
