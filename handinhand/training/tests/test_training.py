from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from handinhand.conftest import make_user
from handinhand.core.exceptions import PermissionDeniedError
from handinhand.core.models import AuditEvent
from handinhand.programme.models import GroupLevel, GuidanceGroup, MemberRole, Membership
from handinhand.training import selectors, services
from handinhand.training.models import Attendance, TrainingSession
from handinhand.training.tests.factories import ncu_session


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _events(obj) -> list[str]:
    return list(
        AuditEvent.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk)
        ).values_list("action", flat=True)
    )


def _pingxiang_group(cast):
    """A city group of 萍乡市 with one member, who attends a province-wide session."""
    group = GuidanceGroup.objects.create(
        name="萍乡市党建指导组", level=GroupLevel.CITY, region_id="360300", batch=cast.batch
    )
    member = make_user("px_member", "萍乡成员")
    Membership.objects.create(
        group=group, user=member, role=MemberRole.INSTRUCTOR, term_start=dt.date(2024, 3, 1)
    )
    return group, member


def test_session_create_writes_and_audits(cast):
    session = services.session_create(
        actor=cast.province_admin,
        topic="全省党建指导员培训班",
        date=dt.date(2025, 3, 1),
        hours=Decimal("8"),
        group=None,
    )
    assert session.organiser == cast.province_admin
    assert _events(session) == ["create"]


@pytest.mark.parametrize("hours", ["-1", "0", "24.5", "100"])
def test_negative_or_absurd_hours_are_refused(cast, hours):
    with pytest.raises(ValidationError) as exc:
        services.session_create(
            actor=cast.province_admin,
            topic="错误学时",
            date=dt.date(2025, 3, 1),
            hours=Decimal(hours),
            group=None,
        )
    assert "hours" in exc.value.message_dict
    assert not TrainingSession.objects.exists()


def test_attendance_hours_cannot_exceed_session_or_be_negative(cast):
    session = ncu_session(cast, hours="4")
    with pytest.raises(ValidationError) as exc:
        services.attendance_add(
            actor=cast.leader, session=session, user=cast.leader, hours=Decimal("4.5")
        )
    assert "hours" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.attendance_add(
            actor=cast.leader, session=session, user=cast.leader, hours=Decimal("-2")
        )
    attendance = services.attendance_add(actor=cast.leader, session=session, user=cast.leader)
    assert attendance.hours == Decimal("4")
    assert _events(attendance) == ["create"]
    # Twice the same person: refused by the unique constraint's message.
    with pytest.raises(ValidationError):
        services.attendance_add(actor=cast.leader, session=session, user=cast.leader)


def test_session_hours_cannot_drop_below_credited_hours(cast):
    session = ncu_session(cast, hours="4")
    with pytest.raises(ValidationError):
        services.session_update(
            actor=cast.leader,
            session=session,
            data={"hours": Decimal("2")},
            expected_version=session.version,
        )
    updated = services.session_update(
        actor=cast.leader, session=session, data={"hours": Decimal("6")}, expected_version=1
    )
    assert updated.hours == Decimal("6") and updated.version == 2
    assert _events(session) == ["update"]


def test_leader_writes_only_own_group_sessions(cast):
    with pytest.raises(ValidationError):
        services.session_create(
            actor=cast.leader,
            topic="越权培训",
            date=dt.date(2025, 3, 1),
            hours=Decimal("2"),
            group=cast.groups["ecjtu"],
        )
    with pytest.raises(PermissionDeniedError):
        services.session_create(
            actor=cast.instructor,
            topic="越权培训",
            date=dt.date(2025, 3, 1),
            hours=Decimal("2"),
            group=cast.groups["ncu"],
        )
    own = services.session_create(
        actor=cast.leader,
        topic="组内培训",
        date=dt.date(2025, 3, 1),
        hours=Decimal("2"),
        group=cast.groups["ncu"],
    )
    assert own.group == cast.groups["ncu"]


def test_scope_of_sessions_and_attendance(cast):
    group_session = ncu_session(cast)
    _group, member = _pingxiang_group(cast)
    provincial = TrainingSession.objects.create(
        topic="全省培训",
        date=dt.date(2025, 6, 1),
        hours=Decimal("8"),
        organiser=cast.province_admin,
    )
    Attendance.objects.create(session=provincial, user=member, hours=Decimal("8"))
    Attendance.objects.create(session=provincial, user=cast.instructor, hours=Decimal("6"))

    def seen(user):
        return set(TrainingSession.objects.visible_to(user))

    assert seen(cast.province_admin) == {group_session, provincial}
    assert seen(cast.leader) == {group_session}  # organiser / own group
    assert seen(cast.instructor) == {group_session, provincial}  # member + attendee
    assert seen(member) == {provincial}  # attendee only
    assert seen(cast.city_user) == {provincial}  # an attendee is a member of a 萍乡 group
    assert seen(cast.county_user) == set()  # the 萍乡 city group is above 湘东区
    assert seen(cast.outsider) == set()
    assert seen(cast.instructor_ecjtu) == set()
    assert seen(cast.audit_admin) == set()
    # A plain attendee sees their own row, not the others'.
    rows = Attendance.objects.visible_to(member).filter(session=provincial)
    assert [a.user for a in rows] == [member]
    assert Attendance.objects.visible_to(cast.city_user).filter(session=provincial).count() == 2


def test_material_type_and_size_are_checked(cast, settings):
    session = ncu_session(cast)
    bad = SimpleUploadedFile("病毒.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(ValidationError):
        services.material_upload(actor=cast.leader, session=session, upload=bad)
    big = SimpleUploadedFile(
        "大文件.pdf", b"x" * (21 * 1024 * 1024), content_type="application/pdf"
    )
    with pytest.raises(ValidationError):
        services.material_upload(actor=cast.leader, session=session, upload=big)
    ok = SimpleUploadedFile("课件.pdf", b"%PDF-1.4 ok", content_type="application/pdf")
    material = services.material_upload(actor=cast.leader, session=session, upload=ok)
    assert material.size == 11 and _events(material) == ["create"]
    response = _download(cast, material)
    assert b"".join(response.streaming_content) == b"%PDF-1.4 ok"


def _docx() -> bytes:
    """The smallest zip that is a Word file by its parts (content is checked, not the name)."""
    import zipfile
    from io import BytesIO

    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _download(cast, material):
    from django.test import Client

    client = Client()
    client.force_login(cast.instructor)
    response = client.get(reverse("training:material_download", args=[material.pk]))
    assert response.status_code == 200
    return response


def test_person_hours_against_policy(cast):
    ncu_session(cast, hours="4")  # instructor: 4 h in 2025
    second = TrainingSession.objects.create(
        topic="二次培训",
        date=dt.date(2025, 9, 1),
        hours=Decimal("12"),
        organiser=cast.province_admin,
    )
    Attendance.objects.create(session=second, user=cast.instructor, hours=Decimal("12"))
    Attendance.objects.create(session=second, user=cast.leader, hours=Decimal("6.5"))
    old = TrainingSession.objects.create(
        topic="往年培训",
        date=dt.date(2024, 9, 1),
        hours=Decimal("20"),
        organiser=cast.province_admin,
    )
    Attendance.objects.create(session=old, user=cast.leader, hours=Decimal("20"))
    rows: dict[str, Any] = {u.username: u for u in selectors.person_hours(cast.leader, 2025)}
    assert rows["instructor"].year_hours == Decimal("16")
    assert rows["instructor"].meets_minimum is True
    assert rows["leader"].year_hours == Decimal("6.5")
    assert rows["leader"].shortfall == Decimal("9.5")
    assert rows["leader"].meets_minimum is False
    assert "instructor_ecjtu" not in rows  # another group: out of the leader's scope
    assert selectors.hours_by_user(2025) == {
        cast.instructor.pk: Decimal("16"),
        cast.leader.pk: Decimal("6.5"),
    }


def test_pages_render_and_export(cast, client_for, django_assert_max_num_queries):
    session = ncu_session(cast)
    client = client_for(cast.leader)
    for i in range(5):
        TrainingSession.objects.create(
            topic=f"培训{i}",
            date=dt.date(2025, 1, 1 + i),
            hours=Decimal("2"),
            organiser=cast.leader,
            group=cast.groups["ncu"],
        )
    with django_assert_max_num_queries(12):
        response = client.get(reverse("training:session_list"), {"year": "2025"})
    assert response.status_code == 200
    assert session.topic in response.content.decode()
    response = client.get(reverse("training:session_list"), {"export": "xlsx", "q": "业务"})
    sheet = openpyxl.load_workbook(BytesIO(response.content)).active
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [session.topic]
    with django_assert_max_num_queries(12):
        response = client.get(reverse("training:hours"), {"year": "2025"})
    text = response.content.decode()
    assert "王组长" in text and "李指导" in text and "未达标" in text
    response = client.get(reverse("training:hours"), {"year": "2025", "export": "xlsx"})
    assert response.status_code == 200
    assert client.get(reverse("training:session_detail", args=[session.pk])).status_code == 200


def test_pages_write_through_services(cast, client_for):
    client = client_for(cast.leader)
    response = client.post(
        reverse("training:session_create"),
        {"topic": "页面新增", "date": "2025-04-01", "hours": "30", "group": cast.groups["ncu"].pk},
    )
    assert response.status_code == 400  # absurd hours: refused on the form
    response = client.post(
        reverse("training:session_create"),
        {"topic": "页面新增", "date": "2025-04-01", "hours": "3", "group": cast.groups["ncu"].pk},
    )
    session = TrainingSession.objects.get(topic="页面新增")
    assert response.status_code == 302 and session.organiser == cast.leader
    client.post(
        reverse("training:attendance_add", args=[session.pk]),
        {"user": cast.instructor.pk, "hours": "2.5"},
    )
    attendance = Attendance.objects.get(session=session)
    assert attendance.hours == Decimal("2.5")
    client.post(
        reverse("training:material_upload", args=[session.pk]),
        {"file": SimpleUploadedFile("通知.docx", _docx())},
    )
    assert session.materials.get().name == "通知.docx"
    client.post(reverse("training:attendance_remove", args=[attendance.pk]))
    assert not Attendance.objects.filter(pk=attendance.pk).exists()
    assert _events(attendance) == ["delete", "create"]


def test_who_follows_whose_hours(cast):
    _pingxiang_group(cast)

    def followed(user):
        return set(selectors.person_hours(user, 2025).values_list("username", flat=True))

    assert followed(cast.leader) == {"leader", "instructor"}  # the group they lead
    assert followed(cast.instructor) == {"instructor"}  # only themselves
    assert followed(cast.city_user) == {"city_user", "px_member"}  # groups of 萍乡市
    assert followed(cast.outsider) == {"outsider"}
    assert followed(cast.province_admin) == {  # every current member, and self
        "province_admin",
        "leader",
        "instructor",
        "instructor_ecjtu",
        "instructor_jxufe",
        "px_member",
    }
