"""Meetings with everyone (issue 11): invitations across groups, bureaus and guests; the QR
sign-in with its short-lived code; who sees such a meeting; milestones; the inbox."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from handinhand.conftest import Cast
from handinhand.core.inbox import inbox_items
from handinhand.core.models import AuditEvent
from handinhand.core.registry import timeline_events
from handinhand.meetings import checkin, selectors, services
from handinhand.meetings.models import Attendance, InviteeKind, Meeting, Milestone

pytestmark = pytest.mark.django_db


@pytest.fixture
def joint(cast: Cast) -> Meeting:
    """The pilot's first meeting, planned by the province, hosted by the 南昌大学 group."""
    return services.meeting_plan(
        actor=cast.province_admin,
        group=cast.groups["ncu"],
        kind="scheduling",
        title="全省中小学校党建工作指导组第一次会议",
        date=timezone.localdate() + dt.timedelta(days=3),
        place="省委教育工委会议室",
        milestone=Milestone.KICKOFF,
    )


def _invite_everyone(cast: Cast, meeting: Meeting) -> int:
    return services.meeting_invite(
        actor=cast.province_admin,
        meeting=meeting,
        groups=[cast.groups["ncu"], cast.groups["ecjtu"], cast.groups["jxufe"]],
        users=[cast.city_user],
        guests=[("张局长", "新余市教育局"), ("刘局长", "鹰潭市教育局")],
    )


def test_one_meeting_invites_three_groups_a_bureau_and_guests(cast: Cast, joint: Meeting) -> None:
    before = AuditEvent.objects.count()
    assert _invite_everyone(cast, joint) == 7
    rows = {a.display_name: a for a in Attendance.objects.filter(meeting=joint)}
    assert rows["李指导"].kind == InviteeKind.MEMBER and rows["李指导"].group == cast.groups["ncu"]
    assert rows["赵指导"].group == cast.groups["ecjtu"]
    assert rows["钱指导"].group == cast.groups["jxufe"]
    assert rows["萍乡市教育局"].kind == InviteeKind.STAFF
    guest = rows["张局长"]
    assert guest.user is None and guest.kind == InviteeKind.GUEST and guest.unit == "新余市教育局"
    assert AuditEvent.objects.count() == before + 7
    # Inviting the same people again adds nobody and writes nothing.
    assert _invite_everyone(cast, joint) == 0
    assert AuditEvent.objects.count() == before + 7


def test_an_out_of_scope_account_refuses_the_whole_list(cast: Cast, meeting: Meeting) -> None:
    before = (Attendance.objects.count(), AuditEvent.objects.count())
    # The leader's group works in 萍乡市: its bureau may be invited, 南昌市's may not.
    with pytest.raises(ValidationError) as refused:
        services.meeting_invite(
            actor=cast.leader, meeting=meeting, users=[cast.city_user, cast.outsider]
        )
    # Counted, not named: an id typed into the form must not reveal whose account it is.
    assert "南昌市教育局" not in str(refused.value) and "有 1 名人员不在您的工作范围内" in str(
        refused.value
    )
    with pytest.raises(ValidationError) as far_group:
        services.meeting_invite(actor=cast.leader, meeting=meeting, groups=[cast.groups["ecjtu"]])
    assert "有 1 个指导组不在您的工作范围内" in str(far_group.value)
    with pytest.raises(ValidationError) as nameless:
        services.meeting_invite(actor=cast.leader, meeting=meeting, guests=[("", "某单位")])
    assert "姓名" in str(nameless.value)
    assert (Attendance.objects.count(), AuditEvent.objects.count()) == before
    # Through the page: the same refusal as a message, nothing added.
    client = _client(cast.leader)
    before = (Attendance.objects.count(), AuditEvent.objects.count())  # the login is audited
    response = client.post(
        reverse("meetings:invite", args=[meeting.pk]),
        {"users": [cast.outsider.pk], "guests": "王五，萍乡市教育局"},
        follow=True,
    )
    assert "不在您的工作范围内" in response.content.decode()
    assert (Attendance.objects.count(), AuditEvent.objects.count()) == before
    # In scope, it works: the bureau and a guest.
    assert (
        services.meeting_invite(
            actor=cast.leader, meeting=meeting, users=[cast.city_user], guests=[("王五", "")]
        )
        == 2
    )


def test_only_the_organiser_invites(cast: Cast, meeting: Meeting) -> None:
    from handinhand.core.exceptions import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        services.meeting_invite(actor=cast.instructor, meeting=meeting, users=[cast.leader])


def _client(user: Any) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_who_sees_a_multi_group_meeting(cast: Cast, joint: Meeting) -> None:
    services.meeting_invite(
        actor=cast.province_admin,
        meeting=joint,
        users=[cast.instructor_ecjtu, cast.city_user],
        guests=[("张局长", "新余市教育局")],
    )
    url = joint.get_absolute_url()
    # Invitees, the host group, the province: yes. Everyone else: 404.
    for who in ("instructor_ecjtu", "city_user", "instructor", "leader", "province_admin"):
        assert _client(getattr(cast, who)).get(url).status_code == 200, who
    for who in ("instructor_jxufe", "county_user", "outsider", "school_user", "audit_admin"):
        assert _client(getattr(cast, who)).get(url).status_code == 404, who
    # A deactivated invitee's invitation opens nothing any more.
    cast.instructor_ecjtu.is_active = False
    assert not Meeting.objects.visible_to(cast.instructor_ecjtu).filter(pk=joint.pk).exists()


def test_projected_qr_and_phone_sign_in(cast: Cast, joint: Meeting) -> None:
    _invite_everyone(cast, joint)
    leader = _client(cast.leader)
    page = leader.get(reverse("meetings:meeting_qr", args=[joint.pk]))
    assert page.status_code == 200 and "<svg" in page.content.decode()
    fragment = leader.get(reverse("meetings:meeting_qr_code", args=[joint.pk]))
    assert fragment.status_code == 200 and "已签到" in fragment.content.decode()
    assert "<html" not in fragment.content.decode()

    url = reverse("meetings:checkin", args=[joint.pk])
    code = checkin.make(joint.pk)
    # Not logged in: the login page, which brings the code back afterwards.
    anonymous = _client(cast.instructor_ecjtu)
    anonymous.logout()
    response = anonymous.get(url, {"code": code})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert "code" in response["Location"]

    phone = _client(cast.instructor_ecjtu)
    confirm = phone.get(url, {"code": code})
    assert confirm.status_code == 200 and "确认签到" in confirm.content.decode()
    before = AuditEvent.objects.count()
    done = phone.post(url, {"code": code})
    assert done.status_code == 200 and "签到成功" in done.content.decode()
    row = Attendance.objects.get(meeting=joint, user=cast.instructor_ecjtu)
    assert row.signed_in and row.signed_in_at is not None
    assert AuditEvent.objects.count() == before + 1
    # Twice: still signed in once, nothing written, the same time kept.
    again = phone.post(url, {"code": code})
    assert again.status_code == 200 and "签到成功" in again.content.decode()
    assert AuditEvent.objects.count() == before + 1
    assert Attendance.objects.get(pk=row.pk).signed_in_at == row.signed_in_at


def test_an_expired_code_is_refused(cast: Cast, joint: Meeting) -> None:
    _invite_everyone(cast, joint)
    old = checkin.make(joint.pk, at=time.time() - checkin.TTL_SECONDS - 5)
    phone = _client(cast.instructor_ecjtu)
    before = AuditEvent.objects.count()
    url = reverse("meetings:checkin", args=[joint.pk])
    for response in (phone.get(url, {"code": old}), phone.post(url, {"code": old})):
        assert response.status_code == 400
        assert "签到码已过期" in response.content.decode()
    with pytest.raises(ValidationError):
        services.checkin_by_code(actor=cast.instructor_ecjtu, meeting=joint, code=old)
    assert not Attendance.objects.get(meeting=joint, user=cast.instructor_ecjtu).signed_in
    assert AuditEvent.objects.count() == before
    # Still inside its two minutes, a code made a minute ago works.
    recent = checkin.make(joint.pk, at=time.time() - 60)
    services.checkin_by_code(actor=cast.instructor_ecjtu, meeting=joint, code=recent)


def test_bad_codes_and_non_invitees_are_refused(
    cast: Cast, joint: Meeting, meeting: Meeting
) -> None:
    _invite_everyone(cast, joint)
    url = reverse("meetings:checkin", args=[joint.pk])
    phone = _client(cast.instructor_ecjtu)
    province = _client(cast.province_admin)
    outsider = _client(cast.outsider)
    before = AuditEvent.objects.count()
    # Another meeting's code, a forged one, none.
    other = phone.post(url, {"code": checkin.make(meeting.pk)})
    assert other.status_code == 400 and "不属于本次会议" in other.content.decode()
    forged = phone.post(url, {"code": f"{joint.pk}:abc:def"})
    assert forged.status_code == 400 and "签到码无效" in forged.content.decode()
    bare = phone.get(url)
    assert bare.status_code == 200 and "扫描" in bare.content.decode()
    # The province sees the meeting but was not invited: refused, in Chinese.
    code = checkin.make(joint.pk)
    refused = province.post(url, {"code": code})
    assert refused.status_code == 403
    assert "不在本次会议的邀请名单中" in refused.content.decode()
    # Someone who does not see the meeting at all: 404, a valid code or not.
    assert outsider.post(url, {"code": code}).status_code == 404
    assert AuditEvent.objects.count() == before


def test_the_organiser_marks_a_guest_present(cast: Cast, joint: Meeting) -> None:
    _invite_everyone(cast, joint)
    guest = Attendance.objects.get(meeting=joint, guest_name="张局长")
    url = reverse("meetings:sign_in", args=[joint.pk])
    _client(cast.leader).post(url, {"attendance": guest.pk})
    assert Attendance.objects.get(pk=guest.pk).signed_in
    # An invitee cannot mark others, nor can anyone mark a row of another meeting.
    assert _client(cast.instructor).post(url, {"attendance": guest.pk}).status_code == 404
    _client(cast.leader).post(url, {"attendance": guest.pk, "undo": "1"})
    assert not Attendance.objects.get(pk=guest.pk).signed_in


def test_milestones_for_the_rollout_timeline(cast: Cast, joint: Meeting) -> None:
    events = selectors.milestones(cast.province_admin)
    assert [(e.kind, e.label, e.title) for e in events] == [
        ("kickoff", "启动会", "全省中小学校党建工作指导组第一次会议")
    ]
    assert events[0].batch_id == cast.batch.pk and events[0].url == joint.get_absolute_url()
    # The registry slot the programme's rollout page reads.
    provider = timeline_events.get("meetings")
    assert provider is not None and provider(cast.leader) == events
    assert provider(cast.outsider) == []
    # Only the province marks a milestone.
    with pytest.raises(ValidationError):
        services.meeting_update(
            actor=cast.leader, meeting=joint, data={"milestone": ""}, expected_version=None
        )
    with pytest.raises(ValidationError):
        services.meeting_plan(
            actor=cast.leader,
            group=cast.groups["ncu"],
            kind="scheduling",
            title="批次启动",
            date=dt.date(2025, 9, 1),
            milestone=Milestone.BATCH_START,
        )
    # The form hides the field from the leader and shows it to the province.
    leader_form = _client(cast.leader).get(reverse("meetings:meeting_edit", args=[joint.pk]))
    assert "milestone" not in leader_form.context["form"].fields
    admin_form = _client(cast.province_admin).get(reverse("meetings:meeting_edit", args=[joint.pk]))
    assert "milestone" in admin_form.context["form"].fields


def test_inbox_invitations_and_missing_minutes(cast: Cast, joint: Meeting) -> None:
    today = timezone.localdate()
    _invite_everyone(cast, joint)
    titles = [i.title for i in inbox_items(cast.instructor_ecjtu, today)]
    assert any(t.startswith("参加会议：全省中小学校党建工作指导组第一次会议") for t in titles)
    # The organiser owes the minutes of a meeting that is over.
    past = services.meeting_plan(
        actor=cast.leader,
        group=cast.groups["ncu"],
        kind="group",
        title="片区工作碰头会",
        date=today - dt.timedelta(days=2),
        chair=cast.leader,
    )
    items = {i.key: i for i in inbox_items(cast.leader, today) if i.source == "meetings.minutes"}
    assert f"meeting:{past.pk}" in items and "补录会议纪要" in items[f"meeting:{past.pk}"].title
    assert not [i for i in inbox_items(cast.instructor_ecjtu, today) if "补录" in i.title]
    services.meeting_update(
        actor=cast.leader,
        meeting=past,
        data={"minutes": "会议研究了片区分工。"},
        expected_version=None,
    )
    from handinhand.core.inbox import reset_inbox

    reset_inbox(cast.leader)
    assert not [i for i in inbox_items(cast.leader, today) if i.source == "meetings.minutes"]


def test_the_detail_page_lists_invitees_by_kind(cast: Cast, joint: Meeting) -> None:
    _invite_everyone(cast, joint)
    page = _client(cast.province_admin).get(joint.get_absolute_url())
    text = page.content.decode()
    for expected in (
        "张局长",
        "新余市教育局",
        "特邀嘉宾",
        "教育部门",
        "华东交通大学党建指导组",
        "启动会",
    ):
        assert expected in text, expected
    assert reverse("meetings:meeting_qr", args=[joint.pk]) in text


def test_photos_of_the_meeting_are_checked_and_shown(cast: Cast, joint: Meeting) -> None:
    import base64

    from django.core.files.uploadedfile import SimpleUploadedFile

    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    )
    photo = services.meeting_file_add(
        actor=cast.leader, meeting=joint, upload=SimpleUploadedFile("会场.png", png)
    )
    assert photo.kind == "png"
    # A "photo" that is not an image is refused before anything is stored.
    with pytest.raises(ValidationError):
        services.meeting_file_add(
            actor=cast.leader, meeting=joint, upload=SimpleUploadedFile("假照片.jpg", b"MZ\x90")
        )
    services.meeting_invite(actor=cast.province_admin, meeting=joint, users=[cast.city_user])
    page = _client(cast.city_user).get(joint.get_absolute_url())
    src = reverse("meetings:file_download", args=[photo.pk])
    assert f'<img src="{src}"' in page.content.decode()
    image = _client(cast.city_user).get(src)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert _client(cast.outsider).get(src).status_code == 404
