"""待办 (issue 10): every kind of work appears when its state arises and leaves when the work
is done; each cast member's inbox; an object out of scope never shows; query counts pinned."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from handinhand.accounts.models import PasswordResetRequest, ResetStatus
from handinhand.conftest import Cast
from handinhand.core.inbox import (
    WorkItem,
    WorkSource,
    inbox_count,
    inbox_items,
    register_work,
    reset_inbox,
    work_sources,
)
from handinhand.core.scope import get_scope, reset_scope
from handinhand.guidance.models import Finding, FindingStatus, Rectification, Verdict, Visit
from handinhand.guidance.tests.conftest import plan_visit, raise_finding
from handinhand.indicators.models import (
    CycleStatus,
    Evaluation,
    EvaluationCycle,
    EvaluationStatus,
)
from handinhand.indicators.services import sample_framework_create
from handinhand.meetings.models import ActionItem, Meeting, Todo, TodoKind
from handinhand.programme.models import DistrictSchool, Pairing
from handinhand.reports.models import AnnualReport, ReportStatus, due_date

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


def sources_of(user: Any) -> dict[str, list[WorkItem]]:
    """The user's inbox by source, computed afresh (no request cache, scope recomputed)."""
    reset_inbox(user)
    reset_scope(user)
    found: dict[str, list[WorkItem]] = {}
    for item in inbox_items(user, today()):
        found.setdefault(item.source, []).append(item)
    reset_inbox(user)
    return found


def keys(user: Any, source: str) -> set[str]:
    return {i.key for i in sources_of(user).get(source, [])}


def agrees(user: Any) -> None:
    """The union COUNT says what the items say."""
    reset_inbox(user)
    reset_scope(user)
    n = len(inbox_items(user, today()))
    reset_inbox(user)
    assert inbox_count(user, today()) == n
    reset_inbox(user)


@pytest.fixture
def evaluation(cast: Cast) -> Evaluation:
    cycle = EvaluationCycle.objects.create(
        framework=sample_framework_create(), name="2026年度", year=2026, status=CycleStatus.OPEN
    )
    return Evaluation.objects.create(cycle=cycle, school=cast.school)


def set_state(model: Any, obj: Any, **fields: Any) -> None:
    model.objects.filter(pk=obj.pk).update(**fields)


# --- one test per item kind ---------------------------------------------------------------------


def test_self_assessment_review_and_confirmation(cast: Cast, evaluation: Evaluation) -> None:
    key = f"evaluation:{evaluation.pk}"
    assert key in keys(cast.school_user, "indicators.self_assessment")
    agrees(cast.school_user)
    set_state(Evaluation, evaluation, status=EvaluationStatus.RETURNED, return_reason="佐证不全")
    [item] = sources_of(cast.school_user)["indicators.self_assessment"]
    assert item.reason == "佐证不全" and "重新提交" in item.title
    assert key not in keys(cast.instructor, "indicators.review")

    set_state(Evaluation, evaluation, status=EvaluationStatus.SUBMITTED)
    assert key not in keys(cast.school_user, "indicators.self_assessment")
    assert key in keys(cast.instructor, "indicators.review")
    assert not keys(cast.instructor_ecjtu, "indicators.review")  # not their district
    agrees(cast.instructor)

    set_state(Evaluation, evaluation, status=EvaluationStatus.REVIEWED)
    assert key not in keys(cast.instructor, "indicators.review")
    assert key in keys(cast.leader, "indicators.confirm")
    agrees(cast.leader)

    set_state(Evaluation, evaluation, status=EvaluationStatus.CONFIRMED)
    assert key not in keys(cast.leader, "indicators.confirm")


def test_closed_cycle_owes_nothing(cast: Cast, evaluation: Evaluation) -> None:
    set_state(EvaluationCycle, evaluation.cycle, status=CycleStatus.CLOSED)
    assert not keys(cast.school_user, "indicators.self_assessment")


def test_finding_answer_and_verification(cast: Cast) -> None:
    finding = raise_finding(cast)
    key = f"finding:{finding.pk}"
    [item] = sources_of(cast.school_user)["guidance.finding_answer"]
    assert item.key == key and item.due == finding.deadline
    agrees(cast.school_user)

    set_state(Finding, finding, status=FindingStatus.ANSWERED)
    assert key not in keys(cast.school_user, "guidance.finding_answer")
    assert key in keys(cast.instructor, "guidance.finding_verify")
    assert not keys(cast.instructor_ecjtu, "guidance.finding_verify")

    Rectification.objects.create(
        finding=finding,
        measures="补齐记录",
        answered_by=cast.school_user,
        verdict=Verdict.RETURNED,
        reason="缺少会议签到表",
        reviewed_at=timezone.now(),
    )
    set_state(Finding, finding, status=FindingStatus.RETURNED)
    [item] = sources_of(cast.school_user)["guidance.finding_answer"]
    assert item.reason == "缺少会议签到表"
    assert key not in keys(cast.instructor, "guidance.finding_verify")

    set_state(Finding, finding, status=FindingStatus.CLOSED, closed_at=timezone.now())
    assert key not in keys(cast.school_user, "guidance.finding_answer")


def test_planned_visit_past_its_date(cast: Cast) -> None:
    visit = plan_visit(cast, status="planned", date=today() - dt.timedelta(days=2))
    key = f"visit:{visit.pk}"
    assert key in keys(cast.instructor, "guidance.visit_overdue")
    assert key not in keys(cast.leader, "guidance.visit_overdue")  # not among its instructors
    set_state(Visit, visit, status="held")
    assert key not in keys(cast.instructor, "guidance.visit_overdue")


def test_meetings_owed_this_period(cast: Cast) -> None:
    owed = sources_of(cast.leader).get("meetings.owed", [])
    assert owed and all(i.due and i.due >= today() for i in owed)
    assert not keys(cast.instructor, "meetings.owed")  # only the leaders owe the meeting
    for item in owed:
        kind = item.key.split(":")[2]
        Meeting.objects.create(
            kind=kind, group=cast.groups["ncu"], title="会议", date=today(), status="held"
        )
    assert not keys(cast.leader, "meetings.owed")


def test_action_items_and_personal_todos(cast: Cast) -> None:
    meeting = Meeting.objects.create(
        kind="group", group=cast.groups["ncu"], title="组会", date=today(), status="held"
    )
    action = ActionItem.objects.create(
        meeting=meeting, text="整理台账", owner=cast.instructor, due=today() + dt.timedelta(days=3)
    )
    todo = Todo.objects.create(
        user=cast.instructor, kind=TodoKind.OTHER, text="阅读工作办法", source_key="t:1"
    )
    # A reminder row for work another source derives from state is not counted twice.
    Todo.objects.create(
        user=cast.instructor, kind=TodoKind.REPORT_DUE, text="报告", source_key="t:2"
    )
    assert keys(cast.instructor, "meetings.action_item") == {f"action:{action.pk}"}
    assert keys(cast.instructor, "meetings.todo") == {f"todo:{todo.pk}"}
    agrees(cast.instructor)
    set_state(ActionItem, action, done=True)
    set_state(Todo, todo, done=True)
    assert not keys(cast.instructor, "meetings.action_item")
    assert not keys(cast.instructor, "meetings.todo")


def test_annual_report_draft_submit_acknowledge(cast: Cast) -> None:
    year = today().year - 1
    report = AnnualReport.objects.create(group=cast.groups["ncu"], year=year)
    key = f"report:{report.pk}"
    [item] = sources_of(cast.leader)["reports.leader"]
    assert item.key == key and item.due == due_date(year)
    assert not keys(cast.instructor, "reports.leader")  # the leader writes it
    if today() > due_date(year):
        assert sources_of(cast.province_admin)["reports.overdue"]

    set_state(AnnualReport, report, status=ReportStatus.RETURNED, return_reason="数据有误")
    [item] = sources_of(cast.leader)["reports.leader"]
    assert item.reason == "数据有误"

    late = timezone.make_aware(dt.datetime.combine(due_date(year), dt.time(12)))
    late += dt.timedelta(days=3)
    set_state(AnnualReport, report, status=ReportStatus.SUBMITTED, submitted_at=late)
    assert key not in keys(cast.leader, "reports.leader")
    [item] = sources_of(cast.province_admin)["reports.acknowledge"]  # a provincial group
    assert item.key == key and "逾期提交" in item.title
    assert "reports.overdue" not in sources_of(cast.province_admin)
    assert not keys(cast.city_user, "reports.acknowledge")
    agrees(cast.province_admin)

    set_state(AnnualReport, report, status=ReportStatus.ACKNOWLEDGED)
    assert key not in keys(cast.province_admin, "reports.acknowledge")


def test_report_submitted_late_keeps_its_mark(cast: Cast, client_for: Any) -> None:
    year = today().year - 1
    report = AnnualReport.objects.create(group=cast.groups["ncu"], year=year)
    late = timezone.make_aware(dt.datetime.combine(due_date(year), dt.time(23, 30)))
    set_state(AnnualReport, report, submitted_at=late, status=ReportStatus.SUBMITTED)
    report.refresh_from_db()
    assert not report.submitted_late  # on the due day itself: on time
    set_state(AnnualReport, report, submitted_at=late + dt.timedelta(days=1))
    report.refresh_from_db()
    assert report.submitted_late and report.overdue_label == "逾期提交"
    set_state(AnnualReport, report, status=ReportStatus.ACKNOWLEDGED)
    page = client_for(cast.province_admin).get(report.get_absolute_url())
    assert 'id="report-late"' in page.content.decode()


def test_assessment_summary_proposal_confirmation(cast: Cast) -> None:
    from handinhand.incentives.tests.factories import open_year, record, walk

    year = open_year(cast, extra=0)
    mine = record(year, cast.instructor)
    key = f"assessment:{mine.pk}"
    assert key in keys(cast.instructor, "incentives.self_summary")
    mine = walk(cast, mine, to="submitted")
    assert key not in keys(cast.instructor, "incentives.self_summary")
    assert key in keys(cast.leader, "incentives.propose")
    agrees(cast.leader)
    from handinhand.incentives import services

    mine = services.assessment_propose(
        actor=cast.leader, assessment=mine, grade="合格", comment="", expected_version=None
    )
    assert key not in keys(cast.leader, "incentives.propose")
    assert keys(cast.province_admin, "incentives.confirm") == {f"year:{year.pk}"}
    services.assessment_confirm(actor=cast.province_admin, assessment=mine, reason="")
    assert not keys(cast.province_admin, "incentives.confirm")


def test_research_recommendation_and_review(cast: Any) -> None:
    from handinhand.research import services
    from handinhand.research.tests.factories import a_call, apply, expert

    call = a_call(cast)
    app = services.application_submit(
        actor=cast.instructor, application=apply(cast, call, cast.instructor)
    )
    key = f"application:{app.pk}"
    assert key in keys(cast.unit_contact, "research.recommend")
    app = services.application_recommend(actor=cast.unit_contact, application=app, recommend=True)
    assert key not in keys(cast.unit_contact, "research.recommend")
    reviewer = expert(cast)
    review = services.review_assign(actor=cast.province_admin, application=app, reviewer=reviewer)
    assert keys(reviewer, "research.review") == {f"review:{review.pk}"}
    [item] = sources_of(reviewer)["research.review"]
    assert cast.instructor.full_name not in item.subject  # blind
    services.review_submit(
        actor=reviewer,
        review=review,
        scores={
            "选题意义": 18,
            "研究内容与方法": 27,
            "研究基础": 18,
            "预期成果": 18,
            "经费预算合理性": 9,
        },
    )
    assert not keys(reviewer, "research.review")


def test_password_reset_approval_for_the_security_admin(cast: Cast) -> None:
    request = PasswordResetRequest.objects.create(
        user=cast.province_admin,
        requested_by=cast.system_admin,
        password="x",
    )
    key = f"reset:{request.pk}"
    assert key in keys(cast.security_admin, "accounts.reset_approval")
    assert not keys(cast.system_admin, "accounts.reset_approval")
    agrees(cast.security_admin)
    set_state(PasswordResetRequest, request, status=ResetStatus.APPROVED)
    assert key not in keys(cast.security_admin, "accounts.reset_approval")


# --- scope ------------------------------------------------------------------------------------


def test_an_item_whose_object_left_the_scope_disappears(cast: Cast) -> None:
    finding = raise_finding(cast)
    set_state(Finding, finding, status=FindingStatus.ANSWERED)
    assert f"finding:{finding.pk}" in keys(cast.instructor, "guidance.finding_verify")
    # The school leaves the instructor's district and the group's pairing ends: the school is
    # out of their scope, and its finding leaves their inbox (the group is still theirs).
    DistrictSchool.objects.filter(school=cast.school).delete()
    Pairing.objects.filter(group=cast.groups["ncu"]).delete()
    assert f"finding:{finding.pk}" not in keys(cast.instructor, "guidance.finding_verify")
    agrees(cast.instructor)


def test_each_cast_members_inbox(cast: Cast, evaluation: Evaluation) -> None:
    raise_finding(cast)
    AnnualReport.objects.create(group=cast.groups["ncu"], year=today().year - 1)
    expected = {
        "school_user": {"indicators.self_assessment", "guidance.finding_answer"},
        "leader": {"reports.leader", "meetings.owed"},
        "instructor": set(),
        "outsider": set(),
        "county_user": set(),
        "system_admin": set(),
        "audit_admin": set(),
    }
    for name, must in expected.items():
        user = getattr(cast, name)
        found = set(sources_of(user))
        assert must <= found, name
        if name in ("outsider", "county_user", "system_admin", "audit_admin", "instructor"):
            assert found == must, (name, found)
        agrees(user)


# --- the registry, the page, the badge, the costs ---------------------------------------------


def test_a_source_without_pending_is_counted_from_its_items(cast: Cast) -> None:
    def items(user: Any, day: dt.date) -> list[WorkItem]:
        return [WorkItem("test.plain", "k", "做一件事", "/", day - dt.timedelta(days=1))]

    register_work(WorkSource("test.plain", "测试", items))
    try:
        reset_inbox(cast.outsider)
        assert inbox_count(cast.outsider, today()) == 1
        reset_inbox(cast.outsider)
        [item] = inbox_items(cast.outsider, today())
        assert item.days_left(today()) == -1
    finally:
        work_sources._items.pop("test.plain")


def test_items_sorted_overdue_first_then_by_deadline(cast: Cast) -> None:
    day = today()

    def items(user: Any, d: dt.date) -> list[WorkItem]:
        return [
            WorkItem("test.sort", "none", "c", "/"),
            WorkItem("test.sort", "later", "b", "/", day + dt.timedelta(days=9)),
            WorkItem("test.sort", "soon", "b", "/", day + dt.timedelta(days=1)),
            WorkItem("test.sort", "late", "a", "/", day - dt.timedelta(days=3)),
        ]

    register_work(WorkSource("test.sort", "测试", items))
    try:
        reset_inbox(cast.outsider)
        assert [i.key for i in inbox_items(cast.outsider, day)] == [
            "late",
            "soon",
            "later",
            "none",
        ]
    finally:
        work_sources._items.pop("test.sort")


def test_inbox_page_filter_export_and_badge(cast: Cast, client_for: Any) -> None:
    finding = raise_finding(cast, deadline=today() + dt.timedelta(days=30))
    overdue = raise_finding(cast, found_on=today() - dt.timedelta(days=20))
    set_state(Finding, overdue, deadline=today() - dt.timedelta(days=2))
    client = client_for(cast.school_user)
    page = client.get(reverse("core:inbox"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="todo-badge">2<' in html  # drawn inline: the page knows the count
    badge = client.get(reverse("core:inbox_badge")).content.decode()
    assert 'id="todo-badge">2<' in badge
    assert "已逾期2天" in html and "剩余30天" in html
    d = finding.deadline
    assert f"{d.year}年{d.month}月{d.day}日" in html
    assert html.index("已逾期2天") < html.index("剩余30天")
    assert (
        client.get(reverse("core:inbox"), {"when": "overdue"}).context["page"].paginator.count == 1
    )
    assert (
        client.get(reverse("core:inbox"), {"module": "学校评估"}).context["page"].paginator.count
        == 0
    )
    export = client.get(reverse("core:inbox"), {"export": "xlsx"})
    assert export.status_code == 200 and export["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    partial = client.get(reverse("core:inbox"), HTTP_HX_REQUEST="true")
    assert "<nav" not in partial.content.decode()
    # Someone else's finding is not in the county's own inbox (it owes nothing).
    assert client_for(cast.outsider).get(reverse("core:inbox")).context["page"].paginator.count == 0


def test_inbox_count_costs_few_queries(
    cast: Cast, evaluation: Evaluation, django_assert_max_num_queries: Any
) -> None:
    raise_finding(cast)
    for user in (cast.school_user, cast.instructor, cast.leader, cast.province_admin):
        reset_scope(user)
        reset_inbox(user)
        get_scope(user)  # computed once per request before any page is drawn
        # One union COUNT, plus the two queries of the meetings owed (no `pending`) for leaders.
        with django_assert_max_num_queries(3):
            inbox_count(user, today())
        with django_assert_max_num_queries(0):
            inbox_count(user, today())  # cached for the request


def test_province_admin_inbox_page_queries(
    cast: Cast, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    AnnualReport.objects.create(group=cast.groups["ncu"], year=today().year - 1)
    AnnualReport.objects.create(
        group=cast.groups["ecjtu"],
        year=today().year - 1,
        status=ReportStatus.SUBMITTED,
        submitted_at=timezone.now(),
    )
    client = client_for(cast.province_admin)
    client.get(reverse("core:inbox"))
    # One query per source the province has work in (issue 11: 遴选 and batches late to start,
    # and the nominations to approve).
    with django_assert_max_num_queries(11):
        page = client.get(reverse("core:inbox"))
    assert page.context["page"].paginator.count >= 1


def test_month_to_close_for_the_finance_contact(cast: Any) -> None:
    from handinhand.funding import services
    from handinhand.funding.tests.factories import approved, finance

    contact = finance(cast)
    day = today()
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    assert not keys(contact, "funding.month_close")  # nothing funded that year
    approved(cast, year=year)
    key = f"university:{cast.universities['ncu'].pk}:{year}-{month}"
    assert keys(contact, "funding.month_close") == {key}
    assert not keys(cast.instructor, "funding.month_close")
    agrees(contact)
    services.month_close(actor=contact, university=cast.universities["ncu"], year=year, month=month)
    assert not keys(contact, "funding.month_close")
