"""Writes through the API go through the same services as the pages: audited, validated with
Chinese messages (422), guarded by the optimistic lock (409), and out of scope is 404 with
nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from handinhand.core.models import AuditAction, AuditEvent
from handinhand.orgs.credit_code import make_credit_code
from handinhand.orgs.models import School
from handinhand.programme.models import DistrictSchool

CONFLICT = {"detail": "该记录已被他人修改，请刷新后重试"}
NOT_FOUND = {"detail": "未找到"}


def new_school(**extra: Any) -> dict[str, Any]:
    data = {
        "name": "湘东区新建小学",
        "credit_code": make_credit_code("12", "360313", 777),
        "county": "360313",
        "school_type": "小学",
        "party_org_form": "党支部",
        "secretary": "刘书记",
        "student_count": 320,
        "teacher_count": 25,
    }
    data.update(extra)
    return data


def post(client: Any, url: str, data: Any) -> Any:
    return client.post(url, data=data, content_type="application/json")


def patch(client: Any, url: str, data: Any) -> Any:
    return client.patch(url, data=data, content_type="application/json")


# --- POST /schools --------------------------------------------------------------------------


def test_create_school_is_audited(cast, api_for):
    response = post(api_for(cast.county_user), "/api/v1/schools", new_school())
    assert response.status_code == 201, response.content
    body = response.json()
    school = School.objects.get(pk=body["id"])
    assert school.name == "湘东区新建小学" and school.county_id == "360313"
    assert body["version"] == 1 and body["city_code"] == "360300"
    event = AuditEvent.objects.get(object_type="orgs.school", object_id=str(school.pk))
    assert event.action == AuditAction.CREATE
    assert event.actor == cast.county_user
    assert event.changes["name"] == [None, "湘东区新建小学"]
    assert event.ip == "127.0.0.1"


def test_create_normalises_the_credit_code_as_the_form_does(cast, api_for):
    code = make_credit_code("12", "360313", 778)
    full_width = code.lower().translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    response = post(
        api_for(cast.county_user), "/api/v1/schools", new_school(credit_code=f" {full_width} ")
    )
    assert response.status_code == 201, response.content
    assert response.json()["credit_code"] == code


def test_create_validation_errors_are_422_in_chinese_per_field(cast, api_for):
    client = api_for(cast.county_user)
    response = post(
        client,
        "/api/v1/schools",
        new_school(credit_code="12345", contact_phone="abc", student_count=-1),
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "提交的数据有误，请检查后重试"
    errors = body["errors"]
    assert set(errors) == {"credit_code", "contact_phone", "student_count"}
    assert errors["contact_phone"] == ["联系电话只能包含数字、空格和 +-()，长度 7–20 位"]
    assert errors["student_count"] == ["确保该值大于或等于0。"]
    assert all(
        any("\u4e00" <= ch <= "\u9fff" for ch in message)
        for messages in errors.values()
        for message in messages
    ), errors
    assert not School.objects.filter(name="湘东区新建小学").exists()
    assert not AuditEvent.objects.filter(object_type="orgs.school").exists()


def test_create_with_missing_and_mistyped_fields_is_422_in_chinese(cast, api_for):
    response = post(
        api_for(cast.county_user),
        "/api/v1/schools",
        {"name": "x", "school_type": "大学", "student_count": "很多"},
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["credit_code"] == ["此字段为必填项"]
    assert errors["county"] == ["此字段为必填项"]
    assert errors["party_org_form"] == ["此字段为必填项"]
    assert errors["student_count"] == ["请输入整数"]
    assert errors["school_type"][0].startswith("请从以下选项中选择：")


def test_create_duplicate_credit_code_is_422(cast, api_for):
    response = post(
        api_for(cast.county_user),
        "/api/v1/schools",
        new_school(credit_code=cast.school.credit_code),
    )
    assert response.status_code == 422
    [message] = response.json()["errors"]["credit_code"]
    assert "已存在" in message


def test_create_in_a_county_out_of_sight_is_422(cast, api_for):
    response = post(api_for(cast.county_user), "/api/v1/schools", new_school(county="360302"))
    assert response.status_code == 422
    assert response.json()["errors"] == {"county": ["请选择有效的县（市、区）"]}
    assert not School.objects.filter(name="湘东区新建小学").exists()


def test_create_by_someone_who_may_not_is_404_and_writes_nothing(cast, api_for):
    # The instructor sees 湘东区 but does not maintain its schools; the page answers 404 too.
    for user in (cast.instructor, cast.school_user):
        response = post(api_for(user), "/api/v1/schools", new_school())
        assert response.status_code == 404
        assert response.json() == NOT_FOUND
    assert not School.objects.filter(name="湘东区新建小学").exists()
    assert not AuditEvent.objects.filter(object_type="orgs.school").exists()


# --- PATCH /schools/{id} --------------------------------------------------------------------


def test_patch_school_changes_only_what_is_sent_and_is_audited(cast, api_for):
    school = cast.school
    url = f"/api/v1/schools/{school.pk}"
    response = patch(
        api_for(cast.county_user),
        url,
        {"version": school.version, "secretary": "周书记", "teacher_count": 45},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["secretary"] == "周书记" and body["teacher_count"] == 45
    assert body["version"] == school.version + 1
    school.refresh_from_db()
    assert school.name == "湘东区第一小学" and school.student_count == 600
    event = AuditEvent.objects.get(object_type="orgs.school", action=AuditAction.UPDATE)
    assert event.actor == cast.county_user
    assert event.changes == {"secretary": ["张书记", "周书记"], "teacher_count": [40, 45]}


def test_patch_with_a_stale_version_is_409_and_writes_nothing(cast, api_for):
    url = f"/api/v1/schools/{cast.school.pk}"
    client = api_for(cast.county_user)
    version = cast.school.version
    assert patch(client, url, {"version": version, "secretary": "甲"}).status_code == 200
    response = patch(client, url, {"version": version, "secretary": "乙"})
    assert response.status_code == 409
    assert response.json() == CONFLICT
    cast.school.refresh_from_db()
    assert cast.school.secretary == "甲"
    assert AuditEvent.objects.filter(object_type="orgs.school").count() == 1


def test_patch_needs_the_version(cast, api_for):
    response = patch(
        api_for(cast.county_user), f"/api/v1/schools/{cast.school.pk}", {"secretary": "乙"}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"version": ["此字段为必填项"]}


def test_patch_validation_errors_are_422_in_chinese(cast, api_for):
    response = patch(
        api_for(cast.county_user),
        f"/api/v1/schools/{cast.school.pk}",
        {"version": cast.school.version, "name": "", "contact_phone": "电话"},
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["name"] == ["此字段不能为空。"]
    assert errors["contact_phone"] == ["联系电话只能包含数字、空格和 +-()，长度 7–20 位"]
    cast.school.refresh_from_db()
    assert cast.school.name == "湘东区第一小学"


def test_patch_with_nulls_is_422_not_a_crash(cast, api_for):
    response = patch(
        api_for(cast.county_user),
        f"/api/v1/schools/{cast.school.pk}",
        {"version": cast.school.version, "county": None, "name": None, "student_count": None},
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["county"] == ["请选择有效的县（市、区）"]
    response = patch(
        api_for(cast.county_user),
        f"/api/v1/schools/{cast.school.pk}",
        {"version": cast.school.version, "name": None, "student_count": None},
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"name", "student_count"}
    assert errors["student_count"] == ["这个值不能为 null。"]
    cast.school.refresh_from_db()
    assert cast.school.county_id == "360313" and cast.school.version == 1


def test_patch_moving_a_school_out_of_ones_region_is_refused(cast, api_for):
    # 萍乡市 staff may move a school between its counties, the county bureau may not.
    url = f"/api/v1/schools/{cast.school.pk}"
    county = patch(
        api_for(cast.county_user), url, {"version": cast.school.version, "county": "360302"}
    )
    assert county.status_code == 422
    city = patch(api_for(cast.city_user), url, {"version": cast.school.version, "county": "360302"})
    assert city.status_code == 200
    assert city.json()["county_code"] == "360302"


@pytest.mark.parametrize(
    "user_name", ["outsider", "instructor_ecjtu", "school_user", "instructor", "system_admin"]
)
def test_patch_out_of_scope_is_404_and_writes_nothing(cast, api_for, user_name):
    school = cast.school
    response = patch(
        api_for(getattr(cast, user_name)),
        f"/api/v1/schools/{school.pk}",
        {"version": school.version, "secretary": "越权修改"},
    )
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    school.refresh_from_db()
    assert school.secretary == "张书记" and school.version == 1
    assert not AuditEvent.objects.filter(object_type="orgs.school").exists()


def test_patch_missing_school_is_404(cast, api_for):
    response = patch(
        api_for(cast.province_admin), "/api/v1/schools/987654", {"version": 1, "secretary": "x"}
    )
    assert response.status_code == 404


# --- POST /districts/{id}/schools -----------------------------------------------------------


def test_assign_schools_to_a_district(cast, api_for):
    url = f"/api/v1/districts/{cast.district.pk}/schools"
    response = post(api_for(cast.leader), url, {"school_ids": [cast.school_anyuan.pk]})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "added": 1,
        "school_ids": sorted([cast.school.pk, cast.school_anyuan.pk]),
    }
    assert DistrictSchool.objects.filter(district=cast.district, school=cast.school_anyuan).exists()
    event = AuditEvent.objects.get(object_type="programme.district", action=AuditAction.UPDATE)
    assert event.actor == cast.leader
    assert event.changes == {"schools_added": [None, ["安源区实验中学"]]}


def test_assign_a_school_outside_the_pairing_is_422(cast, api_for):
    url = f"/api/v1/districts/{cast.district.pk}/schools"
    response = post(api_for(cast.province_admin), url, {"school_ids": [cast.school_xinyu.pk]})
    assert response.status_code == 422
    assert response.json()["errors"] == {"__all__": ["新余市渝水区第二小学 不在本指导组结对地区内"]}
    assert not DistrictSchool.objects.filter(school=cast.school_xinyu).exists()


def test_assign_unknown_or_invisible_schools_is_422(cast, api_for):
    url = f"/api/v1/districts/{cast.district.pk}/schools"
    response = post(api_for(cast.leader), url, {"school_ids": [cast.school_nanchang.pk, 999999]})
    assert response.status_code == 422
    [message] = response.json()["errors"]["school_ids"]
    assert message.startswith("以下学校不存在或不在您的数据范围内：")
    assert not AuditEvent.objects.filter(object_type="programme.district").exists()


def test_assign_needs_schools(cast, api_for):
    url = f"/api/v1/districts/{cast.district.pk}/schools"
    response = post(api_for(cast.leader), url, {"school_ids": []})
    assert response.status_code == 422
    assert response.json()["errors"] == {"school_ids": ["长度不能少于 1"]}


@pytest.mark.parametrize(
    "user_name", ["outsider", "instructor_ecjtu", "instructor", "county_user", "school_user"]
)
def test_assign_by_someone_who_may_not_is_404_and_writes_nothing(cast, api_for, user_name):
    # Out of sight (outsider, 华东交大) or in sight but not managing the group (a plain
    # instructor, the county bureau, the school): 404 either way, as on the pages.
    url = f"/api/v1/districts/{cast.district.pk}/schools"
    response = post(api_for(getattr(cast, user_name)), url, {"school_ids": [cast.school.pk]})
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert DistrictSchool.objects.filter(district=cast.district).count() == 1
    assert not AuditEvent.objects.filter(object_type="programme.district").exists()
