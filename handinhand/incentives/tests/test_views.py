"""The pages: the workflow through forms, lists and their export, the publicity list, the
unit contact's and the province's views, a person's history, and the public verification."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from handinhand.incentives.models import Assessment, AssessmentStatus, Priority
from handinhand.incentives.services import letters_ensure
from handinhand.incentives.tests.factories import final_year, open_year, record
from handinhand.orgs.models import Unit
from handinhand.orgs.units import plan_units

pytestmark = pytest.mark.django_db


def test_the_workflow_through_the_pages(cast, client_for):
    year = open_year(cast)
    a = record(year, cast.instructor)
    url = reverse("incentives:assessment_summary", args=[a.pk])
    client = client_for(cast.instructor)
    response = client.post(
        url, {"self_summary": "全年到校指导 12 次", "submit": "on", "expected_version": a.version}
    )
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.status == AssessmentStatus.SUBMITTED

    client = client_for(cast.leader)
    page = client.get(a.get_absolute_url())
    assert "提出建议等次" in page.content.decode()
    response = client.post(
        reverse("incentives:assessment_propose", args=[a.pk]),
        {"grade": "基本合格", "comment": "", "expected_version": a.version},
    )
    assert response.status_code == 400 and "说明理由" in response.content.decode()
    client.post(
        reverse("incentives:assessment_propose", args=[a.pk]),
        {"grade": "优秀", "comment": "成效突出", "expected_version": a.version},
    )
    a.refresh_from_db()
    assert a.status == AssessmentStatus.PROPOSED

    client = client_for(cast.province_admin)
    page = client.get(reverse("incentives:assessment_confirm", args=[a.pk]))
    assert "最多 1 人" in page.content.decode()
    client.post(
        reverse("incentives:assessment_confirm", args=[a.pk]),
        {"grade": "优秀", "reason": "", "expected_version": a.version},
    )
    a.refresh_from_db()
    assert (a.status, a.grade) == (AssessmentStatus.CONFIRMED, "优秀")


def test_lists_are_scoped_and_export(cast, client_for, django_assert_max_num_queries):
    year = open_year(cast)
    client = client_for(cast.leader)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("incentives:assessment_list")).content.decode()
    assert "李指导" in page and "赵指导" not in page
    client = client_for(cast.instructor)
    page = client.get(reverse("incentives:assessment_list")).content.decode()
    assert "李指导" in page and "王组长" not in page
    client = client_for(cast.unit_contact)
    page = client.get(reverse("incentives:assessment_list")).content.decode()
    assert "王组长" in page and "赵指导" not in page
    client = client_for(cast.province_admin)
    response = client.get(
        reverse("incentives:assessment_list"), {"year": year.year, "export": "xlsx"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_final_results_for_unit_contact_province_and_person(cast, client_for):
    year = final_year(cast)
    contact = client_for(cast.unit_contact)
    page = contact.get(reverse("incentives:priority_list")).content.decode()
    assert "职称评聘" in page and "李指导" in page
    priority = Priority.objects.filter(user=cast.instructor, area="职称评聘").get()
    response = contact.post(
        reverse("incentives:priority_record", args=[priority.pk]),
        {"applied": "1", "note": "2026年职称评聘，同等条件优先", "expected_version": 1},
    )
    assert response.status_code == 302
    admin = client_for(cast.province_admin)
    page = admin.get(reverse("incentives:unit_counts")).content.decode()
    assert "南昌大学" in page and "25%" in page
    mine = client_for(cast.instructor).get(reverse("incentives:my_history")).content.decode()
    assert "优秀" in mine and "已落实" in mine
    publicity = client_for(cast.instructor_ecjtu).get(
        reverse("incentives:year_publicity", args=[year.pk])
    )
    assert "李指导" in publicity.content.decode()


def test_letter_downloads_and_its_code_verifies_publicly(cast, client_for):
    year = final_year(cast)
    letters_ensure(year)
    a = record(year, cast.instructor)
    response = client_for(cast.instructor).get(reverse("incentives:letter_download", args=[a.pk]))
    assert response.status_code == 200
    letter = a.letter
    cache.clear()
    anonymous = Client()
    url = reverse("incentives:verify")
    page = anonymous.get(url, {"number": letter.number, "code": letter.code.lower()})
    body = page.content.decode()
    assert page.status_code == 200 and "通知书真实有效" in body
    assert "李指导" in body and "优秀" in body and "职称评聘" in body
    assert "南昌大学" not in body  # no other personal data
    wrong = anonymous.get(url, {"number": letter.number, "code": "AAAAAAAAAAAA"}).content
    missing = anonymous.get(url, {"number": "不存在〔2025〕999号", "code": letter.code}).content
    marker = "未找到与该编号和验证码相符的通知书".encode()
    assert marker in wrong and marker in missing


def test_verification_is_rate_limited(cast):
    cache.clear()
    anonymous = Client()
    url = reverse("incentives:verify")
    for _ in range(10):
        assert anonymous.get(url, {"number": "x", "code": "y"}).status_code == 200
    assert anonymous.get(url, {"number": "x", "code": "y"}).status_code == 429
    cache.clear()


def test_free_text_units_become_units():
    universities = [(1, "南昌大学", "南大", "360100")]
    regions = [
        ("360000", "江西省", "province", ""),
        ("360300", "萍乡市", "city", "360000"),
        ("360313", "湘东区", "county", "360300"),
        ("360100", "南昌市", "city", "360000"),
    ]
    plan = plan_units(
        ["南昌大学", "南大", " 萍乡市湘东区教育局 ", "萍乡市教育局", "某公司", ""],
        universities,
        regions,
    )
    assert plan["南昌大学"] == ("南昌大学", 1, "360100")
    assert plan["南大"] == ("南昌大学", 1, "360100")
    assert plan["萍乡市湘东区教育局"] == ("萍乡市湘东区教育局", None, "360313")
    assert plan["萍乡市教育局"] == ("萍乡市教育局", None, "360300")
    assert plan["某公司"] == ("某公司", None, None)


def test_unit_contacts_scope_is_their_units_people(cast):
    from handinhand.core.scope import get_scope
    from handinhand.incentives.tests.factories import ncu_unit

    unit = ncu_unit(cast)
    assert get_scope(cast.unit_contact).unit_ids == frozenset({unit.pk})
    assert list(Unit.objects.visible_to(cast.unit_contact)) == [unit]
    assert not Assessment.objects.visible_to(cast.outsider).exists()
