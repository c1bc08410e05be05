"""R10 point 7: the provincial group's January report includes the year's assessment results,
through the `assessment_counts` figures incentives registers for the reports."""

from __future__ import annotations

from io import BytesIO

import docx
from django.urls import reverse

from handinhand.core.registry import group_figures
from handinhand.incentives.selectors import assessment_counts
from handinhand.incentives.tests.factories import LAST_YEAR, confirmed_year, final_year
from handinhand.reports import services as reports
from handinhand.reports.models import AnnualReport


def test_assessment_counts_are_registered():
    assert group_figures.get("assessment_counts") is assessment_counts


def test_provincial_group_report_shows_the_grade_counts(cast, client_for):
    final_year(cast)  # 南昌大学 group: the instructor 优秀, its four others 合格
    ncu = cast.groups["ncu"]
    reports.reports_generate(actor=cast.province_admin, year=LAST_YEAR)
    report = AnnualReport.objects.get(group=ncu, year=LAST_YEAR)
    fig = report.figures["assessment"]
    assert (fig["participants"], fig["exempt"], fig["public"]) == (5, 0, True)
    assert fig["grades"] == {"优秀": 1, "合格": 4, "基本合格": 0, "不合格": 0}

    page = client_for(cast.leader).get(reverse("reports:report_detail", args=[report.pk]))
    html = page.content.decode()
    assert "年度考核情况" in html and "等次：优秀" in html and "参加考核人数" in html

    response = client_for(cast.leader).get(reverse("reports:report_docx", args=[report.pk]))
    document = docx.Document(BytesIO(response.content))
    headings = [p.text for p in document.paragraphs if p.text[1:2] == "、"]
    assert "四、年度考核情况" in headings
    # The assessment's own table (the funding section may follow it).
    table = next(
        t for t in document.tables if any(row.cells[0].text == "等次：优秀" for row in t.rows)
    )
    cells = {row.cells[0].text: row.cells[1].text for row in table.rows}
    assert cells["等次：优秀"] == "1" and cells["等次：合格"] == "4"

    # A year nobody was assessed in: no figures, so the report has no such section.
    reports.reports_generate(actor=cast.province_admin, year=LAST_YEAR - 1)
    earlier = AnnualReport.objects.get(group=ncu, year=LAST_YEAR - 1)
    assert earlier.figures["assessment"] is None
    page = client_for(cast.leader).get(reverse("reports:report_detail", args=[earlier.pk]))
    assert "年度考核情况" not in page.content.decode()


def test_grades_wait_for_publicity(cast):
    confirmed_year(cast)
    counts = assessment_counts([cast.groups["ncu"].pk], LAST_YEAR)[cast.groups["ncu"].pk]
    assert counts["public"] is False and counts["grades"] == {} and counts["participants"] == 5
