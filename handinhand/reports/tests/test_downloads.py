"""Report files (.docx) are downloads, typed by kind and never sniffed."""

from __future__ import annotations

from django.urls import reverse

from handinhand.reports.tests.factories import ncu_report


def test_report_docx_headers(cast, client_for):
    report = ncu_report(cast)
    response = client_for(cast.instructor).get(reverse("reports:report_docx", args=[report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
