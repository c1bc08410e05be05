"""Every endpoint answers with the caller's scope only: lists hold the rows visible_to(user)
returns (and, for the pilot cast, exactly the rows named here); every detail answers 404 with
{"detail": "未找到"} to anyone out of scope."""

from __future__ import annotations

from typing import Any

import pytest

from handinhand.orgs.models import Region, School, University
from handinhand.programme.models import (
    Batch,
    District,
    GuidanceGroup,
    Membership,
    Pairing,
)

NOT_FOUND = {"detail": "未找到"}

ALL_SCHOOLS = {
    "湘东区第一小学",
    "安源区实验中学",
    "新余市渝水区第二小学",
    "鹰潭市月湖区第三小学",
    "南昌市东湖区育才学校",
}
PINGXIANG = {"湘东区第一小学", "安源区实验中学"}

# Who sees which schools and groups in the pilot: the programme's scope rules (DESIGN §2).
EXPECTED_SCHOOLS = {
    "province_admin": ALL_SCHOOLS,
    "instructor": PINGXIANG,
    "leader": PINGXIANG,
    "instructor_ecjtu": {"新余市渝水区第二小学"},
    "instructor_jxufe": {"鹰潭市月湖区第三小学"},
    "city_user": PINGXIANG,
    "county_user": {"湘东区第一小学"},
    "school_user": {"湘东区第一小学"},
    "outsider": {"南昌市东湖区育才学校"},
    "system_admin": set(),
    "security_admin": set(),
    "audit_admin": set(),
}
NCU = "南昌大学党建指导组"
EXPECTED_GROUPS = {
    "province_admin": {NCU, "华东交通大学党建指导组", "江西财经大学党建指导组"},
    "instructor": {NCU},
    "leader": {NCU},
    "instructor_ecjtu": {"华东交通大学党建指导组"},
    "instructor_jxufe": {"江西财经大学党建指导组"},
    "city_user": {NCU},
    "county_user": {NCU},
    "school_user": {NCU},
    "outsider": set(),
    "system_admin": set(),
    "security_admin": set(),
    "audit_admin": set(),
}

# endpoint → (model, key of an item in the answer, model field it is)
LISTS: dict[str, tuple[Any, str, str]] = {
    "regions": (Region, "code", "pk"),
    "universities": (University, "id", "pk"),
    "schools": (School, "id", "pk"),
    "groups": (GuidanceGroup, "id", "pk"),
    "memberships": (Membership, "id", "pk"),
    "pairings": (Pairing, "id", "pk"),
    "districts": (District, "id", "pk"),
    "batches": (Batch, "id", "pk"),
}


def _items(client: Any, path: str) -> list[dict[str, Any]]:
    response = client.get(path, {"limit": 500})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["items"])
    return body["items"]


def test_school_list_is_the_callers_scope(cast, api_for):
    for name, user in cast.users().items():
        names = {s["name"] for s in _items(api_for(user), "/api/v1/schools")}
        assert names == EXPECTED_SCHOOLS[name], name


def test_group_list_is_the_callers_scope(cast, api_for):
    for name, user in cast.users().items():
        names = {g["name"] for g in _items(api_for(user), "/api/v1/groups")}
        assert names == EXPECTED_GROUPS[name], name


def test_every_list_holds_exactly_the_visible_rows(cast, api_for):
    for name, user in cast.users().items():
        client = api_for(user)
        for endpoint, (model, key, field) in LISTS.items():
            got = {item[key] for item in _items(client, f"/api/v1/{endpoint}")}
            expected = set(model.objects.visible_to(user).values_list(field, flat=True))
            assert got == expected, (name, endpoint)


def test_lists_are_empty_for_the_separated_administrators(cast, api_for):
    for user in (cast.system_admin, cast.security_admin, cast.audit_admin):
        client = api_for(user)
        for endpoint in LISTS:
            assert _items(client, f"/api/v1/{endpoint}") == [], endpoint
        assert client.get("/api/v1/coverage").json() == []


def test_outsider_sees_nothing_of_the_pilot(cast, api_for):
    client = api_for(cast.outsider)
    for endpoint in ("universities", "groups", "memberships", "pairings", "districts"):
        assert _items(client, f"/api/v1/{endpoint}") == [], endpoint
    regions = {r["code"] for r in _items(client, "/api/v1/regions")}
    assert "360100" in regions and "360102" in regions
    assert not regions & {"360300", "360313", "360500", "360600"}


def test_coverage_counts_only_schools_in_scope(cast, api_for):
    [county] = api_for(cast.county_user).get("/api/v1/coverage").json()
    assert county["batch_id"] == cast.batch.pk
    assert county["total"]["schools"] == 1
    assert county["total"]["districted"] == 1
    assert [c["region_code"] for c in county["cities"]] == ["360300"]
    assert [c["region_code"] for c in county["cities"][0]["children"]] == ["360313"]

    [province] = api_for(cast.province_admin).get("/api/v1/coverage").json()
    assert province["total"] == {
        "region_code": None,
        "label": "合计",
        "level": "total",
        "schools": 5,
        "paired": 4,
        "districted": 1,
        "paired_pct": 80.0,
        "districted_pct": 20.0,
        "children": [],
    }
    assert {c["region_code"] for c in province["cities"]} == {
        "360100",
        "360300",
        "360500",
        "360600",
    }

    [outsider] = api_for(cast.outsider).get("/api/v1/coverage").json()
    assert outsider["total"]["schools"] == 1 and outsider["total"]["paired"] == 0


# --- details: the scope matrix --------------------------------------------------------------


def _detail_cases(cast: Any) -> list[tuple[str, Any, str]]:
    """(endpoint, object, url) for every detail endpoint and every object of the cast."""
    cases: list[tuple[str, Any, str]] = []
    for school in School.objects.all():
        cases.append(("schools", school, f"/api/v1/schools/{school.pk}"))
    for group in GuidanceGroup.objects.all():
        cases.append(("groups", group, f"/api/v1/groups/{group.pk}"))
    for university in University.objects.all():
        cases.append(("universities", university, f"/api/v1/universities/{university.pk}"))
    for district in District.objects.all():
        cases.append(("districts", district, f"/api/v1/districts/{district.pk}"))
    for code in (
        "360000",
        "360100",
        "360102",
        "360300",
        "360313",
        "360302",
        "360500",
        "360502",
        "360600",
        "360602",
    ):
        cases.append(("regions", Region.objects.get(pk=code), f"/api/v1/regions/{code}"))
    return cases


def test_detail_scope_matrix(cast, api_for):
    cases = _detail_cases(cast)
    denied: dict[str, int] = {}
    allowed: dict[str, int] = {}
    for name, user in cast.users().items():
        client = api_for(user)
        for endpoint, obj, url in cases:
            visible = type(obj).objects.visible_to(user).filter(pk=obj.pk).exists()
            response = client.get(url)
            if visible:
                assert response.status_code == 200, (name, url)
                allowed[endpoint] = allowed.get(endpoint, 0) + 1
            else:
                assert response.status_code == 404, (name, url)
                assert response.json() == NOT_FOUND, (name, url)
                denied[endpoint] = denied.get(endpoint, 0) + 1
    # The matrix really tried both sides of every endpoint.
    for endpoint in ("schools", "groups", "universities", "districts", "regions"):
        assert allowed.get(endpoint, 0) > 0 and denied.get(endpoint, 0) > 0, endpoint


@pytest.mark.parametrize(
    "user_name, url",
    [
        ("outsider", "/api/v1/schools/{school}"),
        ("county_user", "/api/v1/schools/{school_anyuan}"),
        ("school_user", "/api/v1/schools/{school_anyuan}"),
        ("instructor", "/api/v1/schools/{school_xinyu}"),
        ("instructor_ecjtu", "/api/v1/schools/{school}"),
        ("outsider", "/api/v1/groups/{group_ncu}"),
        ("instructor_jxufe", "/api/v1/groups/{group_ncu}"),
        ("outsider", "/api/v1/districts/{district}"),
        ("instructor_ecjtu", "/api/v1/districts/{district}"),
        ("outsider", "/api/v1/universities/{ncu}"),
        ("county_user", "/api/v1/regions/360302"),
        ("outsider", "/api/v1/regions/360300"),
        ("system_admin", "/api/v1/regions/360000"),
        ("province_admin", "/api/v1/schools/999999"),
        ("province_admin", "/api/v1/regions/999999"),
    ],
)
def test_out_of_scope_detail_is_404(cast, api_for, user_name, url):
    ids = {
        "school": cast.school.pk,
        "school_anyuan": cast.school_anyuan.pk,
        "school_xinyu": cast.school_xinyu.pk,
        "group_ncu": cast.groups["ncu"].pk,
        "district": cast.district.pk,
        "ncu": cast.universities["ncu"].pk,
    }
    response = api_for(getattr(cast, user_name)).get(url.format(**ids))
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_school_detail_shows_its_district_and_paired_group(cast, api_for):
    body = api_for(cast.county_user).get(f"/api/v1/schools/{cast.school.pk}").json()
    assert body["name"] == "湘东区第一小学"
    assert body["county_code"] == "360313" and body["city_code"] == "360300"
    assert [d["district_name"] for d in body["districts"]] == ["湘东片区"]
    assert [p["group_name"] for p in body["pairings"]] == ["南昌大学党建指导组"]
    assert body["version"] == cast.school.version


def test_group_detail_has_members_pairings_and_districts(cast, api_for):
    body = api_for(cast.instructor).get(f"/api/v1/groups/{cast.groups['ncu'].pk}").json()
    assert {m["full_name"]: m["role"] for m in body["members"]} == {
        "李指导": "指导员",
        "王组长": "组长",
    }
    assert body["member_count"] == 2
    assert [(p["region_code"], p["region_name"]) for p in body["pairings"]] == [
        ("360300", "萍乡市")
    ]
    assert body["districts"] == [
        {
            "id": cast.district.pk,
            "name": "湘东片区",
            "school_count": 1,
            "instructor_ids": [cast.membership.pk],
        }
    ]
    assert body["lead_university_name"] == "南昌大学"


def test_district_detail_lists_only_school_ids_in_scope(cast, api_for):
    from handinhand.programme.models import DistrictSchool

    DistrictSchool.objects.create(
        district=cast.district, school=cast.school_anyuan, batch=cast.batch
    )
    url = f"/api/v1/districts/{cast.district.pk}"
    instructor = api_for(cast.instructor).get(url).json()
    assert instructor["school_ids"] == sorted([cast.school.pk, cast.school_anyuan.pk])
    assert instructor["school_count"] == 2
    # The county bureau sees the district of the group paired with its city, but only its
    # own county's school in it.
    county = api_for(cast.county_user).get(url).json()
    assert county["school_ids"] == [cast.school.pk]


def test_region_detail_children_are_in_scope_only(cast, api_for):
    province = api_for(cast.province_admin).get("/api/v1/regions/360300").json()
    county = api_for(cast.county_user).get("/api/v1/regions/360300").json()
    assert {c["code"] for c in province["children"]} >= {"360302", "360313"}
    assert [c["code"] for c in county["children"]] == ["360313"]
    assert county["parent"] == {"code": "360000", "name": "江西省"}


def test_university_detail_lists_groups_in_scope(cast, api_for):
    body = api_for(cast.city_user).get(f"/api/v1/universities/{cast.universities['ncu'].pk}").json()
    assert body["name"] == "南昌大学"
    assert [g["name"] for g in body["groups"]] == ["南昌大学党建指导组"]
