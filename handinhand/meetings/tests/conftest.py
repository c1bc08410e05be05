from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from handinhand.conftest import Cast
from handinhand.meetings.models import (
    ActionItem,
    Attendance,
    Meeting,
    MeetingStatus,
    Todo,
    TodoKind,
)


@pytest.fixture
def meeting(cast: Cast) -> Meeting:
    """A planned scheduling meeting of the 南昌大学 group, the leader chairing, the instructor
    on the roll."""
    m = Meeting.objects.create(
        kind="scheduling",
        group=cast.groups["ncu"],
        title="春季学期工作调度会",
        date=dt.date(2025, 3, 10),
        place="南昌大学前湖校区",
        chair=cast.leader,
        status=MeetingStatus.PLANNED,
    )
    Attendance.objects.create(meeting=m, user=cast.instructor)
    return m


@pytest.fixture
def action_item(cast: Cast, meeting: Meeting) -> ActionItem:
    return ActionItem.objects.create(
        meeting=meeting, text="整理调研报告", owner=cast.instructor, due=dt.date(2025, 4, 1)
    )


@pytest.fixture
def todo(cast: Cast) -> Todo:
    return Todo.objects.create(
        user=cast.instructor, kind=TodoKind.OTHER, text="阅读工作办法", source_key="test:1"
    )


def make_meeting(
    group: Any, day: dt.date, *, kind: str = "scheduling", status: str = "held", **extra: Any
) -> Meeting:
    return Meeting.objects.create(
        kind=kind, group=group, title="会议", date=day, status=status, **extra
    )
