"""Meeting writes, called directly: refusals write nothing, writes leave their AuditEvent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from handinhand.conftest import Cast
from handinhand.core.exceptions import ConflictError, PermissionDeniedError
from handinhand.core.models import AuditEvent
from handinhand.meetings import services
from handinhand.meetings.models import ActionItem, Attendance, Meeting, MeetingStatus, Todo
from handinhand.meetings.selectors import meeting_counts

pytestmark = pytest.mark.django_db


def events(object_type: str, action: str | None = None) -> list[AuditEvent]:
    qs = AuditEvent.objects.filter(object_type=object_type)
    if action:
        qs = qs.filter(action=action)
    return list(qs.order_by("id"))


def test_plan_update_and_mark_held_are_audited_and_locked(cast: Cast) -> None:
    m = services.meeting_plan(
        actor=cast.leader,
        group=cast.groups["ncu"],
        kind="scheduling",
        title="调度会",
        date=dt.date(2025, 3, 1),
        chair=cast.leader,
    )
    assert m.status == MeetingStatus.PLANNED and m.version == 1
    [created] = events("meetings.meeting", "create")
    assert created.actor == cast.leader and created.changes["title"] == [None, "调度会"]
    m = services.meeting_update(
        actor=cast.leader, meeting=m, data={"place": "会议室"}, expected_version=1
    )
    assert m.version == 2
    with pytest.raises(ConflictError):
        services.meeting_update(
            actor=cast.leader, meeting=m, data={"place": "别处"}, expected_version=1
        )
    m = services.meeting_mark_held(actor=cast.leader, meeting=m, expected_version=2)
    assert m.status == MeetingStatus.HELD
    updates = events("meetings.meeting", "update")
    assert [list(e.changes) for e in updates] == [["place"], ["status"]]
    assert updates[1].changes["status"] == ["计划中", "已召开"]


def test_refusals_write_nothing(cast: Cast) -> None:
    before = AuditEvent.objects.count()
    group = cast.groups["ncu"]
    with pytest.raises(PermissionDeniedError):
        services.meeting_plan(
            actor=cast.instructor,
            group=group,
            kind="scheduling",
            title="x",
            date=dt.date(2025, 3, 1),
        )
    # A provincial group does not hold the city/county joint meeting.
    with pytest.raises(ValidationError) as exc:
        services.meeting_plan(
            actor=cast.leader, group=group, kind="joint", title="x", date=dt.date(2025, 3, 1)
        )
    assert "kind" in exc.value.error_dict
    with pytest.raises(ValidationError):
        services.meeting_plan(
            actor=cast.leader, group=group, kind="party", title="x", date=dt.date(2025, 3, 1)
        )
    # The chair must be a member of the host group.
    with pytest.raises(ValidationError) as exc:
        services.meeting_plan(
            actor=cast.leader,
            group=group,
            kind="scheduling",
            title="x",
            date=dt.date(2025, 3, 1),
            chair=cast.instructor_ecjtu,
        )
    assert "chair" in exc.value.error_dict
    future = services.meeting_plan(
        actor=cast.leader, group=group, kind="group", title="x", date=dt.date(2099, 1, 1)
    )
    with pytest.raises(ValidationError):
        services.meeting_mark_held(actor=cast.leader, meeting=future, expected_version=1)
    assert AuditEvent.objects.count() == before + 1  # only the planned meeting


def test_attendees_must_be_members(cast: Cast, meeting: Meeting) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.attendance_set(
            actor=cast.leader, meeting=meeting, users=[cast.leader, cast.instructor_ecjtu]
        )
    assert "赵指导" in str(exc.value)
    assert Attendance.objects.filter(meeting=meeting).count() == 1
    assert AuditEvent.objects.count() == before
    added = services.attendance_set(
        actor=cast.leader, meeting=meeting, users=[cast.leader, cast.instructor]
    )
    assert added == 1  # the instructor was already on the roll
    assert set(meeting.attendances.values_list("user__username", flat=True)) == {
        "leader",
        "instructor",
    }
    [event] = events("meetings.attendance", "create")
    assert event.changes["user"] == [None, str(cast.leader)]


def test_sign_in_by_code_on_site_or_by_manager(cast: Cast, meeting: Meeting) -> None:
    from handinhand.meetings import checkin

    # Not by a button from anywhere: only by the code shown at the meeting (review finding).
    with pytest.raises(PermissionDeniedError, match="扫描签到二维码"):
        services.attendance_sign_in(actor=cast.instructor, meeting=meeting, user=cast.instructor)
    a, _created = services.checkin_by_code(
        actor=cast.instructor, meeting=meeting, code=checkin.make(meeting.pk)
    )
    assert a.signed_in and a.signed_in_at is not None
    assert events("meetings.attendance", "update")[0].changes["signed_in"] == [False, True]
    # Their own sign-in they may undo.
    a = services.attendance_sign_in(
        actor=cast.instructor, meeting=meeting, user=cast.instructor, signed_in=False
    )
    assert not a.signed_in
    # Another member cannot sign someone else in; nor can anyone sign in a non-attendee.
    services.attendance_set(actor=cast.leader, meeting=meeting, users=[cast.leader])
    with pytest.raises(PermissionDeniedError):
        services.attendance_sign_in(actor=cast.instructor, meeting=meeting, user=cast.leader)
    with pytest.raises(ValidationError):
        services.attendance_sign_in(actor=cast.leader, meeting=meeting, user=cast.instructor_ecjtu)
    a = services.attendance_sign_in(actor=cast.leader, meeting=meeting, user=cast.leader)
    assert a.signed_in


def test_action_item_becomes_a_todo_and_closes_it(cast: Cast, meeting: Meeting) -> None:
    item = services.action_item_create(
        actor=cast.leader,
        meeting=meeting,
        text="走访湘东区学校",
        owner=cast.instructor,
        due=dt.date(2025, 4, 30),
    )
    todo = Todo.objects.get(user=cast.instructor)
    assert (todo.text, todo.due, todo.source_key) == (
        "走访湘东区学校",
        item.due,
        f"action:{item.pk}",
    )
    assert todo.link == meeting.get_absolute_url()
    assert events("meetings.actionitem", "create") and events("meetings.todo", "create")
    with pytest.raises(ValidationError):
        services.action_item_create(
            actor=cast.leader,
            meeting=meeting,
            text="x",
            owner=cast.outsider,
            due=dt.date(2025, 4, 30),
        )
    # The owner may complete it (nothing else); completing closes the to-do.
    with pytest.raises(PermissionDeniedError):
        services.action_item_update(
            actor=cast.instructor, item=item, data={"text": "改"}, expected_version=1
        )
    item = services.action_item_update(
        actor=cast.instructor, item=item, data={"done": True}, expected_version=1
    )
    assert item.done and item.done_at is not None and item.version == 2
    todo.refresh_from_db()
    assert todo.done
    assert ActionItem.objects.get().done


def test_file_type_and_size_are_checked(cast: Cast, meeting: Meeting, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ValidationError, match="不支持的文件类型"):
        services.meeting_file_add(
            actor=cast.leader, meeting=meeting, upload=SimpleUploadedFile("a.exe", b"MZ")
        )
    big = SimpleUploadedFile("big.pdf", b"0" * (10 * 1024 * 1024 + 1))
    with pytest.raises(ValidationError, match="超过 10"):
        services.meeting_file_add(actor=cast.leader, meeting=meeting, upload=big)
    with pytest.raises(PermissionDeniedError):
        services.meeting_file_add(
            actor=cast.instructor, meeting=meeting, upload=SimpleUploadedFile("a.pdf", b"%PDF")
        )
    item = services.meeting_file_add(
        actor=cast.leader, meeting=meeting, upload=SimpleUploadedFile("纪要.pdf", b"%PDF-1.4")
    )
    assert (item.name, item.size) == ("纪要.pdf", 8)
    assert item.file.read() == b"%PDF-1.4"
    assert events("meetings.meetingfile", "create")[0].changes["name"] == [None, "纪要.pdf"]
    services.meeting_file_delete(actor=cast.leader, item=item)
    assert events("meetings.meetingfile", "delete")


def test_todo_is_only_its_owners(cast: Cast, todo: Todo) -> None:
    with pytest.raises(PermissionDeniedError):
        services.todo_set_done(actor=cast.leader, todo=todo)
    todo = services.todo_set_done(actor=cast.instructor, todo=todo)
    assert todo.done
    assert events("meetings.todo", "update")[0].changes["done"] == [False, True]


def test_meeting_counts_for_the_reports_module(cast: Cast, django_assert_num_queries) -> None:
    from handinhand.meetings.tests.conftest import make_meeting
    from handinhand.programme.models import GroupLevel, GuidanceGroup

    ncu, ecjtu = cast.groups["ncu"], cast.groups["ecjtu"]
    city = GuidanceGroup.objects.create(
        name="萍乡市党建指导组", level=GroupLevel.CITY, region_id="360300", batch=cast.batch
    )
    make_meeting(ncu, dt.date(2025, 1, 20), chair=cast.leader)
    make_meeting(ncu, dt.date(2025, 9, 1))
    make_meeting(ncu, dt.date(2024, 12, 1))  # another year
    make_meeting(ncu, dt.date(2025, 5, 1), status="planned")  # not held
    make_meeting(ncu, dt.date(2025, 5, 2), kind="group")  # does not count
    make_meeting(city, dt.date(2025, 2, 1), kind="joint")
    with django_assert_num_queries(2):
        counts = meeting_counts([ncu.pk, ecjtu.pk, city.pk], 2025)
    assert counts[ncu.pk] == {"owed": 2, "held": 2, "chaired_by": {cast.leader.pk: 1}}
    assert counts[ecjtu.pk] == {"owed": 2, "held": 0, "chaired_by": {}}
    assert counts[city.pk] == {"owed": 4, "held": 1, "chaired_by": {}}
