"""Publishing, audience resolution and its scope, editing as a new version, reading, reminding:
the bad input of issue 10 point 4 each has its test here."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from handinhand.core.models import AuditEvent
from handinhand.core.policy import get_policy
from handinhand.notices import selectors, services
from handinhand.notices.audience import Audience
from handinhand.notices.models import NoticeReceipt, NoticeReminder, NoticeVersion
from handinhand.notices.tests.factories import county_notice, publish

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _recipients(notice):
    return set(notice.receipts.values_list("user__username", flat=True))


def test_province_publishes_to_school_users_with_one_receipt_each(cast):
    notice = publish(cast)
    assert _recipients(notice) == {"school_user"}
    assert notice.policy_version == get_policy().version
    assert notice.publisher_region_id == get_policy().province_code
    assert AuditEvent.objects.filter(object_type="notices.notice", action="create").count() == 1


def test_roles_across_the_province(cast):
    notice = publish(cast, roles=["instructor", "region_staff"])
    assert _recipients(notice) == {
        "instructor",
        "leader",
        "instructor_ecjtu",
        "instructor_jxufe",
        "city_user",
        "county_user",
        "outsider",
    }


def test_leaders_only(cast):
    assert _recipients(publish(cast, roles=["leader"])) == {"leader"}


def test_region_picks_everyone_there_and_groups_guiding_it(cast):
    notice = publish(cast, regions=["360313"])
    # 湘东区: its bureau, its school, and the 南昌大学 group paired with 萍乡市 that guides it.
    assert _recipients(notice) == {"county_user", "school_user", "instructor", "leader"}


def test_levels_groups_and_schools(cast):
    assert _recipients(publish(cast, levels=["province"])) >= {"instructor", "instructor_ecjtu"}
    assert _recipients(publish(cast, groups=[cast.groups["ecjtu"].pk])) == {"instructor_ecjtu"}
    assert _recipients(publish(cast, schools=[cast.school.pk])) == {"school_user"}


def test_a_person_reached_twice_gets_one_receipt(cast):
    notice = publish(cast, roles=["school_user"], schools=[cast.school.pk], regions=["360300"])
    assert NoticeReceipt.objects.filter(notice=notice, user=cast.school_user).count() == 1


def test_empty_audience_is_refused_in_chinese(cast):
    with pytest.raises(ValidationError) as exc:
        services.notice_publish(
            actor=cast.province_admin, title="空", body="空", audience=Audience()
        )
    assert "通知对象不能为空" in str(exc.value)


def test_an_audience_that_reaches_nobody_is_refused(cast):
    with pytest.raises(ValidationError) as exc:
        publish(cast, schools=[cast.school_anyuan.pk])  # a school without any user
    assert "没有可接收通知的用户" in str(exc.value)
    assert not NoticeReceipt.objects.exists()


@pytest.mark.parametrize(
    "audience",
    [
        {"regions": ["360302"]},  # 安源区, another county of the same city
        {"schools": ["anyuan"]},
        {"groups": ["jxufe"]},  # a provincial group guiding 鹰潭市
    ],
)
def test_a_county_cannot_address_outside_its_county(cast, audience):
    if "schools" in audience:
        audience = {"schools": [cast.school_anyuan.pk]}
    if "groups" in audience:
        audience = {"groups": [cast.groups["jxufe"].pk]}
    with pytest.raises(ValidationError) as exc:
        publish(cast, by=cast.county_user, **audience)
    assert "不在您的发布范围内" in str(exc.value)
    assert "安源" not in str(exc.value)  # the refusal names nothing outside the scope


def test_a_county_reaches_only_its_county(cast):
    notice = publish(cast, by=cast.county_user, roles=["school_user", "region_staff"])
    assert _recipients(notice) == {"school_user", "county_user"}
    assert notice.publisher_region_id == "360313"


def test_people_without_a_bureau_cannot_publish(cast):
    from handinhand.core.exceptions import PermissionDeniedError

    for who in (cast.school_user, cast.instructor, cast.system_admin):
        with pytest.raises(PermissionDeniedError):
            publish(cast, by=who)


def _upload(name, data):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_attachment_checked_by_content(cast):
    notice = services.notice_publish(
        actor=cast.province_admin,
        title="带附件",
        body="见附件",
        audience=Audience.of(roles=["school_user"]),
        attachments=[_upload("办法.pdf", PDF)],
    )
    assert [(a.name, a.kind) for a in notice.attachments.all()] == [("办法.pdf", "pdf")]


def test_attachment_of_the_wrong_type_is_refused(cast):
    with pytest.raises(ValidationError) as exc:
        services.notice_publish(
            actor=cast.province_admin,
            title="带附件",
            body="见附件",
            audience=Audience.of(roles=["school_user"]),
            attachments=[_upload("假的.pdf", b"MZ\x90\x00 an executable")],
        )
    assert "不允许的文件类型" in str(exc.value)
    assert not NoticeReceipt.objects.exists()


def test_attachment_over_the_limit_is_refused(cast, settings):
    limit = get_policy().notices.attachment_max_mb
    big = PDF + b"0" * int(limit * 1024 * 1024)
    with pytest.raises(ValidationError) as exc:
        services.notice_publish(
            actor=cast.province_admin,
            title="大附件",
            body="见附件",
            audience=Audience.of(roles=["school_user"]),
            attachments=[_upload("大.pdf", big)],
        )
    assert "文件过大" in str(exc.value)


def test_edit_after_publication_makes_a_new_version_and_keeps_receipts(cast):
    notice = publish(cast, roles=["school_user", "instructor"])
    services.receipt_read(user=cast.school_user, notice=notice)
    before = list(notice.receipts.order_by("pk").values_list("pk", "user_id", "read_at"))
    edited = services.notice_update(
        actor=cast.province_admin,
        notice=notice,
        title="关于开展党建指导工作的通知（更正）",
        body="截止日期更正。",
        deadline=dt.date(2026, 12, 31),
        pinned=False,
        reason="更正截止日期",
        expected_version=notice.version,
    )
    assert edited.revision == 2
    old = NoticeVersion.objects.get(notice=notice)
    assert (old.revision, old.title, old.reason) == (
        1,
        "关于开展党建指导工作的通知",
        "更正截止日期",
    )
    assert list(notice.receipts.order_by("pk").values_list("pk", "user_id", "read_at")) == before
    # Read stays read; the reader sees the update (read_revision behind the notice's).
    row: Any = selectors.received(cast.school_user).get()
    assert (row.unread, row.updated) == (False, True)
    assert selectors.unread_count(cast.school_user) == 0
    services.receipt_read(user=cast.school_user, notice=edited)
    row = selectors.received(cast.school_user).get()
    assert row.updated is False
    assert AuditEvent.objects.filter(object_type="notices.notice", action="update").count() == 1


def test_only_the_publishing_bureau_edits(cast):
    from handinhand.core.exceptions import PermissionDeniedError

    notice = county_notice(cast)
    for who in (cast.city_user, cast.school_user, cast.province_admin):
        with pytest.raises(PermissionDeniedError):
            services.notice_update(
                actor=who, notice=notice, title="改", body="改", deadline=None, pinned=False
            )


def test_read_receipts_counts_change_when_read(cast):
    notice = publish(cast, roles=["school_user", "region_staff"])
    assert selectors.receipt_counts(notice) | {} == {
        "total": 4,
        "read": 0,
        "read_latest": 0,
        "reminded": 0,
        "unread": 4,
    }
    assert services.receipt_read(user=cast.county_user, notice=notice) is True
    assert services.receipt_read(user=cast.county_user, notice=notice) is False
    counts = selectors.receipt_counts(notice)
    assert (counts["read"], counts["unread"]) == (1, 3)
    assert set(selectors.unread_receipts(notice).values_list("user__username", flat=True)) == {
        "school_user",
        "city_user",
        "outsider",
    }


def test_reminding_twice_on_one_day_reminds_once(cast):
    notice = publish(cast, roles=["school_user", "region_staff"])
    services.receipt_read(user=cast.county_user, notice=notice)
    reminder, created = services.notice_remind(actor=cast.province_admin, notice=notice)
    assert created and reminder.recipients == 3
    stamps = dict(notice.receipts.values_list("user__username", "reminded_at"))
    again, created_again = services.notice_remind(actor=cast.province_admin, notice=notice)
    assert (again.pk, created_again) == (reminder.pk, False)
    assert dict(notice.receipts.values_list("user__username", "reminded_at")) == stamps
    assert stamps["county_user"] is None  # who had read is not reminded
    assert NoticeReminder.objects.count() == 1
    assert AuditEvent.objects.filter(object_type="notices.noticereminder").count() == 1


def test_reminding_when_everyone_has_read_is_refused(cast):
    notice = publish(cast)
    services.receipt_read(user=cast.school_user, notice=notice)
    with pytest.raises(ValidationError):
        services.notice_remind(actor=cast.province_admin, notice=notice)


def test_the_inbox_holds_the_unread_notice_until_it_is_read(cast):
    from handinhand.core.inbox import work_sources

    source = work_sources.get("notices.unread")
    assert source is not None
    notice = publish(cast)
    today = dt.date(2026, 1, 5)
    items = list(source.items(cast.school_user, today))
    assert [(i.title, i.subject) for i in items] == [("阅读通知", notice.title)]
    assert source.pending is not None and source.pending(cast.school_user, today).count() == 1
    services.notice_remind(actor=cast.province_admin, notice=notice)
    assert [i.title for i in source.items(cast.school_user, today)] == ["提醒：请阅读通知"]
    services.receipt_read(user=cast.school_user, notice=notice)
    assert list(source.items(cast.school_user, today)) == []
    assert source.pending(cast.school_user, today).count() == 0
    assert list(source.items(cast.instructor, today)) == []  # not in the audience


def test_policy_notice_is_pinned_to_everyone_once_per_version(cast):
    notice, created = services.policy_notice_publish(actor=cast.province_admin)
    assert created and notice.pinned and notice.kind == "policy"
    assert notice.policy_version == get_policy().version
    assert "《全省中小学校党建指导工作办法》" in notice.title
    assert "5 名" in notice.body or "5名" in notice.body
    assert {"school_user", "instructor", "city_user", "county_user", "leader"} <= _recipients(
        notice
    )
    again, created_again = services.policy_notice_publish(actor=cast.province_admin)
    assert (again.pk, created_again) == (notice.pk, False)


def test_publish_policy_notice_command(cast):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("publish_policy_notice", stdout=out)
    assert "已发布" in out.getvalue()
    call_command("publish_policy_notice", stdout=out)
    assert "已发布过" in out.getvalue()


def test_publishing_costs_the_same_queries_for_one_or_many_recipients(
    cast, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from handinhand.accounts.models import Role
    from handinhand.accounts.tests.factories import RoleAssignmentFactory, UserFactory
    from handinhand.conftest import make_school

    with CaptureQueriesContext(connection) as one:
        publish(cast, title="一人")
    for i in range(60):
        school = make_school("360313", f"湘东区第{i + 10}小学")
        RoleAssignmentFactory.create(
            user=UserFactory.create(username=f"school{i}"), role=Role.SCHOOL_USER, school=school
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        notice = publish(cast, title="六十一人")
    assert notice.receipts.count() == 61
