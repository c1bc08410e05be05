from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO
from typing import Any

import docx
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from handinhand.conftest import make_user
from handinhand.core.exceptions import PermissionDeniedError
from handinhand.core.models import AuditEvent
from handinhand.programme.models import (
    District,
    DistrictSchool,
    GroupLevel,
    GuidanceGroup,
    MemberRole,
    Membership,
)
from handinhand.reports import figures as figures_module
from handinhand.reports import selectors, services
from handinhand.reports.figures import compute_figures, figure_sections, optional_selector
from handinhand.reports.models import AnnualReport, JobStatus, ReportJob, ReportStatus
from handinhand.training.models import Attendance, TrainingSession

YEAR = 2025
NARRATIVE = {
    "work_summary": "全年深入结对地区开展指导。",
    "leader_duty": "组长牵头主持会议、带队指导。",
    "problems": "个别学校整改进度偏慢。",
    "plans": "下一年度实现片区全覆盖。",
}


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _events(obj) -> list[str]:
    return list(
        AuditEvent.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk)
        ).values_list("action", flat=True)
    )


def _records(cast):
    """A year of records for the 南昌大学 group: an extra member who left mid-year, a second
    district, training in and out of the year."""
    ncu = cast.groups["ncu"]
    gone = make_user("gone", "离任成员")
    Membership.objects.create(
        group=ncu,
        user=gone,
        role=MemberRole.INSTRUCTOR,
        term_start=dt.date(2024, 3, 1),
        term_end=dt.date(2025, 6, 30),
        is_active=False,
    )
    early = make_user("early", "早年成员")
    Membership.objects.create(
        group=ncu,
        user=early,
        role=MemberRole.INSTRUCTOR,
        term_start=dt.date(2023, 3, 1),
        term_end=dt.date(2024, 6, 30),
        is_active=False,
    )
    second = District.objects.create(group=ncu, batch=cast.batch, name="安源片区")
    DistrictSchool.objects.create(district=second, school=cast.school_anyuan, batch=cast.batch)
    for day, hours, who in [
        (dt.date(2025, 3, 1), "8", [cast.instructor, cast.leader, gone]),
        (dt.date(2025, 10, 1), "10", [cast.instructor, cast.instructor_ecjtu]),
        (dt.date(2024, 10, 1), "6", [cast.leader, early]),
    ]:
        session = TrainingSession.objects.create(
            topic=f"培训{day}", date=day, hours=Decimal(hours), organiser=cast.province_admin
        )
        for user in who:
            Attendance.objects.create(session=session, user=user, hours=Decimal(hours))


def _direct(group_id: int, year: int) -> dict:
    """The same figures straight from the tables in SQL, group by group."""
    start, end = f"{year}-01-01", f"{year}-12-31"
    member_sql = (
        "SELECT DISTINCT user_id FROM programme_membership WHERE group_id = %s "
        "AND term_start <= %s AND ((term_end IS NULL AND is_active) OR term_end >= %s)"
    )
    with connection.cursor() as cur:
        cur.execute(member_sql, [group_id, end, start])
        members = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT COUNT(*) FROM programme_district WHERE group_id = %s", [group_id])
        districts = cur.fetchone()[0]
        cur.execute(
            "SELECT COUNT(DISTINCT ds.school_id) FROM programme_districtschool ds "
            "JOIN programme_district d ON d.id = ds.district_id WHERE d.group_id = %s",
            [group_id],
        )
        schools = cur.fetchone()[0]
        cur.execute(
            "SELECT COUNT(*) FROM programme_pairing WHERE group_id = %s AND since <= %s",
            [group_id, end],
        )
        pairings = cur.fetchone()[0]
        hours: dict[int, Decimal] = {}
        for user_id in members:
            cur.execute(
                "SELECT COALESCE(SUM(a.hours), 0) FROM training_attendance a "
                "JOIN training_trainingsession s ON s.id = a.session_id "
                "WHERE a.user_id = %s AND s.date BETWEEN %s AND %s",
                [user_id, start, end],
            )
            hours[user_id] = Decimal(str(cur.fetchone()[0]))
    return {
        "members": len(members),
        "districts": districts,
        "schools": schools,
        "pairings": pairings,
        "hours": sum(hours.values(), Decimal("0")),
        "met": sum(1 for h in hours.values() if h >= 16),
    }


def test_report_figures_equal_the_records(cast):
    _records(cast)
    services.reports_generate(actor=cast.province_admin, year=YEAR)
    reports = {r.group_id: r for r in AnnualReport.objects.filter(year=YEAR)}
    assert set(reports) == set(GuidanceGroup.objects.values_list("pk", flat=True))
    for group_id, report in reports.items():
        fig, direct = report.figures, _direct(group_id, YEAR)
        assert fig["members"] == direct["members"]
        assert fig["districts"] == direct["districts"]
        assert fig["schools"] == direct["schools"]
        assert len(fig["paired_regions"]) == direct["pairings"]
        assert Decimal(fig["training"]["hours"]) == direct["hours"]
        assert fig["training"]["members_met"] == direct["met"]
    ncu = reports[cast.groups["ncu"].pk].figures
    # Known values, so that the comparison above cannot pass on two equal wrong answers.
    assert ncu["members"] == 3  # instructor, leader, the one who left in June
    assert ncu["roles"] == {"指导员": 2, "组长": 1}
    assert ncu["paired_regions"] == ["萍乡市"]
    assert (ncu["districts"], ncu["schools"]) == (2, 2)
    assert Decimal(ncu["training"]["hours"]) == Decimal("34")  # 8 + 10 + 8 + 8
    assert ncu["training"]["members_met"] == 1  # the instructor: 18 h
    assert ncu["leader"]["name"] == "王组长"


def test_meetings_from_the_meetings_app_or_a_dash(cast, monkeypatch):
    ids = [g.pk for g in cast.groups.values()]
    meeting_counts = optional_selector("meeting_counts")
    fig = compute_figures(ids, YEAR)
    if meeting_counts is not None:
        expected = meeting_counts(ids, YEAR)
        for pk in ids:
            assert fig[pk]["meetings"] == {
                "owed": expected[pk]["owed"],
                "held": expected[pk]["held"],
            }
            leader = (fig[pk]["leader"] or {}).get("user_id")
            assert fig[pk]["leader_meetings_chaired"] == (
                expected[pk]["chaired_by"].get(leader, 0) if leader else 0
            )
    # Without the meetings app (or before it exists): the report shows a dash.
    real = figures_module.optional_selector
    monkeypatch.setattr(
        figures_module,
        "optional_selector",
        lambda name: None if "meeting" in name else real(name),
    )
    one = compute_figures(ids, YEAR)[cast.groups["ncu"].pk]
    assert one["meetings"] is None and one["leader_meetings_chaired"] is None
    rows = dict(figure_sections(one)[1][1])
    assert rows["应开会议次数"] == "—" and rows["实开会议次数"] == "—"
    if optional_selector("visit_counts") is None:
        assert rows["指导活动"] == "暂无数据"


def test_regeneration_keeps_submitted_reports(cast):
    first = services.reports_generate(actor=cast.province_admin, year=YEAR)
    assert first == {"created": 3, "refreshed": 0, "skipped": 0}
    report = AnnualReport.objects.get(group=cast.groups["ncu"], year=YEAR)
    assert _events(report) == ["create"]
    AnnualReport.objects.filter(pk=report.pk).update(status=ReportStatus.SUBMITTED)
    again = services.reports_generate(actor=cast.province_admin, year=YEAR)
    assert again == {"created": 0, "refreshed": 2, "skipped": 1}
    with pytest.raises(PermissionDeniedError):
        services.reports_generate(actor=cast.leader, year=YEAR)


def _draft(cast) -> AnnualReport:
    services.reports_generate(
        actor=cast.province_admin, year=YEAR, group_ids=[cast.groups["ncu"].pk]
    )
    return AnnualReport.objects.get(group=cast.groups["ncu"], year=YEAR)


def test_leader_submits_department_acknowledges(cast):
    report = _draft(cast)
    with pytest.raises(ValidationError):  # the narrative is still empty
        services.report_submit(actor=cast.leader, report=report)
    with pytest.raises(PermissionDeniedError):
        services.report_update(
            actor=cast.instructor, report=report, data=NARRATIVE, expected_version=1
        )
    report = services.report_update(
        actor=cast.leader, report=report, data=NARRATIVE, expected_version=report.version
    )
    report = services.report_submit(actor=cast.leader, report=report)
    assert report.status == ReportStatus.SUBMITTED and report.submitted_by == cast.leader
    with pytest.raises(ValidationError, match="请勿重复提交"):
        services.report_submit(actor=cast.leader, report=report)
    with pytest.raises(ValidationError):
        services.report_update(
            actor=cast.leader, report=report, data=NARRATIVE, expected_version=None
        )
    with pytest.raises(PermissionDeniedError):  # a city bureau is not the province's department
        services.report_acknowledge(actor=cast.city_user, report=report)
    report = services.report_acknowledge(actor=cast.province_admin, report=report)
    assert report.status == ReportStatus.ACKNOWLEDGED
    assert report.acknowledged_by == cast.province_admin
    with pytest.raises(ValidationError, match="已被签收"):
        services.report_submit(actor=cast.leader, report=report)
    with pytest.raises(ValidationError):
        services.report_return(actor=cast.province_admin, report=report, reason="补充")
    assert _events(report) == ["update", "update", "update", "create"]


def test_return_needs_a_reason_then_resubmit(cast):
    report = _draft(cast)
    report = services.report_update(
        actor=cast.leader, report=report, data=NARRATIVE, expected_version=report.version
    )
    report = services.report_submit(actor=cast.leader, report=report)
    for reason in ["", "   "]:
        with pytest.raises(ValidationError) as exc:
            services.report_return(actor=cast.province_admin, report=report, reason=reason)
        assert "return_reason" in exc.value.message_dict
    report = services.report_return(
        actor=cast.province_admin, report=report, reason="请补充带队指导情况"
    )
    assert report.status == ReportStatus.RETURNED
    assert report.return_reason == "请补充带队指导情况"
    report = services.report_submit(actor=cast.leader, report=report)
    assert report.status == ReportStatus.SUBMITTED and report.return_reason == ""


def test_city_group_reports_to_its_city_bureau(cast, client_for):
    group = GuidanceGroup.objects.create(
        name="萍乡市党建指导组", level=GroupLevel.CITY, region_id="360300", batch=cast.batch
    )
    chief = make_user("px_leader", "萍乡组长")
    Membership.objects.create(
        group=group, user=chief, role=MemberRole.LEADER, term_start=dt.date(2024, 1, 1)
    )
    report = AnnualReport.objects.create(
        group=group, year=YEAR, status=ReportStatus.SUBMITTED, **NARRATIVE
    )
    assert services.is_department(cast.city_user, group)
    assert not services.is_department(cast.province_admin, group)
    assert not services.is_department(cast.county_user, group)  # a bureau below the city
    assert set(AnnualReport.objects.visible_to(cast.city_user)) == {report}
    assert not AnnualReport.objects.visible_to(cast.outsider).exists()
    assert list(AnnualReport.objects.filter(services.department_q(cast.city_user))) == [report]
    assert not AnnualReport.objects.filter(services.department_q(cast.county_user)).exists()
    assert not AnnualReport.objects.filter(services.department_q(cast.province_admin)).exists()
    response = client_for(cast.city_user).get(reverse("reports:report_list"), {"mine": "on"})
    assert response.content.decode().count("党建指导工作报告</a>") == 1
    services.report_acknowledge(actor=cast.city_user, report=report)


def test_due_date_overdue_and_reminders(cast):
    report = _draft(cast)
    assert report.due_date == dt.date(2026, 1, 31)
    assert not report.is_overdue(dt.date(2026, 1, 31))
    assert report.is_overdue(dt.date(2026, 2, 1))
    assert selectors.reports_due(dt.date(2026, 1, 10)) == []  # 21 days ahead
    due = selectors.reports_due(dt.date(2026, 1, 20))
    assert len(due) == 1
    user_id, key, text, url, when = due[0]
    assert key.startswith(f"reports:annual:{report.pk}:")
    assert (user_id, url, when) == (
        cast.leader.pk,
        reverse("reports:report_detail", args=[report.pk]),
        dt.date(2026, 1, 31),
    )
    assert "即将到期" in text and "南昌大学党建指导组2025年度党建指导工作报告" in text
    assert "已逾期" in selectors.reports_due(dt.date(2026, 3, 1))[0][2]
    AnnualReport.objects.filter(pk=report.pk).update(status=ReportStatus.SUBMITTED)
    assert selectors.reports_due(dt.date(2026, 3, 1)) == []


def test_docx_is_an_official_report(cast, client_for):
    report = _draft(cast)
    services.report_update(actor=cast.leader, report=report, data=NARRATIVE, expected_version=1)
    response = client_for(cast.instructor).get(reverse("reports:report_docx", args=[report.pk]))
    assert response.status_code == 200
    document = docx.Document(BytesIO(response.content))
    paragraphs = [p.text for p in document.paragraphs if p.text]
    assert paragraphs[0] == "南昌大学党建指导组2025年度党建指导工作报告"
    headings = [t for t in paragraphs if t[1:2] == "、"]
    assert headings == [
        "一、基本情况",
        "二、工作开展情况",
        "三、负责人履职情况",
        "四、经费使用情况",  # a provincial group: its lead university's funds (R12)
        "五、存在的问题",
        "六、下一年度工作计划",
    ]
    assert NARRATIVE["work_summary"] in paragraphs
    body = next(p for p in document.paragraphs if p.text == NARRATIVE["plans"])
    fonts: Any = body.runs[0]._element.rPr.rFonts  # type: ignore[union-attr]
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == (
        "仿宋_GB2312"
    )
    assert body.runs[0].font.name == "FangSong"
    assert len(document.tables) == 4
    assert document.tables[0].rows[1].cells[0].text == "指导组成员数"


def test_background_generation_with_progress(
    cast, client_for, immediate_tasks, django_capture_on_commit_callbacks
):
    client = client_for(cast.province_admin)
    assert client.get(reverse("reports:report_generate")).status_code == 200
    with pytest.raises(PermissionDeniedError):  # only the province admin may start it
        services.job_start(actor=cast.leader, year=YEAR)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:report_generate"), {"year": str(YEAR)})
    job = ReportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "reports:job_detail", args=[job.pk]
    )
    assert (job.status, job.done, job.total, job.created_count) == (JobStatus.DONE, 3, 3, 3)
    assert AnnualReport.objects.filter(year=YEAR).count() == 3
    assert _events(job) == ["create"]
    partial = client.get(reverse("reports:job_detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    text = partial.content.decode()
    assert "<html" not in text and "已完成" in text and "every 1s" not in text


def test_list_and_detail_pages(cast, client_for, django_assert_max_num_queries):
    services.reports_generate(actor=cast.province_admin, year=YEAR)
    services.reports_generate(actor=cast.province_admin, year=YEAR - 1)
    client = client_for(cast.province_admin)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("reports:report_list"))
    text = response.content.decode()
    assert response.status_code == 200 and text.count("党建指导工作报告") >= 6
    response = client_for(cast.instructor).get(reverse("reports:report_list"), {"year": YEAR})
    assert response.content.decode().count("党建指导工作报告</a>") == 1  # own group only
    report = AnnualReport.objects.get(group=cast.groups["ncu"], year=YEAR)
    response = client_for(cast.leader).get(reverse("reports:report_detail", args=[report.pk]))
    assert "提交报告" in response.content.decode()
    response = client_for(cast.leader).post(
        reverse("reports:report_edit", args=[report.pk]),
        {**NARRATIVE, "expected_version": report.version},
    )
    assert response.status_code == 302
    client = client_for(cast.leader)
    client.post(reverse("reports:report_submit", args=[report.pk]))
    client = client_for(cast.province_admin)
    response = client.post(
        reverse("reports:report_return", args=[report.pk]), {"return_reason": ""}
    )
    assert response.status_code == 400
    client.post(reverse("reports:report_acknowledge", args=[report.pk]))
    report.refresh_from_db()
    assert report.status == ReportStatus.ACKNOWLEDGED


def test_january_command_drafts_last_year(cast):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("annual_report_drafts", year=YEAR, stdout=out)
    assert "新建 3" in out.getvalue()
    assert AnnualReport.objects.filter(year=YEAR, status=ReportStatus.DRAFT).count() == 3
    report = AnnualReport.objects.get(group=cast.groups["ncu"], year=YEAR)
    assert (
        AuditEvent.objects.get(
            object_id=str(report.pk), object_type="reports.annualreport"
        ).actor_name
        == ""
    )
