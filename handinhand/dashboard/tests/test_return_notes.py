"""Issue 14, point 4: a returned report, assessment, research application and evaluation show
their latest reason and who returned it, to the person who must act on it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from handinhand.incentives import services as incentives
from handinhand.incentives.tests.factories import ncu_unit, open_year, record, walk
from handinhand.reports import services as reports
from handinhand.reports.models import AnnualReport
from handinhand.research import services as research
from handinhand.research.tests.factories import a_call, apply

pytestmark = pytest.mark.django_db


def _note(client, url: str) -> str:
    html = client.get(url).content.decode()
    assert 'id="return-note"' in html
    return html[html.index('id="return-note"') :][:1000]


def test_a_returned_report_says_why_and_who(cast, client_for):
    reports.reports_generate(actor=cast.province_admin, year=2025)
    report = AnnualReport.objects.get(group=cast.groups["ncu"], year=2025)
    # Filled and submitted by the leader (the narrative is not what this test is about).
    AnnualReport.objects.filter(pk=report.pk).update(status="submitted")
    report.refresh_from_db()
    reports.report_return(actor=cast.province_admin, report=report, reason="请补充负责人履职情况")
    note = _note(client_for(cast.leader), reverse("reports:report_detail", args=[report.pk]))
    assert "请补充负责人履职情况" in note and str(cast.province_admin) in note


def test_a_returned_assessment_says_why_and_who(cast, client_for):
    year = open_year(cast)
    mine = walk(cast, record(year, cast.instructor), to="submitted")
    incentives.assessment_return(actor=cast.leader, assessment=mine, reason="述职请补充到校次数")
    note = _note(
        client_for(cast.instructor), reverse("incentives:assessment_detail", args=[mine.pk])
    )
    assert "述职请补充到校次数" in note and str(cast.leader) in note


def test_a_returned_research_application_says_why_and_who(cast, client_for):
    ncu_unit(cast)
    call = a_call(cast)
    app = research.application_submit(
        actor=cast.instructor, application=apply(cast, call, cast.instructor)
    )
    assert app.status == "submitted"
    research.application_recommend(
        actor=cast.unit_contact, application=app, recommend=False, reason="预算说明不完整"
    )
    note = _note(client_for(cast.instructor), reverse("research:application_detail", args=[app.pk]))
    assert "预算说明不完整" in note and str(cast.unit_contact) in note


def test_no_note_without_a_return(cast, client_for):
    reports.reports_generate(actor=cast.province_admin, year=2025)
    report = AnnualReport.objects.get(group=cast.groups["ncu"], year=2025)
    html = client_for(cast.leader).get(reverse("reports:report_detail", args=[report.pk]))
    assert 'id="return-note"' not in html.content.decode()
