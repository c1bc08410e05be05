"""Pages of the programme's structure and the home page: who gets each page, what it shows,
how many queries it costs, and that writes through the pages leave their audit trail."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from handinhand.conftest import Cast, make_school, make_user
from handinhand.core.models import AuditEvent
from handinhand.orgs.models import Region, RegionLevel
from handinhand.programme.models import (
    District,
    DistrictSchool,
    GroupLevel,
    GuidanceGroup,
    MemberRole,
    Membership,
    Pairing,
)

pytestmark = pytest.mark.django_db


def url_for(cast: Cast, name: str) -> str:
    """Page names used in the access table below, resolved against the cast."""
    ncu = cast.groups["ncu"]
    pairing = Pairing.objects.get(group=ncu)
    urls = {
        "home": reverse("core:home"),
        "batch_list": reverse("programme:batch_list"),
        "batch_detail": reverse("programme:batch_detail", args=[cast.batch.pk]),
        "batch_create": reverse("programme:batch_create"),
        "batch_edit": reverse("programme:batch_edit", args=[cast.batch.pk]),
        "group_list": reverse("programme:group_list"),
        "group_detail": reverse("programme:group_detail", args=[ncu.pk]),
        "group_create": reverse("programme:group_create"),
        "group_edit": reverse("programme:group_edit", args=[ncu.pk]),
        "membership_list": reverse("programme:membership_list"),
        "membership_create": reverse("programme:membership_create", args=[ncu.pk]),
        "membership_edit": reverse("programme:membership_edit", args=[cast.membership.pk]),
        "membership_end": reverse("programme:membership_end", args=[cast.membership.pk]),
        "membership_detail": reverse("programme:membership_detail", args=[cast.membership.pk]),
        "pairing_list": reverse("programme:pairing_list"),
        "pairing_detail": reverse("programme:pairing_detail", args=[pairing.pk]),
        "pairing_create": reverse("programme:pairing_create"),
        "pairing_delete": reverse("programme:pairing_delete", args=[pairing.pk]),
        "district_list": reverse("programme:district_list"),
        "district_detail": reverse("programme:district_detail", args=[cast.district.pk]),
        "district_create": reverse("programme:district_create", args=[ncu.pk]),
        "district_edit": reverse("programme:district_edit", args=[cast.district.pk]),
        "district_assign": reverse("programme:district_assign", args=[cast.district.pk]),
        "coverage": reverse("programme:coverage"),
    }
    return urls[name]


# (page, user who may open it, user who must get 404)
ACCESS = [
    ("batch_list", "outsider", "system_admin"),
    ("batch_detail", "school_user", "audit_admin"),
    ("batch_create", "province_admin", "city_user"),
    ("batch_edit", "province_admin", "school_user"),
    ("group_list", "instructor", "security_admin"),
    ("group_detail", "instructor", "outsider"),
    ("group_detail", "school_user", "instructor_ecjtu"),
    ("group_detail", "county_user", "system_admin"),
    ("group_create", "city_user", "school_user"),
    ("group_create", "province_admin", "instructor"),
    ("group_edit", "leader", "school_user"),
    ("group_edit", "province_admin", "instructor"),
    ("group_edit", "province_admin", "city_user"),
    ("membership_list", "school_user", "audit_admin"),
    ("membership_create", "leader", "instructor"),
    ("membership_create", "province_admin", "outsider"),
    ("membership_edit", "leader", "school_user"),
    ("membership_edit", "province_admin", "instructor_jxufe"),
    ("membership_end", "leader", "instructor"),
    ("pairing_list", "city_user", "system_admin"),
    ("pairing_detail", "city_user", "outsider"),
    ("pairing_detail", "instructor", "instructor_jxufe"),
    ("pairing_create", "province_admin", "leader"),
    ("pairing_delete", "province_admin", "city_user"),
    ("district_list", "county_user", "audit_admin"),
    ("district_detail", "instructor", "instructor_ecjtu"),
    ("district_detail", "school_user", "outsider"),
    ("district_create", "leader", "instructor"),
    ("district_create", "province_admin", "school_user"),
    ("district_edit", "leader", "school_user"),
    ("district_edit", "province_admin", "instructor"),
    ("district_assign", "leader", "county_user"),
    ("coverage", "city_user", "system_admin"),
]


@pytest.mark.parametrize(("page", "allowed", "refused"), ACCESS)
def test_page_access(cast: Cast, client_for: Any, page: str, allowed: str, refused: str) -> None:
    url = url_for(cast, page)
    assert client_for(getattr(cast, allowed)).get(url).status_code == 200
    assert client_for(getattr(cast, refused)).get(url).status_code == 404


def test_membership_detail_redirects_to_group_or_404(cast: Cast, client_for: Any) -> None:
    url = url_for(cast, "membership_detail")
    response = client_for(cast.instructor).get(url)
    assert response.status_code == 302
    assert response["Location"].endswith(
        reverse("programme:group_detail", args=[cast.groups["ncu"].pk]) + "#members"
    )
    assert client_for(cast.outsider).get(url).status_code == 404


def test_missing_objects_answer_404(cast: Cast, client_for: Any) -> None:
    client = client_for(cast.province_admin)
    for name in ("batch_detail", "group_detail", "district_detail", "pairing_detail"):
        assert client.get(reverse(f"programme:{name}", args=[999_999])).status_code == 404


def test_home_answers_every_member_of_the_cast(cast: Cast, client_for: Any) -> None:
    for name, user in cast.users().items():
        response = client_for(user).get(reverse("core:home"))
        assert response.status_code == 200, name


def test_group_detail_shows_members_staffing_pairings_districts(
    cast: Cast, client_for: Any
) -> None:
    ncu = cast.groups["ncu"]
    old = make_user("old_member", "孙往届")
    Membership.objects.create(
        group=ncu,
        user=old,
        role=MemberRole.INSTRUCTOR,
        term_start=dt.date(2023, 1, 1),
        term_end=dt.date(2023, 12, 31),
        is_active=False,
    )
    response = client_for(cast.leader).get(url_for(cast, "group_detail"))
    html = response.content.decode()
    assert response.context["active_members"] == [
        m for m in ncu.memberships.order_by("pk") if m.role == MemberRole.LEADER
    ] + [cast.membership]
    assert [m.user for m in response.context["past_members"]] == [old]
    # The leader and one instructor against the policy's five: shown with a warning.
    assert "配备 2/5 名指导员" in html
    assert "alert-warning" in html
    assert "萍乡市" in html and "湘东片区" in html and "南昌大学" in html
    assert reverse("programme:group_edit", args=[ncu.pk]) in html  # the leader manages it
    instructor_html = client_for(cast.instructor).get(url_for(cast, "group_detail"))
    assert reverse("programme:group_edit", args=[ncu.pk]) not in instructor_html.content.decode()


def test_staffing_without_warning_when_the_group_has_its_five(cast: Cast, client_for: Any) -> None:
    ncu = cast.groups["ncu"]
    # A deputy and two instructors make five; a liaison is not counted.
    roles = [MemberRole.DEPUTY, MemberRole.INSTRUCTOR, MemberRole.INSTRUCTOR, MemberRole.LIAISON]
    for i, role in enumerate(roles):
        Membership.objects.create(
            group=ncu,
            user=make_user(f"extra{i}", f"补充{i}"),
            role=role,
            term_start=dt.date(2024, 3, 1),
        )
    # A selected, recognised lead university: no lead-university warning either (issue 11).
    uni = cast.universities["ncu"]
    cast.batch.lead_universities.add(uni)
    uni.recognitions.create(kind="示范校", unit_name="南昌大学", year=2022)
    html = client_for(cast.province_admin).get(url_for(cast, "group_detail")).content.decode()
    assert "配备 5/5 名指导员" in html
    assert "alert-warning" not in html


def test_batch_detail_shows_groups_pairings_and_coverage(cast: Cast, client_for: Any) -> None:
    response = client_for(cast.province_admin).get(url_for(cast, "batch_detail"))
    assert {g.name for g in response.context["groups"]} == {
        "南昌大学党建指导组",
        "华东交通大学党建指导组",
        "江西财经大学党建指导组",
    }
    assert response.context["pairings"].count() == 3
    total = response.context["coverage"].total
    assert (total.schools, total.paired, total.districted) == (5, 4, 1)
    # A city bureau sees the same batch through its own scope only.
    response = client_for(cast.city_user).get(url_for(cast, "batch_detail"))
    assert [g.name for g in response.context["groups"]] == ["南昌大学党建指导组"]
    total = response.context["coverage"].total
    assert (total.schools, total.paired, total.districted) == (2, 2, 1)


def test_district_detail_lists_schools_instructors_and_candidates(
    cast: Cast, client_for: Any
) -> None:
    response = client_for(cast.leader).get(url_for(cast, "district_detail"))
    html = response.content.decode()
    assert list(response.context["schools"]) == [cast.school]
    assert [m.user for m in response.context["instructors"]] == [cast.instructor]
    assert response.context["candidates"] == [cast.school_anyuan]
    assert 'id="assign-box"' in html
    # An instructor of the district reads it but manages nothing.
    response = client_for(cast.instructor).get(url_for(cast, "district_detail"))
    assert 'id="assign-box"' not in response.content.decode()
    assert "candidates" not in response.context


def test_district_school_table_is_paginated(cast: Cast, client_for: Any) -> None:
    for i in range(25):
        DistrictSchool.objects.create(
            district=cast.district,
            batch=cast.batch,
            school=make_school("360313", f"湘东区分页学校{i:02d}"),
        )
    client = client_for(cast.leader)
    first = client.get(url_for(cast, "district_detail"))
    assert len(first.context["schools"]) == 20
    assert first.context["schools"].paginator.count == 26
    second = client.get(url_for(cast, "district_detail") + "?page=2")
    assert len(second.context["schools"]) == 6


# --- lists: queries, export, htmx -----------------------------------------------------------

# Queries of each list page for the province admin (session, user, scope, filters, count,
# page): the same with 3 groups or 15, with 5 schools or 17.
LIST_QUERIES = {
    "batch_list": 7,
    "group_list": 10,
    "membership_list": 8,
    "pairing_list": 9,
    "district_list": 10,
}
LISTS = list(LIST_QUERIES)


def add_rows(cast: Cast, n: int = 12) -> None:
    """More of everything the lists show, in regions the pilot does not pair."""
    counties = list(
        Region.objects.filter(level=RegionLevel.COUNTY)
        .exclude(parent_id__in=["360300", "360500", "360600"])
        .order_by("code")[:n]
    )
    for i, county in enumerate(counties):
        group = GuidanceGroup.objects.create(
            name=f"测试指导组{i:02d}",
            level=GroupLevel.PROVINCE,
            region_id="360000",
            lead_university=cast.universities["ncu"],
            batch=cast.batch,
        )
        members = [
            Membership.objects.create(
                group=group,
                user=make_user(f"row{i}_{j}", f"成员{i}{j}"),
                role=MemberRole.INSTRUCTOR,
                term_start=dt.date(2024, 3, 1),
            )
            for j in range(2)
        ]
        Pairing.objects.create(
            batch=cast.batch, group=group, region=county, since=dt.date(2024, 3, 1)
        )
        district = District.objects.create(group=group, batch=cast.batch, name=f"片区{i}")
        district.instructors.set(members)
        DistrictSchool.objects.create(
            district=district, batch=cast.batch, school=make_school(county.code, f"测试学校{i:02d}")
        )


@pytest.mark.parametrize("page", LISTS)
def test_list_queries_do_not_grow_with_rows(
    cast: Cast, client_for: Any, page: str, django_assert_max_num_queries: Any
) -> None:
    client = client_for(cast.province_admin)
    url = url_for(cast, page)
    with django_assert_max_num_queries(LIST_QUERIES[page]) as before:
        assert client.get(url).status_code == 200
    add_rows(cast)
    with django_assert_max_num_queries(LIST_QUERIES[page]) as after:
        response = client.get(url)
    assert response.status_code == 200
    assert len(after.captured_queries) == len(before.captured_queries)
    if page != "batch_list":
        assert response.context["page"].paginator.count > 12


# What the 华东交通大学 instructor sees on each list (first column), rows of other groups added.
ECJTU_ROWS = {
    "batch_list": [1],
    "group_list": ["华东交通大学党建指导组"],
    "membership_list": ["赵指导"],
    "pairing_list": ["华东交通大学党建指导组"],
    "district_list": [],
}


@pytest.mark.parametrize("page", LISTS)
def test_lists_are_scoped(cast: Cast, client_for: Any, page: str) -> None:
    add_rows(cast, n=3)
    response = client_for(cast.instructor_ecjtu).get(url_for(cast, page))
    rows = response.context["rows"]
    assert [r["cells"][0] for r in rows] == ECJTU_ROWS[page]
    if page == "batch_list":
        # The batch's counts are of what this user may see: one group, one pairing.
        assert rows[0]["cells"][4:] == [1, 1]
    all_rows = client_for(cast.province_admin).get(url_for(cast, page)).context["page"]
    assert all_rows.paginator.count == {
        "batch_list": 1,
        "membership_list": 10,
        "district_list": 4,
    }.get(page, 6)


def test_group_list_filters_and_search(cast: Cast, client_for: Any) -> None:
    client = client_for(cast.province_admin)
    url = url_for(cast, "group_list")
    names = lambda r: [row["cells"][0] for row in r.context["rows"]]  # noqa: E731
    assert names(client.get(url, {"city": "360500"})) == ["华东交通大学党建指导组"]
    assert names(client.get(url, {"q": "财经"})) == ["江西财经大学党建指导组"]
    assert names(client.get(url, {"lead_university": cast.universities["ncu"].pk})) == [
        "南昌大学党建指导组"
    ]
    assert names(client.get(url, {"level": "city"})) == []
    assert len(names(client.get(url, {"batch": cast.batch.pk, "level": "province"}))) == 3


def test_membership_list_filters(cast: Cast, client_for: Any) -> None:
    client = client_for(cast.province_admin)
    url = url_for(cast, "membership_list")
    rows = client.get(url, {"role": MemberRole.LEADER}).context["rows"]
    assert [r["cells"][0] for r in rows] == ["王组长"]
    rows = client.get(url, {"q": "李指导"}).context["rows"]
    assert [r["cells"][1] for r in rows] == ["南昌大学党建指导组"]
    cast.membership.is_active = False
    cast.membership.save()
    rows = client.get(url, {"active": "no"}).context["rows"]
    assert [r["cells"][0] for r in rows] == ["李指导"]
    assert rows[0]["cells"][-1] == "离任"


def test_group_list_exports_xlsx(cast: Cast, client_for: Any) -> None:
    response = client_for(cast.city_user).get(url_for(cast, "group_list") + "?export=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("指导组名称", "批次", "层级")
    assert [r[0] for r in rows[1:]] == ["南昌大学党建指导组"]
    assert rows[1][4] == "南昌大学"
    event = AuditEvent.objects.get(action="export", object_type="programme.group")
    assert event.actor == cast.city_user


def test_district_list_exports_instructors(cast: Cast, client_for: Any) -> None:
    response = client_for(cast.province_admin).get(url_for(cast, "district_list") + "?export=xlsx")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1] == ("湘东片区", "南昌大学党建指导组", "第一批（试点批次）", "李指导", 1, None)


def test_htmx_list_request_gets_only_the_results(cast: Cast, client_for: Any) -> None:
    response = client_for(cast.province_admin).get(
        url_for(cast, "pairing_list"), {"q": "萍乡"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "<html" not in html and '<nav class="navbar' not in html
    assert "hh-results" in html
    assert "萍乡市" in html and "新余市" not in html


def test_htmx_candidate_search_gets_only_the_list(cast: Cast, client_for: Any) -> None:
    make_school("360321", "莲花县城关小学")
    response = client_for(cast.leader).get(
        url_for(cast, "district_assign"), {"q": "莲花"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "<html" not in html
    assert "莲花县城关小学" in html and "安源区实验中学" not in html
    assert "湘东区第一小学" not in html  # already in this district


# --- writes through the pages ---------------------------------------------------------------


def group_post(group: GuidanceGroup, **changes: Any) -> dict[str, Any]:
    data = {
        "name": group.name,
        "level": group.level,
        "region": group.region_id,
        "lead_university": group.lead_university_id or "",
        "batch": group.batch_id,
        "is_active": "on" if group.is_active else "",
        "note": group.note,
        "expected_version": group.version,
    }
    data.update(changes)
    return data


def test_concurrent_group_edit_answers_409_and_keeps_the_first_save(
    cast: Cast, client_for: Any
) -> None:
    ncu = cast.groups["ncu"]
    url = url_for(cast, "group_edit")
    admin = client_for(cast.province_admin)
    first_form = admin.get(url).context["form"]
    assert first_form["expected_version"].value() == 1
    from django.test import Client

    leader = Client()
    leader.force_login(cast.leader)
    second_form = leader.get(url).context["form"]
    assert second_form["expected_version"].value() == 1

    response = admin.post(url, group_post(ncu, note="省里的备注", expected_version=1))
    assert response.status_code == 302
    leader_data = {"name": ncu.name, "is_active": "on", "note": "组长的备注", "expected_version": 1}
    response = leader.post(url, leader_data)
    assert response.status_code == 409
    assert "已被他人修改" in response.content.decode()
    ncu.refresh_from_db()
    assert ncu.note == "省里的备注"
    assert ncu.version == 2
    assert (
        AuditEvent.objects.filter(
            object_type="programme.guidancegroup", object_id=str(ncu.pk), action="update"
        ).count()
        == 1
    )


def test_leader_edits_name_but_not_structure(cast: Cast, client_for: Any) -> None:
    ncu = cast.groups["ncu"]
    client = client_for(cast.leader)
    form = client.get(url_for(cast, "group_edit")).context["form"]
    assert set(form.fields) == {"name", "is_active", "note", "expected_version"}
    response = client.post(
        url_for(cast, "group_edit"),
        {"name": "南昌大学党建指导组（新）", "is_active": "on", "note": "", "expected_version": 1},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(object_type="programme.guidancegroup", action="update")
    assert event.changes == {"name": ["南昌大学党建指导组", "南昌大学党建指导组（新）"]}
    assert event.actor == cast.leader
    ncu.refresh_from_db()
    assert ncu.lead_university == cast.universities["ncu"]


def test_membership_add_second_leader_shows_the_error(cast: Cast, client_for: Any) -> None:
    someone = make_user("someone", "周某")
    response = client_for(cast.province_admin).post(
        url_for(cast, "membership_create"),
        {
            "user": someone.username,
            "role": MemberRole.LEADER,
            "subgroup": "",
            "term_start": "2025-01-01",
            "term_end": "",
        },
    )
    assert response.status_code == 400
    assert "该指导组已有在任组长" in response.content.decode()
    assert not Membership.objects.filter(user=someone).exists()


def test_membership_end_sets_term_end_and_inactive(cast: Cast, client_for: Any) -> None:
    response = client_for(cast.leader).post(
        url_for(cast, "membership_end"), {"term_end": "2025-06-30", "expected_version": 1}
    )
    assert response.status_code == 302
    cast.membership.refresh_from_db()
    assert cast.membership.term_end == dt.date(2025, 6, 30)
    assert cast.membership.is_active is False
    event = AuditEvent.objects.get(object_type="programme.membership", action="update")
    assert event.changes == {"term_end": [None, "2025-06-30"], "is_active": [True, False]}
    # Ended: the end page is no longer offered.
    assert client_for(cast.leader).get(url_for(cast, "membership_end")).status_code == 404


def test_pairing_create_and_delete_through_the_pages(cast: Cast, client_for: Any) -> None:
    client = client_for(cast.province_admin)
    jxufe = cast.groups["jxufe"]
    response = client.post(
        url_for(cast, "pairing_create"),
        {"batch": cast.batch.pk, "group": jxufe.pk, "region": "360300", "since": "2025-03-01"},
    )
    assert response.status_code == 400
    assert "该地区在本批次已结对" in response.content.decode()
    response = client.post(
        url_for(cast, "pairing_create"),
        {"batch": cast.batch.pk, "group": jxufe.pk, "region": "360100", "since": "2025-03-01"},
    )
    assert response.status_code == 302
    pairing = Pairing.objects.get(group=jxufe, region_id="360100")
    # The 南昌大学 pairing has a district school in it: refused, with the reason shown.
    ncu_pairing = Pairing.objects.get(group=cast.groups["ncu"])
    response = client.post(reverse("programme:pairing_delete", args=[ncu_pairing.pk]))
    assert response.status_code == 400
    assert "已划入片区" in response.content.decode()
    assert client.get(reverse("programme:pairing_delete", args=[pairing.pk])).status_code == 200
    response = client.post(reverse("programme:pairing_delete", args=[pairing.pk]))
    assert response.status_code == 302
    assert not Pairing.objects.filter(pk=pairing.pk).exists()
    event = AuditEvent.objects.get(object_type="programme.pairing", action="delete")
    assert event.object_id == str(pairing.pk)
    assert event.changes["region"] == ["南昌市 (#360100)", None]
    # Nobody else may delete, and a GET never deletes.
    assert (
        client_for(cast.city_user)
        .post(reverse("programme:pairing_delete", args=[ncu_pairing.pk]))
        .status_code
        == 404
    )
    assert Pairing.objects.filter(pk=ncu_pairing.pk).exists()


def test_district_assign_shows_every_error_and_writes_nothing(cast: Cast, client_for: Any) -> None:
    ncu = cast.groups["ncu"]
    other = District.objects.create(group=ncu, batch=cast.batch, name="安源片区")
    url = reverse("programme:district_assign", args=[other.pk])
    response = client_for(cast.leader).post(
        url, {"schools": [cast.school.pk, cast.school_anyuan.pk]}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "湘东区第一小学 已划入片区「湘东片区」" in html
    assert not DistrictSchool.objects.filter(district=other).exists()
    # A school out of the leader's sight is refused too, not silently dropped.
    response = client_for(cast.leader).post(url, {"schools": [cast.school_nanchang.pk]})
    assert response.status_code == 400
    assert "不存在或无权访问" in response.content.decode()


def test_district_assign_and_remove_through_the_pages(cast: Cast, client_for: Any) -> None:
    client = client_for(cast.leader)
    response = client.post(url_for(cast, "district_assign"), {"schools": [cast.school_anyuan.pk]})
    assert response.status_code == 302
    assert set(cast.district.assignments.values_list("school_id", flat=True)) == {
        cast.school.pk,
        cast.school_anyuan.pk,
    }
    event = AuditEvent.objects.get(object_type="programme.district", action="update")
    assert event.changes == {"schools_added": [None, ["安源区实验中学"]]}
    response = client.post(
        reverse("programme:district_remove", args=[cast.district.pk]), {"schools": [cast.school.pk]}
    )
    assert response.status_code == 302
    assert list(cast.district.assignments.values_list("school_id", flat=True)) == [
        cast.school_anyuan.pk
    ]
    assert (
        client_for(cast.instructor)
        .post(
            reverse("programme:district_remove", args=[cast.district.pk]),
            {"schools": [cast.school_anyuan.pk]},
        )
        .status_code
        == 404
    )
    assert cast.district.assignments.count() == 1


def test_district_create_with_instructors(cast: Cast, client_for: Any) -> None:
    response = client_for(cast.leader).post(
        url_for(cast, "district_create"),
        {"name": "安源片区", "note": "", "instructors": [cast.membership.pk]},
    )
    assert response.status_code == 302
    district = District.objects.get(name="安源片区")
    assert list(district.instructors.all()) == [cast.membership]
    assert (
        AuditEvent.objects.filter(
            object_type="programme.district", object_id=str(district.pk)
        ).count()
        == 2
    )
    # A membership of another group is not even a choice.
    other = Membership.objects.get(user=cast.instructor_ecjtu)
    response = client_for(cast.leader).post(
        url_for(cast, "district_create"),
        {"name": "莲花片区", "note": "", "instructors": [other.pk]},
    )
    assert response.status_code == 400
    assert not District.objects.filter(name="莲花片区").exists()


def test_batch_create_through_the_page(cast: Cast, client_for: Any) -> None:
    response = client_for(cast.province_admin).post(
        url_for(cast, "batch_create"),
        {"number": 2, "name": "第二批", "start_year": 2025, "status": "planned", "description": ""},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(object_type="programme.batch", action="create")
    assert event.changes["name"] == [None, "第二批"]
    assert (
        client_for(cast.city_user)
        .post(
            url_for(cast, "batch_create"),
            {"number": 3, "name": "第三批", "start_year": 2026, "status": "planned"},
        )
        .status_code
        == 404
    )


# --- coverage page --------------------------------------------------------------------------


def test_coverage_page_and_export_are_scoped(cast: Cast, client_for: Any) -> None:
    response = client_for(cast.city_user).get(url_for(cast, "coverage"))
    tabs = response.context["tabs"]
    # One batch: its tab, and the total (累计) which is the same figures.
    assert [t["label"] for t in tabs] == ["第一批（试点批次）", "累计"]
    assert tabs[1]["entry"].total == tabs[0]["entry"].total
    # The page shows one level: for a city bureau, its counties (issue 15).
    assert [c.label for c in tabs[0]["entry"].cities] == ["安源区", "湘东区"]
    html = response.content.decode()
    assert "湘东区" in html and "南昌市" not in html
    response = client_for(cast.city_user).get(url_for(cast, "coverage") + "?export=xlsx")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows == [
        (
            "设区市",
            "县（市、区）",
            "学校数",
            "结对地区学校数",
            "结对覆盖率（%）",
            "已划入片区学校数",
            "片区覆盖率（%）",
        ),
        ("萍乡市", None, 2, 2, 100.0, 1, 50.0),
        ("萍乡市", "安源区", 1, 1, 100.0, 0, 0.0),
        ("萍乡市", "湘东区", 1, 1, 100.0, 1, 100.0),
        ("合计", None, 2, 2, 100.0, 1, 50.0),
    ]
    assert (
        AuditEvent.objects.filter(
            action="export", object_type="programme.coverage", actor=cast.city_user
        ).count()
        == 1
    )


def test_coverage_page_drills_down_one_level_at_a_time(cast: Cast, client_for: Any) -> None:
    client = client_for(cast.province_admin)
    top = client.get(url_for(cast, "coverage"))
    cities = [c.label for c in top.context["tabs"][0]["entry"].cities]
    assert "萍乡市" in cities and "湘东区" not in top.content.decode()
    assert 'href="?region=360300"' in top.content.decode()
    city = client.get(url_for(cast, "coverage") + "?region=360300")
    assert [c.label for c in city.context["tabs"][0]["entry"].cities] == ["安源区", "湘东区"]
    assert [r.code for r in city.context["trail"]] == ["360000", "360300"]
    # A region outside the reader's scope is not found.
    outside = client_for(cast.city_user).get(url_for(cast, "coverage") + "?region=360100")
    assert outside.status_code == 404


def test_coverage_page_with_two_batches_has_a_cumulative_tab(cast: Cast, client_for: Any) -> None:
    from handinhand.programme.models import Batch

    Batch.objects.create(number=2, name="第二批", start_year=2025)
    response = client_for(cast.province_admin).get(url_for(cast, "coverage"))
    assert [t["label"] for t in response.context["tabs"]] == [
        "第一批（试点批次）",
        "第二批",
        "累计",
    ]
    workbook = load_workbook(
        BytesIO(
            client_for(cast.province_admin).get(url_for(cast, "coverage") + "?export=xlsx").content
        )
    )
    assert workbook.sheetnames == ["第一批（试点批次）", "第二批", "累计"]


# --- home page ------------------------------------------------------------------------------

# Queries of the home page per role: session, user, scope, then each section's reads.
# The first request of a session: the scope is computed (its counties one query more since
# issue 15) and cached under the version read from the shared cache; later requests skip both.
HOME_QUERIES = {"province_admin": 14, "instructor": 11, "school_user": 10}


def test_home_province_admin(
    cast: Cast, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(cast.province_admin)
    with django_assert_max_num_queries(HOME_QUERIES["province_admin"]) as before:
        response = client.get(reverse("core:home"))
    overview = response.context["overview"]
    assert (overview.batches, overview.groups, overview.instructors, overview.schools) == (
        1,
        3,
        4,
        5,
    )
    assert overview.coverage.total.paired_pct == 80.0
    assert overview.coverage.total.districted_pct == 20.0
    html = response.content.decode()
    assert "全省工作概况" in html and "各设区市覆盖情况" in html
    assert "mine" not in response.context and "my_schools" not in response.context
    add_rows(cast)
    with django_assert_max_num_queries(HOME_QUERIES["province_admin"]) as after:
        response = client.get(reverse("core:home"))
    assert len(after.captured_queries) == len(before.captured_queries)
    assert response.context["overview"].groups == 15


def test_home_city_user_sees_their_region(cast: Cast, client_for: Any) -> None:
    response = client_for(cast.city_user).get(reverse("core:home"))
    overview = response.context["overview"]
    assert overview.schools == 2
    assert overview.groups == 1
    assert [c.label for c in overview.coverage.cities] == ["萍乡市"]
    assert "本地区工作概况" in response.content.decode()


def test_home_instructor(cast: Cast, client_for: Any, django_assert_max_num_queries: Any) -> None:
    client = client_for(cast.instructor)
    with django_assert_max_num_queries(HOME_QUERIES["instructor"]) as before:
        response = client.get(reverse("core:home"))
    mine = response.context["mine"]
    assert [m.group for m in mine.memberships] == [cast.groups["ncu"]]
    assert mine.memberships[0].group_members == 2
    assert [(d.name, d.school_count) for d in mine.districts] == [("湘东片区", 1)]
    assert [p.region.name for p in mine.pairings] == ["萍乡市"]
    assert "overview" not in response.context
    # More districts and schools for this instructor: same number of queries.
    for i in range(5):
        district = District.objects.create(
            group=cast.groups["ncu"], batch=cast.batch, name=f"萍乡片区{i}"
        )
        district.instructors.add(cast.membership)
        DistrictSchool.objects.create(
            district=district, batch=cast.batch, school=make_school("360321", f"莲花学校{i}")
        )
    with django_assert_max_num_queries(HOME_QUERIES["instructor"]) as after:
        response = client.get(reverse("core:home"))
    assert len(response.context["mine"].districts) == 6
    assert len(after.captured_queries) == len(before.captured_queries)


def test_home_school_user(cast: Cast, client_for: Any, django_assert_max_num_queries: Any) -> None:
    client = client_for(cast.school_user)
    with django_assert_max_num_queries(HOME_QUERIES["school_user"]):
        response = client.get(reverse("core:home"))
    [item] = response.context["my_schools"]
    assert item.school == cast.school
    assert [p.group for p in item.pairings] == [cast.groups["ncu"]]
    assert [link.district for link in item.district_links] == [cast.district]
    assert item.local_groups == []
    html = response.content.decode()
    assert "湘东片区" in html and "李指导" in html and "南昌大学党建指导组" in html
    assert "overview" not in response.context
    # The county's own group guides the school without a pairing; other counties' do not.
    GuidanceGroup.objects.create(
        name="湘东区党建指导组", level=GroupLevel.COUNTY, region_id="360313", batch=cast.batch
    )
    GuidanceGroup.objects.create(
        name="安源区党建指导组", level=GroupLevel.COUNTY, region_id="360302", batch=cast.batch
    )
    with django_assert_max_num_queries(HOME_QUERIES["school_user"]):
        response = client.get(reverse("core:home"))
    [item] = response.context["my_schools"]
    assert [g.name for g in item.local_groups] == ["湘东区党建指导组"]


def test_home_separated_admins_get_a_pointer_to_their_page(cast: Cast, client_for: Any) -> None:
    html = client_for(cast.audit_admin).get(reverse("core:home")).content.decode()
    assert reverse("core:audit_list") in html and "全省工作概况" not in html
    html = client_for(cast.system_admin).get(reverse("core:home")).content.decode()
    assert reverse("accounts:user_list") in html and reverse("core:audit_list") not in html


def test_home_user_with_several_roles_sees_each_section(cast: Cast, client_for: Any) -> None:
    from handinhand.accounts.models import Role, RoleAssignment

    RoleAssignment.objects.create(
        user=cast.instructor, role=Role.SCHOOL_USER, school=cast.school_anyuan
    )
    response = client_for(cast.instructor).get(reverse("core:home"))
    assert "mine" in response.context
    assert [i.school for i in response.context["my_schools"]] == [cast.school_anyuan]
    assert response.context["my_schools"][0].district_links == []


# --- detail pages: queries do not grow with members, districts or schools --------------------


@pytest.mark.parametrize(
    ("page", "limit"),
    # group_detail: +1 for the lead university's warnings; batch_detail: +3 for its plan's
    # targets, lead universities and selection rounds (issue 11).
    [("group_detail", 11), ("district_detail", 11), ("batch_detail", 17), ("coverage", 11)],
)
def test_detail_queries_do_not_grow(
    cast: Cast, client_for: Any, page: str, limit: int, django_assert_max_num_queries: Any
) -> None:
    client = client_for(cast.province_admin)
    url = url_for(cast, page)
    with django_assert_max_num_queries(limit) as before:
        assert client.get(url).status_code == 200
    add_rows(cast)
    ncu = cast.groups["ncu"]
    for i in range(6):
        member = Membership.objects.create(
            group=ncu,
            user=make_user(f"more{i}", f"新成员{i}"),
            role=MemberRole.INSTRUCTOR,
            term_start=dt.date(2024, 3, 1),
        )
        district = District.objects.create(group=ncu, batch=cast.batch, name=f"新片区{i}")
        district.instructors.add(member, cast.membership)
        DistrictSchool.objects.create(
            district=cast.district, batch=cast.batch, school=make_school("360313", f"湘东新校{i}")
        )
    with django_assert_max_num_queries(limit) as after:
        assert client.get(url).status_code == 200
    assert len(after.captured_queries) == len(before.captured_queries)


def test_out_of_scope_posts_answer_404_and_write_nothing(cast: Cast, client_for: Any) -> None:
    outsider = client_for(cast.outsider)
    before = AuditEvent.objects.count()
    posts = [
        (url_for(cast, "district_assign"), {"schools": [cast.school_anyuan.pk]}),
        (
            reverse("programme:district_remove", args=[cast.district.pk]),
            {"schools": [cast.school.pk]},
        ),
        (url_for(cast, "membership_end"), {"term_end": "2025-06-30", "expected_version": 1}),
        (url_for(cast, "group_edit"), {"name": "改名", "is_active": "on", "expected_version": 1}),
        (url_for(cast, "district_edit"), {"name": "改名", "expected_version": 1}),
        (
            url_for(cast, "membership_create"),
            {"user": cast.outsider.username, "role": "指导员", "term_start": "2025-01-01"},
        ),
        (url_for(cast, "pairing_delete"), {}),
    ]
    for url, data in posts:
        assert outsider.post(url, data).status_code == 404, url
    assert AuditEvent.objects.count() == before
    assert cast.district.assignments.count() == 1
    cast.membership.refresh_from_db()
    assert cast.membership.is_active


def test_member_form_lists_no_one_and_finds_by_exact_account(cast: Cast, client_for: Any) -> None:
    """No picker of the province's accounts: the leader names the person by account or phone."""
    client = client_for(cast.leader)
    page = client.get(url_for(cast, "membership_create")).content.decode()
    assert cast.province_admin.full_name not in page and cast.school_user.full_name not in page
    someone = make_user("zhou_new", "周新")
    someone.phone = "13900001111"
    someone.save()
    base = {"role": MemberRole.INSTRUCTOR, "subgroup": "", "term_start": "2025-01-01"}
    response = client.post(url_for(cast, "membership_create"), {**base, "user": "zhou"})
    assert response.status_code == 400 and "未找到该账号" in response.content.decode()
    response = client.post(url_for(cast, "membership_create"), {**base, "user": "audit_admin"})
    assert response.status_code == 400  # 三员分立: an administrator is never a member
    response = client.post(url_for(cast, "membership_create"), {**base, "user": "13900001111"})
    assert response.status_code == 302
    assert Membership.objects.filter(user=someone, group=cast.groups["ncu"]).exists()
