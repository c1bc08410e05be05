"""Nothing unexplained (issue 14 point 4, guidance): a returned finding says why and who
returned it, a visit lists its findings, the workbench lists give their total and a link to
the whole list."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from handinhand.guidance import services
from handinhand.guidance.models import Finding, FindingStatus, VisitStatus
from handinhand.guidance.selectors import WORKBENCH_LIMIT
from handinhand.guidance.tests.conftest import plan_visit, raise_finding

TODAY = timezone.localdate()


def _return(cast, finding, reason: str) -> None:
    services.finding_answer(actor=cast.school_user, finding=finding, measures="已整改")
    services.finding_return(actor=cast.instructor, finding=finding, reason=reason)


def test_returned_finding_shows_latest_reason_and_who(cast, finding, client_for):
    _return(cast, finding, "缺少会议照片")
    _return(cast, finding, "签到表仍不全")
    for user in (cast.school_user, cast.instructor):
        page = client_for(user).get(reverse("guidance:finding_detail", args=[finding.pk]))
        content = page.content.decode()
        box = content.split('id="return-reason"')[1].split('<div class="row')[0]
        assert "签到表仍不全" in box and "缺少会议照片" not in box
        assert str(cast.instructor) in box
        assert "学校尚未答复" not in content


def test_returned_finding_without_any_answer_says_reason_not_recorded(cast, finding, client_for):
    # Imported or older data may hold a returned finding with no answer: it says so.
    Finding.objects.filter(pk=finding.pk).update(status=FindingStatus.RETURNED)
    content = (
        client_for(cast.school_user)
        .get(reverse("guidance:finding_detail", args=[finding.pk]))
        .content.decode()
    )
    assert "退回原因未记录" in content and "学校尚未答复" not in content


def test_finding_list_shows_the_return_reason(cast, finding, client_for):
    _return(cast, finding, "缺少会议照片")
    content = client_for(cast.school_user).get(reverse("guidance:finding_list")).content.decode()
    assert "退回原因" in content and f"缺少会议照片（{cast.instructor}）" in content


def test_visit_lists_its_findings(cast, client_for):
    visit = plan_visit(cast)
    raise_finding(cast, visit=visit, problem="主题党日缺少计划", found_on=visit.date)
    raise_finding(cast, problem="另一件事，不属于该活动")
    content = (
        client_for(cast.school_user)
        .get(reverse("guidance:visit_detail", args=[visit.pk]))
        .content.decode()
    )
    section = content.split('id="visit-findings"')[1].split('id="attachments"')[0]
    assert "主题党日缺少计划" in section and "另一件事" not in section
    empty = plan_visit(cast, title="没有问题的活动")
    content = (
        client_for(cast.instructor)
        .get(reverse("guidance:visit_detail", args=[empty.pk]))
        .content.decode()
    )
    assert "本次活动未提出问题" in content


def test_workbench_lists_give_total_and_link_to_all(cast, client_for):
    count = WORKBENCH_LIMIT + 3
    for i in range(count):
        plan_visit(
            cast,
            title=f"计划{i}",
            status=VisitStatus.PLANNED,
            date=TODAY + dt.timedelta(days=i + 1),
        )
        raise_finding(cast, problem=f"问题{i}")
    content = client_for(cast.instructor).get(reverse("guidance:workbench")).content.decode()
    upcoming = content.split('id="upcoming"')[1]
    assert f">{count}</span>" in upcoming and "查看全部" in upcoming
    assert upcoming.count('href="/guidance/visits/') - 1 == WORKBENCH_LIMIT  # + 查看全部
    open_box = content.split('id="open-findings"')[1].split("hh-card")[0]
    assert f">{count}</span>" in open_box
    assert "status=waiting&amp;mine=on" in open_box
    assert f"{TODAY.year}年" in content  # dates with their year


def test_all_link_lists_exactly_my_waiting_findings(cast, client_for):
    mine = raise_finding(cast, problem="我提出的问题")
    other = raise_finding(cast, actor=cast.leader, problem="组长提出的问题")
    closed = raise_finding(cast, problem="已销号的问题")
    Finding.objects.filter(pk=closed.pk).update(status=FindingStatus.CLOSED)
    url = reverse("guidance:finding_list") + "?status=waiting&mine=on"
    content = client_for(cast.instructor).get(url).content.decode()
    assert mine.problem in content
    assert other.problem not in content and closed.problem not in content


def test_mine_filter_of_visits(cast, client_for):
    plan_visit(cast, title="我参加的活动")
    plan_visit(cast, actor=cast.leader, title="别人的活动", instructors=[])
    content = (
        client_for(cast.instructor).get(reverse("guidance:visit_list") + "?mine=on").content
    ).decode()
    assert "我参加的活动" in content and "别人的活动" not in content
