"""Synthetic training and annual reports."""

from __future__ import annotations

from django.utils import timezone

from handinhand.reports.models import AnnualReport, ReportStatus
from handinhand.seed import reports as synthetic
from handinhand.training.models import Attendance, TrainingSession


def test_synthetic_extend_writes_training_and_reports(cast):
    counts = synthetic.extend("pilot", seed=7, scale=1.0)
    this_year = timezone.localdate().year  # the programme's year, as the seed reads it
    assert counts["annual reports"] == 6  # 3 groups × 2 years
    assert counts["training sessions"] == TrainingSession.objects.count() > 0
    assert counts["training attendances"] == Attendance.objects.count() > 0
    assert set(AnnualReport.objects.values_list("year", flat=True)) == {
        this_year - 2,
        this_year - 1,
    }
    older = AnnualReport.objects.filter(year=this_year - 2)
    assert set(older.values_list("status", flat=True)) == {ReportStatus.ACKNOWLEDGED}
    assert synthetic.extend("pilot", seed=7, scale=1.0) == {}  # once only
