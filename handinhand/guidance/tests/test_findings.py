"""Findings → rectification → verification (问题整改): transitions per role, scope, counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from handinhand.core.exceptions import PermissionDeniedError
from handinhand.core.models import AuditAction, AuditEvent
from handinhand.guidance import selectors, services
from handinhand.guidance.models import Finding, FindingStatus
from handinhand.guidance.tests.conftest import plan_visit, raise_finding

TODAY = timezone.localdate()
PDF = b"%PDF-1.4\n" + b"0" * 64


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _updates(finding):
    return AuditEvent.objects.filter(
        object_type="guidance.finding", object_id=str(finding.pk), action=AuditAction.UPDATE
    )


def test_raise_is_audited_and_takes_the_instructors_group(cast, finding):
    assert finding.group == cast.groups["ncu"] and finding.raised_by == cast.membership
    assert finding.status == FindingStatus.OPEN
    assert AuditEvent.objects.filter(
        object_type="guidance.finding", object_id=str(finding.pk), action=AuditAction.CREATE
    ).exists()


def test_deadline_before_finding_date_is_refused(cast):
    with pytest.raises(ValidationError) as exc:
        raise_finding(cast, deadline=TODAY - dt.timedelta(days=10))
    assert "deadline" in exc.value.message_dict
    assert not Finding.objects.exists()


@pytest.mark.parametrize(
    "who", ["instructor_ecjtu", "school_user", "province_admin", "county_user"]
)
def test_only_instructors_guiding_the_school_raise_findings(cast, who):
    with pytest.raises(PermissionDeniedError):
        raise_finding(cast, actor=getattr(cast, who))


def test_finding_on_a_visit_must_name_a_visited_school(cast):
    visit = plan_visit(cast)
    with pytest.raises(ValidationError):
        raise_finding(cast, visit=visit, school=cast.school_anyuan)
    assert raise_finding(cast, visit=visit).visit == visit


def test_full_cycle_answer_return_answer_accept(cast, finding):
    evidence = SimpleUploadedFile("整改报告.pdf", PDF, "application/pdf")
    answer = services.finding_answer(
        actor=cast.school_user, finding=finding, measures="补齐记录", evidence=evidence
    )
    assert answer.evidence_name == "整改报告.pdf"
    finding.refresh_from_db()
    assert finding.status == FindingStatus.ANSWERED
    services.finding_return(actor=cast.instructor, finding=finding, reason="缺少会议照片")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RETURNED
    assert finding.answers.get().verdict == "returned"
    services.finding_answer(actor=cast.school_user, finding=finding, measures="补充照片")
    closed = services.finding_accept(actor=cast.leader, finding=finding)
    assert closed.status == FindingStatus.CLOSED and closed.closed_at is not None
    statuses = [e.changes["status"][1] for e in _updates(finding).order_by("id")]
    assert statuses == ["待核验", "已退回", "待核验", "已销号"]


def test_verifying_twice_is_refused(cast, finding):
    services.finding_answer(actor=cast.school_user, finding=finding, measures="已整改")
    services.finding_accept(actor=cast.instructor, finding=finding)
    with pytest.raises(ValidationError):
        services.finding_accept(actor=cast.instructor, finding=finding)
    with pytest.raises(ValidationError):
        services.finding_return(actor=cast.instructor, finding=finding, reason="再看看")
    assert _updates(finding).count() == 2


@pytest.mark.parametrize(
    ("action", "who", "allowed"),
    [
        ("answer", "school_user", True),
        ("answer", "instructor", False),
        ("answer", "county_user", False),
        ("accept", "instructor", True),
        ("accept", "leader", True),
        ("accept", "school_user", False),
        ("accept", "instructor_ecjtu", False),
        ("accept", "province_admin", False),
        ("return", "instructor", True),
        ("return", "school_user", False),
    ],
)
def test_transition_table_per_role(cast, finding, action, who, allowed):
    if action != "answer":
        services.finding_answer(actor=cast.school_user, finding=finding, measures="已整改")
    actor = getattr(cast, who)
    run = {
        "answer": lambda: services.finding_answer(actor=actor, finding=finding, measures="x"),
        "accept": lambda: services.finding_accept(actor=actor, finding=finding),
        "return": lambda: services.finding_return(actor=actor, finding=finding, reason="x"),
    }[action]
    if allowed:
        run()
    else:
        with pytest.raises(PermissionDeniedError):
            run()


def test_accept_before_answer_and_return_without_reason_are_refused(cast, finding):
    with pytest.raises(ValidationError):
        services.finding_accept(actor=cast.instructor, finding=finding)
    services.finding_answer(actor=cast.school_user, finding=finding, measures="已整改")
    with pytest.raises(ValidationError):
        services.finding_return(actor=cast.instructor, finding=finding, reason="  ")


def test_evidence_of_forbidden_type_is_refused(cast, finding):
    bad = SimpleUploadedFile("evidence.pdf", b"<html>not a pdf</html>", "application/pdf")
    with pytest.raises(ValidationError):
        services.finding_answer(actor=cast.school_user, finding=finding, measures="x", evidence=bad)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN


def test_school_answering_another_schools_finding_gets_404(cast, client_for):
    from handinhand.accounts.models import Role, RoleAssignment
    from handinhand.conftest import make_user

    other = raise_finding(cast, school=cast.school_anyuan)
    anyuan_user = make_user("anyuan_school", "安源中学书记")
    RoleAssignment.objects.create(
        user=anyuan_user, role=Role.SCHOOL_USER, school=cast.school_anyuan
    )
    mine = raise_finding(cast)
    client = client_for(cast.school_user)
    response = client.post(reverse("guidance:finding_answer", args=[other.pk]), {"measures": "x"})
    assert response.status_code == 404
    assert client.get(reverse("guidance:finding_detail", args=[other.pk])).status_code == 404
    listing = client.get(reverse("guidance:finding_list")).content.decode()
    assert cast.school.name in listing and cast.school_anyuan.name not in listing
    other.refresh_from_db()
    assert other.status == FindingStatus.OPEN
    # The other school cannot answer ours either.
    response = client_for(anyuan_user).post(
        reverse("guidance:finding_answer", args=[mine.pk]), {"measures": "x"}
    )
    assert response.status_code == 404


def test_pages_walk_the_cycle(cast, client_for):
    visit = plan_visit(cast)
    instructor = client_for(cast.instructor)
    response = instructor.post(
        reverse("guidance:finding_create") + f"?visit={visit.pk}",
        {
            "school": cast.school.pk,
            "problem": "支部手册填写不规范",
            "indicator": "2.1.3",
            "severity": "minor",
            "found_on": visit.date.isoformat(),
            "deadline": (visit.date - dt.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 400 and "整改期限不能早于发现日期" in response.content.decode()
    response = instructor.post(
        reverse("guidance:finding_create") + f"?visit={visit.pk}",
        {
            "school": cast.school.pk,
            "problem": "支部手册填写不规范",
            "indicator": "2.1.3",
            "severity": "minor",
            "found_on": visit.date.isoformat(),
            "deadline": (visit.date + dt.timedelta(days=30)).isoformat(),
        },
    )
    finding = Finding.objects.get()
    assert response.status_code == 302 and finding.visit == visit
    school = client_for(cast.school_user)
    school.post(reverse("guidance:finding_answer", args=[finding.pk]), {"measures": "重新填写"})
    finding.refresh_from_db()
    assert finding.status == FindingStatus.ANSWERED
    workbench = client_for(cast.instructor).get(reverse("guidance:workbench")).content.decode()
    assert "待我核验的整改" in workbench and "支部手册填写不规范" in workbench
    instructor = client_for(cast.instructor)
    instructor.post(reverse("guidance:finding_accept", args=[finding.pk]))
    response = instructor.post(reverse("guidance:finding_accept", args=[finding.pk]), follow=True)
    assert "不能执行此操作" in response.content.decode()
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CLOSED


def test_overdue_flag_and_counts(cast, client_for, django_assert_max_num_queries):
    raise_finding(cast, found_on=TODAY - dt.timedelta(40), deadline=TODAY - dt.timedelta(10))
    raise_finding(cast, indicator="1.1.1")
    raise_finding(cast, school=cast.school_anyuan, indicator="1.1.1")
    counts = selectors.finding_counts(cast.city_user)
    assert counts["overdue"] == 1
    assert dict(counts["by_status"])["待整改"] == 3
    assert counts["by_region"] == [
        {"school__county__parent__name": "萍乡市", "total": 3, "open": 3, "overdue": 1}
    ]
    assert counts["by_indicator"][0] == {"indicator": "1.1.1", "total": 2, "open": 2}
    assert selectors.finding_counts(cast.school_user)["by_region"][0]["total"] == 2
    client = client_for(cast.city_user)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("guidance:finding_stats")).status_code == 200
    overdue = client.get(reverse("guidance:finding_list"), {"overdue": "on"}).content.decode()
    assert overdue.count("逾期</td>") + overdue.count(">逾期<") >= 1
    assert cast.school_anyuan.name not in overdue


def test_finding_list_query_count_is_constant(cast, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(cast.instructor)
    raise_finding(cast)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("guidance:finding_list"))
    for _ in range(15):
        raise_finding(cast, school=cast.school_anyuan)
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("guidance:finding_list"))
    assert len(large) == len(small) <= 14
