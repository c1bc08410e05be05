"""Annual-report objects built on the shared cast (handinhand/conftest.py)."""

from __future__ import annotations

from typing import Any

from handinhand.reports.models import AnnualReport, ReportJob

YEAR = 2025


def ncu_report(cast: Any, **fields: Any) -> AnnualReport:
    report, _created = AnnualReport.objects.get_or_create(
        group=cast.groups["ncu"], year=YEAR, defaults={"figures": {"year": YEAR}, **fields}
    )
    return report


def a_job(cast: Any) -> ReportJob:
    return ReportJob.objects.create(year=YEAR, started_by=cast.province_admin, total=3)
