import io

import openpyxl
import pytest
from django.urls import reverse

from handinhand.conftest import make_school
from handinhand.core.exceptions import ConflictError, PermissionDeniedError
from handinhand.core.models import AuditEvent
from handinhand.orgs import services
from handinhand.orgs.credit_code import is_valid_credit_code, make_credit_code
from handinhand.orgs.models import School


def test_credit_code_check_character():
    # A published code (国家市场监督管理总局 example style) and our generator agree with GB 32100.
    code = make_credit_code("12", "360313", 42)
    assert is_valid_credit_code(code)
    broken = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert not is_valid_credit_code(broken)
    assert is_valid_credit_code("91350100M000100Y43")


def test_school_create_is_audited(cast):
    school = services.school_create(
        actor=cast.county_user,
        name="湘东区新建小学",
        credit_code=make_credit_code("12", "360313", 9001),
        county=cast.school.county,
        school_type="小学",
        party_org_form="党支部",
    )
    event = AuditEvent.objects.get(
        action="create", object_type="orgs.school", object_id=str(school.pk)
    )
    assert event.actor == cast.county_user
    assert event.changes["name"] == [None, "湘东区新建小学"]


def test_school_update_records_old_and_new_and_bumps_version(cast):
    school = services.school_update(
        actor=cast.county_user,
        school=cast.school,
        data={"secretary": "刘新书记"},
        expected_version=1,
    )
    assert school.version == 2
    event = AuditEvent.objects.get(action="update", object_id=str(school.pk))
    assert event.changes == {"secretary": ["张书记", "刘新书记"]}


def test_stale_version_is_a_conflict_and_loses_nothing(cast):
    services.school_update(
        actor=cast.county_user, school=cast.school, data={"secretary": "第一人"}, expected_version=1
    )
    with pytest.raises(ConflictError):
        services.school_update(
            actor=cast.city_user,
            school=cast.school,
            data={"secretary": "第二人"},
            expected_version=1,
        )
    cast.school.refresh_from_db()
    assert cast.school.secretary == "第一人"


def test_county_user_cannot_move_a_school_out_of_their_county(cast):
    with pytest.raises(PermissionDeniedError):
        services.school_update(
            actor=cast.county_user,
            school=cast.school,
            data={"county": cast.school_anyuan.county},
            expected_version=1,
        )


@pytest.mark.parametrize("who", ["instructor", "school_user", "outsider", "system_admin"])
def test_others_cannot_write_schools(cast, who):
    with pytest.raises(PermissionDeniedError):
        services.school_update(
            actor=getattr(cast, who),
            school=cast.school,
            data={"secretary": "x"},
            expected_version=None,
        )


def test_school_list_shows_only_scope(cast, client_for):
    response = client_for(cast.city_user).get(reverse("orgs:school_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert cast.school.name in body and cast.school_anyuan.name in body
    assert cast.school_xinyu.name not in body and cast.school_nanchang.name not in body


def test_school_list_filters_search_sort_and_htmx(cast, client_for):
    client = client_for(cast.province_admin)
    body = client.get(reverse("orgs:school_list"), {"city": "360300"}).content.decode()
    assert cast.school.name in body and cast.school_xinyu.name not in body
    body = client.get(reverse("orgs:school_list"), {"q": "实验"}).content.decode()
    assert cast.school_anyuan.name in body and cast.school.name not in body
    body = client.get(reverse("orgs:school_list"), {"districted": "yes"}).content.decode()
    assert cast.school.name in body and cast.school_anyuan.name not in body
    response = client.get(reverse("orgs:school_list"), {"sort": "-name"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in response.content and b"<table" in response.content


def test_school_list_query_count_does_not_grow(cast, client_for, django_assert_max_num_queries):
    # session, user, scope (2), count, page, regions for the filters (2), the nav's to-do badge
    client = client_for(cast.province_admin)
    client.get(reverse("orgs:school_list"))  # warm the session and caches
    with django_assert_max_num_queries(9):
        client.get(reverse("orgs:school_list"))
    for n in range(40):
        make_school("360313", f"批量学校{n}")
    with django_assert_max_num_queries(9):
        response = client.get(reverse("orgs:school_list"), {"per_page": 100})
    assert response.content.decode().count("批量学校") == 40


def test_school_export_has_every_filtered_row(cast, client_for):
    for n in range(30):
        make_school("360313", f"导出学校{n}")
    response = client_for(cast.county_user).get(
        reverse("orgs:school_list"), {"export": "xlsx", "q": "导出"}
    )
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "学校名称"
    assert sorted(r[0] for r in rows[1:]) == sorted(f"导出学校{n}" for n in range(30))
    assert AuditEvent.objects.filter(action="export", actor=cast.county_user).count() == 1


def test_school_detail_and_edit_scope(cast, client_for):
    url = reverse("orgs:school_detail", args=[cast.school.pk])
    assert client_for(cast.school_user).get(url).status_code == 200
    assert client_for(cast.outsider).get(url).status_code == 404
    assert client_for(cast.instructor_ecjtu).get(url).status_code == 404
    edit = reverse("orgs:school_edit", args=[cast.school.pk])
    # The school may read its record but not edit it; nothing is revealed by the answer.
    assert client_for(cast.school_user).get(edit).status_code == 404
    response = client_for(cast.outsider).post(edit, {"name": "改名"})
    assert response.status_code == 404
    cast.school.refresh_from_db()
    assert cast.school.name == "湘东区第一小学"


def _form_data(school, **over):
    data = {
        "name": school.name,
        "credit_code": school.credit_code,
        "county": school.county_id,
        "school_type": school.school_type,
        "party_org_form": school.party_org_form,
        "secretary": school.secretary,
        "principal": "",
        "contact_phone": "",
        "student_count": school.student_count,
        "teacher_count": school.teacher_count,
        "expected_version": school.version,
    }
    data.update(over)
    return data


def test_edit_form_saves_and_conflicts(cast, client_for):
    edit = reverse("orgs:school_edit", args=[cast.school.pk])
    client = client_for(cast.county_user)
    stale = _form_data(cast.school, secretary="甲")
    response = client.post(edit, _form_data(cast.school, secretary="乙"))
    assert response.status_code == 302
    response = client.post(edit, stale)
    assert response.status_code == 409
    assert "已被他人修改" in response.content.decode()
    cast.school.refresh_from_db()
    assert cast.school.secretary == "乙"


def test_create_form_reports_missing_and_overlong_fields(cast, client_for):
    client = client_for(cast.county_user)
    response = client.post(
        reverse("orgs:school_create"), {"name": "学" * 101, "credit_code": "123"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "这个字段是必填项" in body
    assert "不超过 100 字符" in body
    assert School.objects.count() == 5


def test_create_form_duplicate_credit_code(cast, client_for):
    client = client_for(cast.county_user)
    data = _form_data(cast.school, name="另一所学校")
    data.pop("expected_version")
    response = client.post(reverse("orgs:school_create"), data)
    assert response.status_code == 400
    assert "统一社会信用代码" in response.content.decode()
    assert School.objects.filter(name="另一所学校").count() == 0


def test_create_form_full_width_credit_code_is_normalised(cast, client_for):
    code = make_credit_code("12", "360313", 777)
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in code)
    data = _form_data(cast.school, name="全角学校", credit_code=f" {full_width} ")
    data.pop("expected_version")
    response = client_for(cast.county_user).post(reverse("orgs:school_create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert School.objects.get(name="全角学校").credit_code == code


def test_university_and_region_pages_scope(cast, client_for):
    ncu = cast.universities["ncu"]
    url = reverse("orgs:university_detail", args=[ncu.pk])
    assert client_for(cast.instructor).get(url).status_code == 200
    assert client_for(cast.city_user).get(url).status_code == 200  # paired with 萍乡市
    assert client_for(cast.outsider).get(url).status_code == 404
    assert client_for(cast.instructor_ecjtu).get(url).status_code == 404
    assert (
        client_for(cast.city_user).get(reverse("orgs:university_edit", args=[ncu.pk])).status_code
        == 404
    )
    region = reverse("orgs:region_detail", args=["360313"])
    assert client_for(cast.county_user).get(region).status_code == 200
    assert client_for(cast.outsider).get(region).status_code == 404
    body = client_for(cast.city_user).get(reverse("orgs:region_list")).content.decode()
    assert "湘东区" in body and "渝水区" not in body


def test_recognition_add_is_province_admin_only_and_audited(cast, client_for):
    ncu = cast.universities["ncu"]
    url = reverse("orgs:university_recognition_add", args=[ncu.pk])
    data = {"kind": "标杆院系", "unit_name": "马克思主义学院", "year": 2024}
    assert client_for(cast.instructor).post(url, data).status_code == 404
    assert not ncu.recognitions.exists()
    assert client_for(cast.province_admin).post(url, data).status_code == 302
    recognition = ncu.recognitions.get()
    assert recognition.unit_name == "马克思主义学院"
    assert AuditEvent.objects.filter(
        action="create", object_type="orgs.universityrecognition", object_id=str(recognition.pk)
    ).exists()
    response = client_for(cast.province_admin).post(url, data)  # the same one again
    assert response.status_code == 400
    assert ncu.recognitions.count() == 1


def test_exports_never_carry_formulas(cast, client_for):
    """A name typed as a formula stays text in every export (no =HYPERLINK in the reader's
    Excel), in the streamed list export and in workbooks built in memory."""
    from openpyxl import Workbook

    from handinhand.core.exports import xlsx_response

    evil = '=HYPERLINK("http://evil.example","点我")'
    make_school("360313", evil)
    response = client_for(cast.county_user).get(reverse("orgs:school_list"), {"export": "xlsx"})
    cells = [
        c
        for row in openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows()
        for c in row
        if c.value == evil
    ]
    assert cells and all(c.data_type == "s" for c in cells)
    workbook = Workbook()
    workbook.active.append([evil])
    reread = openpyxl.load_workbook(io.BytesIO(xlsx_response(workbook, "x.xlsx").content))
    assert reread.active["A1"].value == evil and reread.active["A1"].data_type == "s"


def test_an_edit_without_its_version_is_refused(cast, client_for):
    """Posting an edit form without the version it was loaded at would skip the conflict check:
    the form refuses it and nothing is written."""
    data = _form_data(cast.school, secretary="无版本")
    data.pop("expected_version")
    response = client_for(cast.county_user).post(
        reverse("orgs:school_edit", args=[cast.school.pk]), data
    )
    assert response.status_code == 400
    assert "表单已过期" in response.content.decode()
    cast.school.refresh_from_db()
    assert cast.school.secretary == "张书记"
