"""Visits (指导活动): services, rules, pages, scope, documents."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from handinhand.core.exceptions import ConflictError, PermissionDeniedError
from handinhand.core.models import AuditAction, AuditEvent
from handinhand.core.policy import get_policy
from handinhand.core.uploads import sniff
from handinhand.guidance import services
from handinhand.guidance.models import Visit, VisitStatus
from handinhand.guidance.tests.conftest import plan_visit
from handinhand.programme.models import Membership

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
TOMORROW = timezone.localdate() + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _events(obj, action):
    return AuditEvent.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk), action=action
    )


# --- services ---------------------------------------------------------------------------------


def test_plan_records_visit_with_schools_instructors_and_audit(cast, visit):
    assert list(visit.schools.all()) == [cast.school]
    assert list(visit.instructors.all()) == [cast.membership]
    event = _events(visit, AuditAction.CREATE).get()
    assert event.actor == cast.instructor
    assert event.changes["schools"][1] == [f"{cast.school} (#{cast.school.pk})"]
    assert event.changes["form"] == [None, "实地指导"]


def test_policy_lists_visit_forms_and_minimum():
    policy = get_policy().guidance
    assert policy.visit_forms == [
        "实地指导",
        "线上指导",
        "专题党课",
        "调研座谈",
        "示范观摩",
        "其他",
    ]
    assert policy.min_visits_per_school_per_year == 2


def test_form_outside_policy_is_refused(cast):
    with pytest.raises(ValidationError) as exc:
        plan_visit(cast, form="吃饭")
    assert "form" in exc.value.message_dict


def test_future_visit_marked_held_is_refused(cast):
    with pytest.raises(ValidationError) as exc:
        plan_visit(cast, date=TOMORROW, status=VisitStatus.HELD)
    assert "date" in exc.value.message_dict
    planned = plan_visit(cast, date=TOMORROW, status=VisitStatus.PLANNED)
    with pytest.raises(ValidationError):
        services.visit_mark_held(actor=cast.instructor, visit=planned)
    planned.refresh_from_db()
    assert planned.status == VisitStatus.PLANNED
    assert not _events(planned, AuditAction.UPDATE).exists()


def test_instructors_not_in_the_group_are_refused(cast):
    stranger = Membership.objects.get(user=cast.instructor_ecjtu)
    with pytest.raises(ValidationError) as exc:
        plan_visit(cast, instructors=[cast.membership, stranger])
    assert "instructors" in exc.value.message_dict
    assert "赵指导" in exc.value.message_dict["instructors"][0]
    assert not Visit.objects.exists()


def test_ended_membership_is_refused(cast, visit):
    Membership.objects.filter(pk=cast.membership.pk).update(is_active=False)
    cast.membership.refresh_from_db()
    with pytest.raises(ValidationError):
        plan_visit(cast, actor=cast.leader, instructors=[cast.membership])


def test_school_outside_the_groups_guidance_is_refused(cast):
    with pytest.raises(ValidationError) as exc:
        plan_visit(cast, schools=[cast.school_xinyu])
    assert "schools" in exc.value.message_dict


def test_school_of_a_paired_region_outside_any_district_is_allowed(cast):
    visit = plan_visit(cast, schools=[cast.school_anyuan])
    assert list(visit.schools.all()) == [cast.school_anyuan]


@pytest.mark.parametrize("who", ["instructor_ecjtu", "school_user", "province_admin", "city_user"])
def test_only_members_of_the_group_record_visits(cast, who):
    with pytest.raises(PermissionDeniedError):
        plan_visit(cast, actor=getattr(cast, who))


def test_leader_of_the_group_records_visits(cast):
    assert plan_visit(cast, actor=cast.leader).group == cast.groups["ncu"]


def test_update_changes_schools_audits_and_bumps_version(cast, visit):
    updated = services.visit_update(
        actor=cast.leader,
        visit=visit,
        data={"schools": [cast.school, cast.school_anyuan], "title": "新主题"},
        expected_version=visit.version,
    )
    assert set(updated.schools.all()) == {cast.school, cast.school_anyuan}
    assert updated.title == "新主题"
    assert updated.version == 2
    events = _events(visit, AuditAction.UPDATE)
    assert events.count() == 2
    assert any("schools" in e.changes for e in events)


def test_update_with_stale_version_conflicts(cast, visit):
    services.visit_update(
        actor=cast.instructor, visit=visit, data={"title": "甲"}, expected_version=1
    )
    with pytest.raises(ConflictError):
        services.visit_update(
            actor=cast.instructor, visit=visit, data={"title": "乙"}, expected_version=1
        )


def test_mark_held_and_cancel_transitions(cast):
    planned = plan_visit(cast, status=VisitStatus.PLANNED)
    held = services.visit_mark_held(actor=cast.instructor, visit=planned)
    assert held.status == VisitStatus.HELD
    assert _events(held, AuditAction.UPDATE).get().changes["status"] == ["计划中", "已开展"]
    with pytest.raises(ValidationError):
        services.visit_cancel(actor=cast.instructor, visit=held)
    other = plan_visit(cast, status=VisitStatus.PLANNED, date=TOMORROW)
    assert services.visit_cancel(actor=cast.instructor, visit=other).status == "cancelled"
    with pytest.raises(ValidationError):
        services.visit_update(
            actor=cast.instructor, visit=other, data={"title": "x"}, expected_version=None
        )
    with pytest.raises(PermissionDeniedError):
        services.visit_cancel(actor=cast.instructor_ecjtu, visit=other)


# --- attachments ------------------------------------------------------------------------------


def test_sniff_reads_magic_bytes():
    assert sniff(PNG) == "png"
    assert sniff(b"%PDF-1.7") == "pdf"
    assert sniff(b"\xff\xd8\xff\xe0") == "jpg"
    assert sniff(b"MZ\x90\x00") is None


def test_attachment_of_allowed_type_is_stored_and_audited(cast, visit):
    upload = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    attachment = services.attachment_add(actor=cast.instructor, visit=visit, upload=upload)
    assert attachment.kind == "png" and attachment.size == len(PNG)
    assert _events(attachment, AuditAction.CREATE).exists()


def test_attachment_with_forbidden_type_is_refused(cast, visit):
    # Named and announced as a picture, but its bytes are a Windows program.
    upload = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00" + b"\0" * 64, "image/jpeg")
    with pytest.raises(ValidationError) as exc:
        services.attachment_add(actor=cast.instructor, visit=visit, upload=upload)
    assert "不允许的文件类型" in exc.value.messages[0]
    assert not visit.attachments.exists()


def test_attachment_too_large_is_refused(cast, visit, monkeypatch):
    limit = get_policy().guidance.attachment_max_mb
    big = SimpleUploadedFile("big.png", PNG + b"\0" * int(limit * 1024 * 1024), "image/png")
    with pytest.raises(ValidationError) as exc:
        services.attachment_add(actor=cast.instructor, visit=visit, upload=big)
    assert "文件过大" in exc.value.messages[0]


def test_upload_page_shows_refusal(cast, visit, client_for):
    client = client_for(cast.instructor)
    bad = SimpleUploadedFile("x.png", b"#!/bin/sh\nrm -rf /\n", "image/png")
    response = client.post(
        reverse("guidance:attachment_upload", args=[visit.pk]), {"file": bad}, follow=True
    )
    assert "不允许的文件类型" in response.content.decode()
    good = SimpleUploadedFile("ok.png", PNG, "image/png")
    client.post(reverse("guidance:attachment_upload", args=[visit.pk]), {"file": good})
    attachment = visit.attachments.get()
    school = client_for(cast.school_user)
    response = school.get(reverse("guidance:attachment_download", args=[attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG


# --- pages ------------------------------------------------------------------------------------


def test_create_page_records_a_held_visit(cast, client_for):
    client = client_for(cast.instructor)
    response = client.post(
        reverse("guidance:visit_create"),
        {
            "group": cast.groups["ncu"].pk,
            "status": "held",
            "date": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
            "duration_hours": "3",
            "form": "专题党课",
            "title": "专题党课进校园",
            "schools": [cast.school.pk],
            "instructors": [cast.membership.pk],
            "content": "讲授党课",
            "indicators_text": "1.1.1 政治建设\n\n2.3.1 组织生活",
        },
    )
    assert response.status_code == 302, response.content.decode()
    visit = Visit.objects.get()
    assert visit.indicators == ["1.1.1 政治建设", "2.3.1 组织生活"]
    assert visit.duration_hours == Decimal("3")
    assert response["Location"] == reverse("guidance:visit_detail", args=[visit.pk])


def test_create_page_shows_future_held_error(cast, client_for):
    response = client_for(cast.instructor).post(
        reverse("guidance:visit_create"),
        {
            "group": cast.groups["ncu"].pk,
            "status": "held",
            "date": TOMORROW.isoformat(),
            "duration_hours": "1",
            "form": "实地指导",
            "title": "未来",
            "schools": [cast.school.pk],
        },
    )
    assert response.status_code == 400
    assert "不能标记为已开展" in response.content.decode()


def test_create_page_offers_only_guided_schools(cast, client_for):
    content = client_for(cast.instructor).get(reverse("guidance:visit_create")).content.decode()
    assert cast.school.name in content and cast.school_anyuan.name in content
    assert cast.school_xinyu.name not in content


def test_edit_page_with_stale_version_answers_409(cast, visit, client_for):
    services.visit_update(actor=cast.leader, visit=visit, data={"title": "甲"}, expected_version=1)
    response = client_for(cast.instructor).post(
        reverse("guidance:visit_edit", args=[visit.pk]),
        {
            "expected_version": 1,
            "date": visit.date.isoformat(),
            "duration_hours": "2",
            "form": "实地指导",
            "title": "乙",
            "schools": [cast.school.pk],
        },
    )
    assert response.status_code == 409


def test_mark_held_page_refuses_future_visit(cast, client_for):
    planned = plan_visit(cast, status=VisitStatus.PLANNED, date=TOMORROW)
    response = client_for(cast.instructor).post(
        reverse("guidance:visit_mark_held", args=[planned.pk]), follow=True
    )
    assert "不能标记为已开展" in response.content.decode()
    planned.refresh_from_db()
    assert planned.status == VisitStatus.PLANNED


def _many_visits(cast, n):
    for i in range(n):
        plan_visit(cast, title=f"活动{i}", schools=[cast.school, cast.school_anyuan])


def test_list_scope_and_query_count(cast, client_for, django_assert_max_num_queries):
    _many_visits(cast, 12)
    plan_visit(
        cast,
        actor=cast.instructor_ecjtu,
        group=cast.groups["ecjtu"],
        title="新余活动",
        schools=[cast.school_xinyu],
        instructors=[],
    )
    client = client_for(cast.school_user)
    with django_assert_max_num_queries(14):
        content = client.get(reverse("guidance:visit_list")).content.decode()
    assert "活动11" in content and "新余活动" not in content
    xinyu = client_for(cast.instructor_ecjtu).get(reverse("guidance:visit_list")).content.decode()
    assert "新余活动" in xinyu and "活动11" not in xinyu
    outsider = client_for(cast.outsider).get(reverse("guidance:visit_list")).content.decode()
    assert "活动11" not in outsider and "新余活动" not in outsider


def test_list_query_count_does_not_grow(cast, client_for, django_assert_num_queries):
    client = client_for(cast.instructor)
    _many_visits(cast, 2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(reverse("guidance:visit_list"))
    _many_visits(cast, 15)
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("guidance:visit_list"))
    assert len(large) == len(small)


def test_list_filters_and_export(cast, client_for):
    plan_visit(cast, title="线上的", form="线上指导")
    plan_visit(cast, title="现场的")
    client = client_for(cast.instructor)
    content = client.get(reverse("guidance:visit_list"), {"form": "线上指导"}).content.decode()
    assert "线上的" in content and "现场的" not in content
    response = client.get(reverse("guidance:visit_list"), {"q": "现场", "export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[0][:2] == ("活动日期", "活动主题")
    assert [r[1] for r in rows[1:]] == ["现场的"]
    assert rows[1][2] == cast.school.name
    assert AuditEvent.objects.filter(
        action=AuditAction.EXPORT, object_type="guidance.visit"
    ).exists()


def test_docx_record(cast, visit, client_for):
    response = client_for(cast.school_user).get(reverse("guidance:visit_docx", args=[visit.pk]))
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    cells = [c.text for row in document.tables[0].rows for c in row.cells]
    assert visit.title in cells and cast.school.name in cells and "李指导" in cells
    assert _events(visit, AuditAction.EXPORT).exists()


def test_calendar_month_grid_by_person_group_region(cast, client_for):
    today = timezone.localdate()
    plan_visit(cast, title="本月活动", date=today.replace(day=1))
    plan_visit(
        cast, title="领导的活动", actor=cast.leader, instructors=[], date=today.replace(day=1)
    )
    client = client_for(cast.instructor)
    url = reverse("guidance:visit_calendar")
    content = client.get(url).content.decode()
    assert "本月活动" in content and "领导的活动" in content
    mine = client.get(url, {"person": cast.instructor.pk}).content.decode()
    assert "本月活动" in mine and "领导的活动" not in mine
    admin = client_for(cast.province_admin)
    assert "本月活动" not in admin.get(url, {"region": "360500"}).content.decode()
    assert "本月活动" in admin.get(url, {"region": "360300"}).content.decode()
    client = client_for(cast.instructor)
    by_group = client.get(url, {"group": cast.groups["ncu"].pk}).content.decode()
    assert "本月活动" in by_group
    last_month = client.get(url, {"month": f"{today.year - 1}-01"}).content.decode()
    assert "本月活动" not in last_month
    assert "本月活动" not in client_for(cast.instructor_ecjtu).get(url).content.decode()


def test_with_a_published_framework_visits_and_findings_name_its_indicators(cast, client_for):
    """Once the indicator framework exists, the level-3 indicators come from it (issue 4)."""
    from handinhand.indicators.services import sample_framework_create

    framework = sample_framework_create()
    leaf = framework.indicators.filter(level=3).order_by("order")[0]
    choice = f"{leaf.code} {leaf.title}"
    client = client_for(cast.instructor)
    page = client.get(reverse("guidance:visit_create")).content.decode()
    assert choice in page
    data = {
        "group": cast.groups["ncu"].pk,
        "status": "held",
        "date": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        "duration_hours": "2",
        "form": "实地指导",
        "title": "对照指标指导",
        "schools": [cast.school.pk],
        "instructors": [cast.membership.pk],
        "content": "",
        "indicators_text": ["9.9.9 不存在的指标"],
    }
    response = client.post(reverse("guidance:visit_create"), data)
    assert response.status_code == 400 and not Visit.objects.exists()
    response = client.post(reverse("guidance:visit_create"), {**data, "indicators_text": [choice]})
    assert response.status_code == 302, response.content.decode()[:500]
    assert Visit.objects.get().indicators == [choice]
    assert choice in client.get(reverse("guidance:finding_create")).content.decode()
