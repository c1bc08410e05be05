"""The meeting pages through the test client: scope, the write round trips, the .ics feed and
the .xlsx export, and pinned query counts that do not grow with rows."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from handinhand.conftest import Cast, make_user
from handinhand.core.models import AuditEvent
from handinhand.meetings import ical
from handinhand.meetings.models import Attendance, Meeting, MeetingStatus, Todo
from handinhand.meetings.tests.conftest import make_meeting
from handinhand.programme.models import GroupLevel, GuidanceGroup

pytestmark = pytest.mark.django_db


def test_plan_a_meeting_through_the_page(cast: Cast, client_for: Any) -> None:
    client = client_for(cast.leader)
    url = reverse("meetings:meeting_create", args=[cast.groups["ncu"].pk])
    page = client.get(url)
    assert page.status_code == 200
    kinds = [k for k, _n in page.context["form"].fields["kind"].choices]
    assert kinds == ["scheduling", "group"]  # no joint meeting for a provincial group
    response = client.post(
        url,
        {
            "kind": "scheduling",
            "title": "秋季学期工作调度会",
            "date": "2025-09-15",
            "start_time": "09:30",
            "place": "南昌大学",
            "chair": cast.leader.pk,
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == meeting.get_absolute_url()
    assert meeting.status == MeetingStatus.PLANNED and meeting.chair == cast.leader
    assert AuditEvent.objects.filter(object_type="meetings.meeting", action="create").exists()


def test_edit_conflict_answers_409(cast: Cast, client_for: Any, meeting: Meeting) -> None:
    client = client_for(cast.leader)
    url = reverse("meetings:meeting_edit", args=[meeting.pk])
    data = {
        "kind": "scheduling",
        "title": "改名",
        "date": "2025-03-10",
        "expected_version": 1,
    }
    assert client.post(url, data).status_code == 302
    assert client.post(url, {**data, "title": "再改"}).status_code == 409
    assert Meeting.objects.get().title == "改名"


def test_detail_roll_sign_in_and_actions(cast: Cast, client_for: Any, meeting: Meeting) -> None:
    leader = client_for(cast.leader)
    detail = meeting.get_absolute_url()
    # Someone not in the group is refused and nothing is added.
    leader.post(
        reverse("meetings:attendance_add", args=[meeting.pk]),
        {"users": [cast.leader.pk, cast.instructor_ecjtu.pk]},
    )
    assert Attendance.objects.filter(meeting=meeting).count() == 1
    leader.post(reverse("meetings:attendance_add", args=[meeting.pk]), {"users": [cast.leader.pk]})
    assert Attendance.objects.filter(meeting=meeting).count() == 2
    leader.post(
        reverse("meetings:action_add", args=[meeting.pk]),
        {"text": "形成调研报告", "owner": cast.instructor.pk, "due": "2025-04-01"},
    )
    instructor = client_for(cast.instructor)
    # A button from anywhere does not sign one in: the code at the meeting does.
    instructor.post(reverse("meetings:sign_in", args=[meeting.pk]))
    assert not Attendance.objects.get(meeting=meeting, user=cast.instructor).signed_in
    leader_client = client_for(cast.leader)
    row = Attendance.objects.get(meeting=meeting, user=cast.instructor)
    leader_client.post(reverse("meetings:sign_in", args=[meeting.pk]), {"attendance": row.pk})
    assert Attendance.objects.get(meeting=meeting, user=cast.instructor).signed_in
    instructor = client_for(cast.instructor)
    page = instructor.get(detail)
    assert page.status_code == 200 and not page.context["can_manage"]
    assert "形成调研报告" in page.content.decode()
    assert page.context["signed"] == 1
    item = page.context["action_items"][0]
    instructor.post(
        reverse("meetings:action_done", args=[item.pk]), {"expected_version": item.version}
    )
    assert Todo.objects.get(user=cast.instructor).done
    leader = client_for(cast.leader)  # the one test client was the instructor's meanwhile
    leader.post(
        reverse("meetings:meeting_status", args=[meeting.pk]),
        {"status": "held", "expected_version": meeting.version},
    )
    assert Meeting.objects.get().status == MeetingStatus.HELD


def test_meeting_outside_scope_is_404_for_everything(
    cast: Cast, client_for: Any, meeting: Meeting
) -> None:
    client = client_for(cast.instructor_ecjtu)
    before = AuditEvent.objects.count()
    for name in ("meeting_detail", "meeting_edit"):
        assert client.get(reverse(f"meetings:{name}", args=[meeting.pk])).status_code == 404
    for name in ("meeting_status", "attendance_add", "sign_in", "file_add", "action_add"):
        assert client.post(reverse(f"meetings:{name}", args=[meeting.pk])).status_code == 404
    assert AuditEvent.objects.count() == before
    listed = client.get(reverse("meetings:meeting_list"))
    assert listed.context["page"].paginator.count == 0


def _add_meetings(cast: Cast, n: int) -> None:
    for i in range(n):
        for slug in ("ncu", "ecjtu", "jxufe"):
            make_meeting(
                cast.groups[slug], dt.date(2025, 1, 1) + dt.timedelta(days=i), chair=cast.leader
            )


LIST_QUERIES = {"meeting_list": 7, "todo_list": 7, "compliance": 7}


@pytest.mark.parametrize("page", sorted(LIST_QUERIES))
def test_list_queries_are_pinned(
    cast: Cast, client_for: Any, page: str, django_assert_max_num_queries: Any
) -> None:
    client = client_for(cast.province_admin)
    url = reverse(f"meetings:{page}")
    _add_meetings(cast, 1)
    Todo.objects.create(user=cast.province_admin, kind="other", text="首条", source_key="first")
    with django_assert_max_num_queries(LIST_QUERIES[page]) as before:
        assert client.get(url).status_code == 200
    _add_meetings(cast, 10)
    for i in range(15):
        GuidanceGroup.objects.create(
            name=f"县级组{i}", level=GroupLevel.COUNTY, region_id="360313", batch=cast.batch
        )
        Todo.objects.create(
            user=cast.province_admin, kind="other", text=f"待办{i}", source_key=str(i)
        )
    with django_assert_max_num_queries(LIST_QUERIES[page]) as after:
        assert client.get(url).status_code == 200
    assert len(after.captured_queries) == len(before.captured_queries)


def test_instructor_sees_own_group_meetings_only(cast: Cast, client_for: Any) -> None:
    _add_meetings(cast, 2)
    response = client_for(cast.instructor).get(reverse("meetings:meeting_list"))
    assert {row["cells"][3] for row in response.context["rows"]} == {"南昌大学党建指导组"}


def test_compliance_page_and_export(cast: Cast, client_for: Any) -> None:
    make_meeting(cast.groups["ncu"], dt.date(2025, 3, 1))
    client = client_for(cast.province_admin)
    page = client.get(reverse("meetings:compliance"), {"year": 2025})
    html = page.content.decode()
    assert "工作调度会议" in html and "南昌大学党建指导组" in html
    response = client.get(reverse("meetings:compliance"), {"year": 2025, "export": "xlsx"})
    sheet = load_workbook(BytesIO(response.content))["工作调度会议"]
    rows = list(sheet.values)
    assert rows[0][0] == "指导组" and "2025年春季学期" in rows[0][3]
    ncu = next(r for r in rows if r[0] == "南昌大学党建指导组")
    assert ncu[3] == "已完成 1/1"
    assert AuditEvent.objects.filter(object_type="meetings.compliance", action="export").exists()
    # The outsider sees no group at all.
    outsider = client_for(cast.outsider).get(reverse("meetings:compliance"), {"year": 2025})
    assert not [r for c in outsider.context["calendars"] for r in c.rows]


def test_ics_feed_lists_own_planned_meetings(cast: Cast, client_for: Any) -> None:
    from django.utils import timezone

    soon = timezone.localdate() + dt.timedelta(days=7)
    mine = make_meeting(
        cast.groups["ncu"], soon, status="planned", start_time=dt.time(9, 30), place="会议室,三楼"
    )
    make_meeting(cast.groups["ecjtu"], soon, status="planned")
    make_meeting(cast.groups["ncu"], soon - dt.timedelta(days=30), status="held")
    response = client_for(cast.instructor).get(reverse("meetings:calendar_feed"))
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert text.count("BEGIN:VEVENT") == 1 and f"UID:meeting-{mine.pk}@" in text
    assert "LOCATION:会议室\\,三楼" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert (
        client_for(cast.outsider)
        .get(reverse("meetings:calendar_feed"))
        .content.decode()
        .count("BEGIN:VEVENT")
        == 0
    )


def test_ics_folding_keeps_characters_whole() -> None:
    line = "SUMMARY:" + "党建指导" * 40
    folded = ical.fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == line
    assert ical.escape("a;b,c\\d\ne") == "a\\;b\\,c\\\\d\\ne"


def test_todo_list_badge_and_done(cast: Cast, client_for: Any, todo: Todo) -> None:
    client = client_for(cast.instructor)
    page = client.get(reverse("meetings:todo_list"))
    html = page.content.decode()
    # The navigation's badge is the one inbox's count (core:inbox_badge, loaded by htmx).
    badge = client.get(reverse("core:inbox_badge")).content.decode()
    assert "阅读工作办法" in html and 'id="todo-badge">1<' in badge
    client.post(reverse("meetings:todo_done", args=[todo.pk]))
    assert 'id="todo-badge"' not in client.get(reverse("core:inbox_badge")).content.decode()
    # Someone else's to-do is never listed.
    assert (
        client_for(cast.leader).get(reverse("meetings:todo_list")).context["page"].paginator.count
        == 0
    )


def test_todo_list_filters_by_state(cast: Cast, client_for: Any, todo: Todo) -> None:
    Todo.objects.create(
        user=cast.instructor, kind="other", text="已办完", source_key="x", done=True
    )
    client = client_for(cast.instructor)
    url = reverse("meetings:todo_list")
    assert client.get(url, {"state": "open"}).context["page"].paginator.count == 1
    assert client.get(url, {"state": "done"}).context["page"].paginator.count == 1
    assert client.get(url).context["page"].paginator.count == 2


def test_detail_queries_do_not_grow_with_the_roll(
    cast: Cast, client_for: Any, meeting: Meeting, django_assert_max_num_queries: Any
) -> None:
    from handinhand.meetings.models import ActionItem
    from handinhand.programme.models import MemberRole, Membership

    client = client_for(cast.leader)
    # 16: the first request also reads the scope's version and its counties (issue 15).
    with django_assert_max_num_queries(16) as before:
        assert client.get(meeting.get_absolute_url()).status_code == 200
    for i in range(6):
        user = make_user(f"member{i}", f"成员{i}")
        Membership.objects.create(
            group=meeting.group,
            user=user,
            role=MemberRole.INSTRUCTOR,
            term_start=dt.date(2024, 1, 1),
        )
        Attendance.objects.create(meeting=meeting, user=user, signed_in=True)
        ActionItem.objects.create(
            meeting=meeting, text=f"事项{i}", owner=user, due=dt.date(2025, 5, 1)
        )
    with django_assert_max_num_queries(16) as after:
        page = client.get(meeting.get_absolute_url())
    assert page.context["signed"] == 6
    assert len(after.captured_queries) == len(before.captured_queries)
