"""Role homes (issue 10): each role's first screen is its inbox top and the figures it answers
for; the navigation shows each role what concerns it; costs pinned."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from handinhand.conftest import Cast
from handinhand.guidance.models import Finding
from handinhand.guidance.tests.conftest import raise_finding
from handinhand.reports.models import AnnualReport, ReportStatus

pytestmark = pytest.mark.django_db

# Measured on the cast: every source the role has (one query each) plus its figures; none
# grows with the rows (checked below). A leader is an instructor too, so holds the most.
# One query per inbox source with work for the role (notices' unread receipts included), plus
# session, user, scope and the role's figures; none grows with the rows (the test below).
WORK_QUERIES = {
    "province_admin": 14,
    "leader": 26,
    "instructor": 18,
    "county_user": 13,
    "school_user": 13,
}


def work(client: Any) -> Any:
    return client.get(reverse("dashboard:home_work"))


def titles(response: Any) -> list[str]:
    return [s.title for s in response.context["sections"]]


def test_home_loads_its_work_after_the_page(cast: Cast, client_for: Any) -> None:
    html = client_for(cast.school_user).get(reverse("dashboard:home")).content.decode()
    assert 'hx-get="/home/work/"' in html and 'id="home-work"' in html


def test_school_home(cast: Cast, client_for: Any) -> None:
    finding = raise_finding(cast)
    Finding.objects.filter(pk=finding.pk).update(deadline=timezone.localdate() - dt.timedelta(1))
    response = work(client_for(cast.school_user))
    assert titles(response) == ["本校工作"]
    figures = {f.label: f for f in response.context["sections"][0].figures}
    assert figures["待整改问题"].value == 1 and figures["整改逾期"].alert
    assert figures["党建品牌"].value == "尚未创建"
    html = response.content.decode()
    assert "答复整改问题" in html and "已逾期1天" in html
    assert response.context["total"] == 1


def test_instructor_and_leader_homes(cast: Cast, client_for: Any) -> None:
    raise_finding(cast)
    response = work(client_for(cast.instructor))
    assert titles(response) == ["指导员工作台"]
    figures = {f.label: f.value for f in response.context["sections"][0].figures}
    assert figures["负责片区学校"] == 1 and figures["我提出的未销号问题"] == 1
    AnnualReport.objects.create(
        group=cast.groups["ncu"], year=timezone.localdate().year - 1, status=ReportStatus.RETURNED
    )
    response = work(client_for(cast.leader))
    assert titles(response) == ["指导组工作机制", "指导员工作台"]
    figures = {f.label: f for f in response.context["sections"][0].figures}
    assert figures["本期会议达标"].alert
    assert figures[f"{timezone.localdate().year - 1}年度报告"].value.startswith("已退回")
    assert "召开" in response.content.decode()  # the meetings owed, in the inbox top


def test_department_and_province_homes(cast: Cast, client_for: Any) -> None:
    finding = raise_finding(cast)
    Finding.objects.filter(pk=finding.pk).update(deadline=timezone.localdate() - dt.timedelta(1))
    response = work(client_for(cast.county_user))
    assert titles(response) == ["待本部门办理"]
    figures = {f.label: f.value for f in response.context["sections"][0].figures}
    assert figures["辖区整改逾期"] == 1
    # Another county's bureau: nothing of it.
    figures = {
        f.label: f.value for f in work(client_for(cast.outsider)).context["sections"][0].figures
    }
    assert figures["辖区整改逾期"] == 0
    response = work(client_for(cast.province_admin))
    [section] = response.context["sections"]
    assert section.rows == [["萍乡市", 1, 0]]


def test_admins_get_their_queue_and_no_figures(cast: Cast, client_for: Any) -> None:
    response = work(client_for(cast.audit_admin))
    assert response.context["sections"] == [] and response.context["total"] == 0
    assert "暂无待办事项" in response.content.decode()


@pytest.mark.parametrize(
    "who", ["province_admin", "leader", "instructor", "county_user", "school_user"]
)
def test_home_work_queries_are_bounded(
    cast: Cast, client_for: Any, django_assert_max_num_queries: Any, who: str
) -> None:
    raise_finding(cast)
    client = client_for(getattr(cast, who))
    work(client)
    with django_assert_max_num_queries(WORK_QUERIES[who]) as before:
        work(client)
    for _ in range(5):
        raise_finding(cast)
    with django_assert_max_num_queries(WORK_QUERIES[who]) as after:
        work(client)
    assert len(after.captured_queries) == len(before.captured_queries)


# --- menus per role ---------------------------------------------------------------------------

NAV_MUST: dict[str, tuple[set[str], set[str]]] = {
    # who: (entries shown, entries never shown)
    "school_user": (
        {"我的待办", "学校评估", "问题整改", "党建品牌"},
        {
            "批次",
            "结对关系",
            "党建指导组",
            "培训学时统计",
            "评估周期",
            "工作机制",
            "年度报告",
            "组织机构",
            "考核激励",
            "指导员工作台",
        },
    ),
    "instructor": (
        {"我的待办", "指导员工作台", "批次", "业务培训", "工作机制", "我的考核"},
        {"用户与角色", "审计日志", "经费汇总"},
    ),
    "county_user": ({"我的待办", "片区", "年度报告", "学校评估"}, {"指导员工作台", "审计日志"}),
    "province_admin": ({"我的待办", "批次", "经费汇总", "生成年度报告草稿"}, {"审计日志"}),
    "audit_admin": ({"我的待办", "审计日志"}, {"批次", "指导工作", "学校评估", "用户与角色"}),
    "security_admin": ({"我的待办", "密码重置审批"}, {"批次", "指导工作", "审计日志"}),
}


def nav_of(client: Any) -> str:
    html: str = client.get(reverse("core:inbox")).content.decode()
    return html[html.index("<nav") : html.index("</nav>")]


@pytest.mark.parametrize("who", sorted(NAV_MUST))
def test_navigation_per_role(cast: Cast, client_for: Any, who: str) -> None:
    nav = nav_of(client_for(getattr(cast, who)))
    shown, hidden = NAV_MUST[who]
    for entry in shown:
        assert f">{entry}<" in nav or f">{entry} <" in nav, (who, entry)
    for entry in hidden:
        assert f">{entry}<" not in nav and f">{entry} <" not in nav, (who, entry)


def test_county_districts_list_shows_no_other_county(cast: Cast, client_for: Any) -> None:
    from handinhand.programme.models import District, DistrictSchool

    other = District.objects.create(group=cast.groups["ncu"], batch=cast.batch, name="安源片区")
    DistrictSchool.objects.create(district=other, school=cast.school_anyuan, batch=cast.batch)
    empty = District.objects.create(group=cast.groups["ncu"], batch=cast.batch, name="空片区")
    url = reverse("programme:district_list")
    names = {row["cells"][0] for row in client_for(cast.county_user).get(url).context["rows"]}
    assert "湘东片区" in names and "安源片区" not in names and "空片区" not in names
    # The city sees both of its counties' districts; the group's own members see every one.
    city = {row["cells"][0] for row in client_for(cast.city_user).get(url).context["rows"]}
    assert {"湘东片区", "安源片区"} <= city
    mine = {row["cells"][0] for row in client_for(cast.instructor).get(url).context["rows"]}
    assert {"湘东片区", "安源片区", "空片区"} <= mine
    assert (
        client_for(cast.county_user)
        .get(reverse("programme:district_detail", args=[other.pk]))
        .status_code
        == 404
    )
    assert empty.pk


def test_pages_holding_a_session_load_no_badge(cast: Cast, client: Any) -> None:
    """The second-factor page sends every other request back to itself (HX-Redirect for htmx):
    a badge fetched from it would reload it for ever."""
    client.force_login(cast.instructor)
    html = client.get(reverse("accounts:password_change")).content.decode()
    assert "/inbox/badge/" not in html
    assert "/inbox/badge/" in client.get(reverse("guidance:finding_list")).content.decode()
