"""Synthetic annual reports: the year before last submitted and acknowledged; last year's
drafts as January leaves them (past the due date, most of them acknowledged too). Written by
the same set-based generator as the page."""

from __future__ import annotations

import random

from django.utils import timezone

from handinhand.reports.models import AnnualReport, ReportStatus, due_date
from handinhand.reports.services import reports_generate
from handinhand.seed import training
from handinhand.seed.registry import step

NARRATIVE = {
    "work_summary": "按照《全省中小学校党建指导工作办法》要求，分小组、分片区开展到校指导。",
    "problems": "部分学校党组织活动记录不够规范，整改销号进度不一。",
    "plans": "扩大片区覆盖，推进党建品牌创建，加强指导员业务培训。",
    "leader_duty": "组长牵头制定年度计划，主持召开工作会议，带队开展到校指导。",
}


@step(order=50)
def extend(workload: str, *, seed: int, scale: float = 1.0) -> dict[str, int]:
    if AnnualReport.objects.exists():
        return {}
    # Reports read training hours: make sure they exist first (the training step runs before
    # this one in `manage.py seed`, and skips when it finds its rows; a test may call us alone).
    counts = training.extend(workload, seed=seed, scale=scale)
    today = timezone.localdate()
    this_year = today.year
    older = reports_generate(actor=None, year=this_year - 2)
    AnnualReport.objects.filter(year=this_year - 2).update(
        status=ReportStatus.ACKNOWLEDGED,
        submitted_at=timezone.now(),
        acknowledged_at=timezone.now(),
        **NARRATIVE,
    )
    last = reports_generate(actor=None, year=this_year - 1)
    if today > due_date(this_year - 1):
        # Past the due date: most groups have reported; one in five is still overdue.
        ids = list(AnnualReport.objects.filter(year=this_year - 1).values_list("pk", flat=True))
        rng = random.Random(f"reports:{seed}")
        done = [pk for pk in ids if rng.random() >= 0.2]
        AnnualReport.objects.filter(pk__in=done).update(
            status=ReportStatus.ACKNOWLEDGED,
            submitted_at=timezone.now(),
            acknowledged_at=timezone.now(),
            **NARRATIVE,
        )
    counts["annual reports"] = older["created"] + last["created"]
    return counts
