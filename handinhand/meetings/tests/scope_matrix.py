"""The meeting pages for the site-wide scope matrix (core/tests/test_scope_matrix.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from handinhand.meetings.models import ActionItem, Attendance, Meeting, MeetingFile, Todo


def _meeting(cast: Any) -> Meeting:
    m, _ = Meeting.objects.get_or_create(
        group=cast.groups["ncu"],
        title="矩阵会议",
        defaults={"kind": "scheduling", "date": dt.date(2025, 3, 10), "chair": cast.leader},
    )
    Attendance.objects.get_or_create(meeting=m, user=cast.instructor)
    return m


def _ahead(cast: Any) -> Meeting:
    """A meeting still ahead: the QR sign-in is shown until its day, not after."""
    from django.utils import timezone

    m, _ = Meeting.objects.get_or_create(
        group=cast.groups["ncu"],
        title="矩阵会议（计划）",
        defaults={"kind": "scheduling", "date": timezone.localdate() + dt.timedelta(days=30)},
    )
    Attendance.objects.get_or_create(meeting=m, user=cast.instructor)
    return m


def _item(cast: Any) -> ActionItem:
    return ActionItem.objects.create(
        meeting=_meeting(cast), text="矩阵事项", owner=cast.instructor, due=dt.date(2025, 4, 1)
    )


def _file(cast: Any) -> MeetingFile:
    from django.core.files.base import ContentFile

    item = MeetingFile(meeting=_meeting(cast), name="纪要.txt", size=3)
    item.file.save("纪要.txt", ContentFile(b"abc"), save=True)
    return item


def _todo(cast: Any) -> Todo:
    return Todo.objects.create(user=cast.instructor, kind="other", text="矩阵待办", source_key="m")


OBJECT_PAGES = {
    "meetings:meeting_create": (
        lambda c: c.groups["ncu"].pk,
        "leader",
        ["instructor", "instructor_ecjtu", "outsider", "city_user"],
    ),
    "meetings:meeting_detail": (
        lambda c: _meeting(c).pk,
        "instructor",
        # The minutes are internal: schools and bureaus below the group are out (issue 9).
        ["instructor_ecjtu", "outsider", "audit_admin", "school_user", "county_user"],
    ),
    "meetings:meeting_edit": (
        lambda c: _meeting(c).pk,
        "leader",
        ["instructor", "instructor_ecjtu", "outsider"],
    ),
    "meetings:meeting_status": (
        lambda c: _meeting(c).pk,
        "leader",
        ["instructor", "instructor_ecjtu", "outsider"],
    ),
    "meetings:attendance_add": (
        lambda c: _meeting(c).pk,
        "leader",
        ["instructor", "instructor_ecjtu", "outsider"],
    ),
    "meetings:sign_in": (
        lambda c: _meeting(c).pk,
        "instructor",
        ["instructor_ecjtu", "outsider", "system_admin"],
    ),
    "meetings:file_add": (lambda c: _meeting(c).pk, "leader", ["instructor", "outsider"]),
    "meetings:file_download": (
        lambda c: _file(c).pk,
        "instructor",
        ["instructor_ecjtu", "outsider", "audit_admin", "school_user"],
    ),
    "meetings:action_add": (lambda c: _meeting(c).pk, "leader", ["instructor", "outsider"]),
    "meetings:action_done": (
        lambda c: _item(c).pk,
        "instructor",
        ["instructor_ecjtu", "outsider", "city_user"],
    ),
    "meetings:todo_done": (lambda c: _todo(c).pk, "instructor", ["leader", "outsider"]),
    # Issue 11: invitations, the projected QR code and the phone's sign-in page.
    "meetings:invite": (
        lambda c: _meeting(c).pk,
        "leader",
        ["instructor", "instructor_ecjtu", "outsider", "city_user"],
    ),
    "meetings:meeting_qr": (
        lambda c: _ahead(c).pk,
        "leader",
        ["instructor", "instructor_ecjtu", "outsider", "city_user", "school_user"],
    ),
    "meetings:meeting_qr_code": (
        lambda c: _ahead(c).pk,
        "leader",
        ["instructor", "instructor_ecjtu", "outsider", "city_user"],
    ),
    "meetings:checkin": (
        lambda c: _ahead(c).pk,
        "instructor",
        ["instructor_ecjtu", "outsider", "school_user", "county_user", "audit_admin"],
    ),
}

ROLE_PAGES: dict[str, tuple[str, list[str]]] = {}

OPEN_PAGES = {
    "meetings:meeting_list",
    "meetings:compliance",
    "meetings:calendar_feed",
    "meetings:todo_list",
    "meetings:calendar_subscription",
    "meetings:calendar_reset",
}

# The subscribed calendar is read by calendar programs without a login: its token is the key
# (tests in test_calendar_token.py: unknown, revoked and deactivated owners' tokens answer 404).
PUBLIC_PAGES = {"meetings:calendar_token_feed"}
