"""The compliance calendar and the reminder job: status right at period edges (first and last
day, leap years, the January end of the autumn semester), set-based queries, idempotent job."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from handinhand.conftest import Cast
from handinhand.core.models import AuditEvent
from handinhand.meetings.calendar import period_of, quarter_of, semester_of
from handinhand.meetings.models import ActionItem, Todo, TodoKind
from handinhand.meetings.reminders import run_reminders
from handinhand.meetings.selectors import (
    DUE,
    MET,
    MISSED,
    NOT_OWED,
    compliance_calendar,
    status_of,
)
from handinhand.meetings.tests.conftest import make_meeting
from handinhand.programme.models import GroupLevel, GuidanceGroup, MemberRole, Membership

pytestmark = pytest.mark.django_db


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_status_flips_from_due_to_missed_the_day_after_the_last_day(day: dt.date) -> None:
    for kind in ("semester", "quarter"):
        period = period_of(kind, day)
        assert status_of(held=0, minimum=1, period=period, today=period.end) == DUE
        assert status_of(held=0, minimum=1, period=period, today=period.start) == DUE
        after = period.end + dt.timedelta(days=1)
        assert status_of(held=0, minimum=1, period=period, today=after) == MISSED
        assert status_of(held=1, minimum=1, period=period, today=after) == MET
        assert status_of(held=1, minimum=2, period=period, today=after) == MISSED


def _cell(calendars, group, key):
    for cal in calendars:
        for row in cal.rows:
            if row.group == group:
                return next(c for c in row.cells if c.period.key == key)
    raise AssertionError((group, key))


@pytest.fixture
def city_group(cast: Cast) -> GuidanceGroup:
    group = GuidanceGroup.objects.create(
        name="萍乡市党建指导组", level=GroupLevel.CITY, region_id="360300", batch=cast.batch
    )
    Membership.objects.create(
        group=group, user=cast.city_user, role=MemberRole.LEADER, term_start=dt.date(2024, 1, 1)
    )
    return group


def test_meetings_on_the_edges_count_in_their_own_period(cast: Cast, city_group) -> None:
    ncu = cast.groups["ncu"]
    # The last day of the autumn semester is in January (the report month) of the next year.
    make_meeting(ncu, dt.date(2025, 1, 31))
    make_meeting(ncu, dt.date(2025, 2, 1))  # first day of spring
    make_meeting(city_group, dt.date(2024, 2, 29), kind="joint")  # leap day, Q1
    make_meeting(city_group, dt.date(2024, 6, 30), kind="joint")  # last day of Q2
    make_meeting(city_group, dt.date(2024, 10, 1), kind="joint")  # first day of Q4
    today = dt.date(2025, 3, 1)
    cal2024 = compliance_calendar(cast.province_admin, 2024, today=today)
    autumn = _cell(cal2024, ncu, "2024-S2")
    assert (autumn.held, autumn.status) == (1, MET)
    assert _cell(cal2024, ncu, "2024-S1").status == MISSED
    assert [_cell(cal2024, city_group, f"2024-Q{i}").status for i in (1, 2, 3, 4)] == [
        MET,
        MET,
        MISSED,
        MET,
    ]
    cal2025 = compliance_calendar(cast.province_admin, 2025, today=today)
    assert _cell(cal2025, ncu, "2025-S1").status == MET
    assert _cell(cal2025, ncu, "2025-S2").status == DUE  # not begun yet: still due
    assert _cell(cal2025, cast.groups["ecjtu"], "2025-S1").status == DUE
    assert _cell(cal2025, city_group, "2025-Q1").status == DUE
    # The last day of Q1 is still due; the next day it is missed.
    assert (
        _cell(
            compliance_calendar(cast.province_admin, 2025, today=dt.date(2025, 3, 31)),
            city_group,
            "2025-Q1",
        ).status
        == DUE
    )
    assert (
        _cell(
            compliance_calendar(cast.province_admin, 2025, today=dt.date(2025, 4, 1)),
            city_group,
            "2025-Q1",
        ).status
        == MISSED
    )
    # Before the group's batch started nothing was owed.
    cal2023 = compliance_calendar(cast.province_admin, 2023, today=today)
    assert _cell(cal2023, ncu, "2023-S1").status == NOT_OWED


def test_calendar_is_set_based_and_scoped(
    cast: Cast, city_group, django_assert_num_queries
) -> None:
    for i in range(30):
        GuidanceGroup.objects.create(
            name=f"县级组{i}", level=GroupLevel.COUNTY, region_id="360313", batch=cast.batch
        )
    from handinhand.core.scope import get_scope

    get_scope(cast.province_admin)
    with django_assert_num_queries(2):
        calendars = compliance_calendar(cast.province_admin, 2025)
    assert sum(len(c.rows) for c in calendars) == 3 + 31
    # The county sees its own groups; the outsider (南昌市) none of these.
    county_rows = {
        r.group.name for c in compliance_calendar(cast.county_user, 2025) for r in c.rows
    }
    assert "县级组0" in county_rows and "萍乡市党建指导组" in county_rows
    assert "华东交通大学党建指导组" not in county_rows
    assert not [r for c in compliance_calendar(cast.outsider, 2025) for r in c.rows]
    missed = compliance_calendar(
        cast.province_admin, 2024, today=dt.date(2025, 6, 1), missed_only=True, level="city"
    )
    assert [r.group.name for c in missed for r in c.rows] == ["萍乡市党建指导组"]


# --- reminders ----------------------------------------------------------------------------------


def test_reminder_job_is_idempotent(cast: Cast, city_group, settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # 2025-03-18: 13 days left in Q1 (<= 14); the spring semester has months left.
    today = dt.date(2025, 3, 18)
    assert quarter_of(today).days_left(today) == 13
    assert semester_of(today).days_left(today) > 14
    meeting = make_meeting(cast.groups["ncu"], dt.date(2025, 2, 10))
    overdue = ActionItem.objects.create(
        meeting=meeting, text="整改台账", owner=cast.instructor, due=dt.date(2025, 3, 1)
    )
    ActionItem.objects.create(
        meeting=meeting, text="未到期", owner=cast.instructor, due=dt.date(2025, 4, 1)
    )
    first = run_reminders(today)
    assert (first["meeting_due"], first["action_overdue"], first["total"]) == (1, 1, 2)
    due = Todo.objects.get(kind=TodoKind.MEETING_DUE)
    assert due.user == cast.city_user and due.due == dt.date(2025, 3, 31)
    assert due.source_key == f"meeting_due:{city_group.pk}:joint:2025-Q1"
    assert "联席会议" in due.text
    assert (
        Todo.objects.get(kind=TodoKind.ACTION_OVERDUE).source_key == f"action_overdue:{overdue.pk}"
    )
    events = AuditEvent.objects.filter(object_type="meetings.todo").count()
    assert events == 2
    # Twice the same day, then through the command and the task: nothing twice.
    assert run_reminders(today)["total"] == 0
    call_command("send_reminders", "--date", today.isoformat())
    call_command("send_reminders", "--date", today.isoformat(), "--enqueue")
    assert Todo.objects.count() == 2
    assert AuditEvent.objects.filter(object_type="meetings.todo").count() == 2
    # Once the meeting is held, the next quarter's reminder is not due yet.
    make_meeting(city_group, dt.date(2025, 3, 20), kind="joint")
    assert run_reminders(dt.date(2025, 3, 21))["meeting_due"] == 0


def test_no_reminder_with_more_days_left_and_mail_when_asked(
    cast: Cast, city_group, settings, mailoutbox
) -> None:
    assert run_reminders(dt.date(2025, 3, 16))["total"] == 0  # 15 days left
    cast.city_user.email = "pingxiang@example.cn"
    cast.city_user.save()
    settings.MEETINGS_REMINDER_EMAIL = True
    assert run_reminders(dt.date(2025, 3, 17))["meeting_due"] == 1  # 14 days left
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["pingxiang@example.cn"]
