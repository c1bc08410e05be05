"""Synthetic meetings on a tiny province: three years for every group, some periods missed,
reproducible from the seed, valid rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from handinhand.accounts.models import User
from handinhand.meetings.models import ActionItem, Attendance, Meeting, MeetingStatus
from handinhand.meetings.selectors import MISSED, compliance_calendar
from handinhand.programme.models import GuidanceGroup, Membership
from handinhand.seed import meetings as meetings_synthetic
from handinhand.seed import programme as synthetic


def _fingerprint() -> list[tuple]:
    return list(
        Meeting.objects.order_by("group_id", "date", "title").values_list(
            "group_id", "kind", "date", "status", "chair_id"
        )
    )


@pytest.mark.django_db
def test_three_years_for_every_group_with_red_cells(db: Any) -> None:
    synthetic.write(synthetic.plan("province", seed=42, scale=0.05))
    counts = meetings_synthetic.extend("province", seed=42, scale=0.05)
    assert counts["meetings"] == Meeting.objects.count() > 0
    assert counts["meeting attendances"] == Attendance.objects.count()
    assert counts["action items"] == ActionItem.objects.count()
    assert meetings_synthetic.extend("province", seed=42) == {}  # runs once
    today = timezone.localdate()
    years = {d.year for d in Meeting.objects.dates("date", "year")}
    assert {today.year - 2, today.year - 1, today.year} <= years
    assert not Meeting.objects.filter(status=MeetingStatus.HELD, date__gt=today).exists()
    active = GuidanceGroup.objects.filter(is_active=True)
    assert set(Meeting.objects.values_list("group_id", flat=True).distinct()) <= set(
        active.values_list("pk", flat=True)
    )
    # Attendees are members of the host group.
    assert not Attendance.objects.exclude(user_id__in=Membership.objects.values("user_id")).exists()
    admin = User.objects.filter(role_assignments__role="province_admin").first()
    assert admin is not None
    last_year = compliance_calendar(admin, today.year - 1)
    statuses = [c.status for cal in last_year for r in cal.rows for c in r.cells]
    assert MISSED in statuses and statuses.count(MISSED) < len(statuses) / 2
    first = _fingerprint()
    Attendance.objects.all().delete()
    ActionItem.objects.all().delete()
    Meeting.objects.all().delete()
    meetings_synthetic.extend("province", seed=42, scale=0.05)
    assert _fingerprint() == first


@pytest.mark.django_db
def test_the_pilots_first_meeting_is_the_kickoff(db: Any) -> None:
    from handinhand.meetings.models import InviteeKind, Milestone
    from handinhand.meetings.selectors import milestones

    synthetic.write(synthetic.plan("pilot", seed=7, scale=0.05))
    counts = meetings_synthetic.kickoff("pilot", seed=7)
    assert meetings_synthetic.kickoff("pilot", seed=7) == {}  # runs once
    meeting = Meeting.objects.get(milestone=Milestone.KICKOFF)
    assert (meeting.date.month, meeting.date.day) == (5, 7)
    assert meeting.title == "全省中小学校党建工作指导组第一次会议"
    assert meeting.status == MeetingStatus.HELD and "正式启动" in meeting.minutes
    rows = list(meeting.attendances.select_related("group", "user"))
    assert counts["kickoff invitees"] == len(rows)
    groups = {a.group.name for a in rows if a.kind == InviteeKind.MEMBER and a.group}
    assert groups == {"南昌大学党建指导组", "华东交通大学党建指导组", "江西财经大学党建指导组"}
    bureaus = {a.unit for a in rows if a.kind in (InviteeKind.STAFF, InviteeKind.GUEST)}
    # 萍乡市 by its demo account, 新余市 and 鹰潭市 as named guests (no account in the pilot).
    assert {"新余市教育局", "鹰潭市教育局"} <= bureaus
    assert any(a.user and a.user.username == "pingxiang" for a in rows)
    assert all(a.signed_in for a in rows)
    admin = User.objects.get(username="admin")
    assert [e.title for e in milestones(admin)] == [meeting.title]
