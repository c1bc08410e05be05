"""Issue 9, defect 4: a group's meeting minutes and annual reports (with the leader's duty
section) are read by the group, the bureaus of its region and above (its superiors and the
receiving department) and the province, never by the schools or bureaus below it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from handinhand.meetings.models import Meeting, MeetingStatus
from handinhand.programme.models import GroupLevel, GuidanceGroup, MemberRole, Membership
from handinhand.reports.models import AnnualReport
from handinhand.reports.tests.factories import ncu_report

pytestmark = pytest.mark.django_db

MINUTES = "纪要：组长批评了某校书记"
DUTY = "组长履职情况：保密内容"


def _minutes(cast, group=None) -> Meeting:
    return Meeting.objects.create(
        kind="scheduling",
        group=group or cast.groups["ncu"],
        title="保密调度会",
        date=dt.date(2025, 3, 10),
        status=MeetingStatus.HELD,
        minutes=MINUTES,
    )


@pytest.mark.parametrize("who", ["school_user", "county_user", "city_user"])
def test_below_the_group_no_minutes_and_no_draft(cast, client_for, who):
    meeting = _minutes(cast)
    report = ncu_report(cast, leader_duty=DUTY)
    client = client_for(getattr(cast, who))
    assert client.get(reverse("meetings:meeting_detail", args=[meeting.pk])).status_code == 404
    assert MINUTES not in client.get(reverse("meetings:meeting_list")).content.decode()
    for name in ("reports:report_detail", "reports:report_docx"):
        assert client.get(reverse(name, args=[report.pk])).status_code == 404, name
    assert DUTY not in client.get(reverse("reports:report_list")).content.decode()
    assert not Meeting.objects.visible_to(getattr(cast, who)).exists()
    assert not AnnualReport.objects.visible_to(getattr(cast, who)).exists()


@pytest.mark.parametrize("who", ["instructor", "leader", "province_admin"])
def test_the_group_and_the_province_read_them(cast, client_for, who):
    meeting = _minutes(cast)
    report = ncu_report(cast, leader_duty=DUTY)
    client = client_for(getattr(cast, who))
    page = client.get(reverse("meetings:meeting_detail", args=[meeting.pk]))
    assert MINUTES in page.content.decode()
    page = client.get(reverse("reports:report_detail", args=[report.pk]))
    assert DUTY in page.content.decode()


def test_a_county_group_is_read_by_its_county_and_city_bureaus_not_its_schools(cast):
    group = GuidanceGroup.objects.create(
        name="湘东区党建指导组", level=GroupLevel.COUNTY, region_id="360313", batch=cast.batch
    )
    Membership.objects.create(
        group=group,
        user=cast.instructor_jxufe,
        role=MemberRole.LEADER,
        term_start=dt.date(2024, 1, 1),
    )
    meeting = _minutes(cast, group)
    report = AnnualReport.objects.create(group=group, year=2025, leader_duty=DUTY)
    for reader in (cast.county_user, cast.city_user, cast.province_admin, cast.instructor_jxufe):
        assert list(Meeting.objects.visible_to(reader)) == [meeting]
        assert list(AnnualReport.objects.visible_to(reader)) == [report]
    for other in (cast.school_user, cast.instructor, cast.outsider):
        assert not Meeting.objects.visible_to(other).exists()
        assert not AnnualReport.objects.visible_to(other).exists()
