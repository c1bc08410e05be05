"""/api/v1 for the assessment: the same services and scope as the pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from handinhand.api.services import api_token_create
from handinhand.incentives.models import AssessmentYear, Priority
from handinhand.incentives.tests.factories import LAST_YEAR, final_year, ncu_unit, record

pytestmark = pytest.mark.django_db
NOT_FOUND = {"detail": "未找到"}


def api(user: Any) -> Client:
    _token, raw = api_token_create(actor=user, name="测试令牌")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def post(client: Client, url: str, data: Any) -> Any:
    return client.post(url, data=data, content_type="application/json")


def test_the_workflow_through_the_api(cast):
    ncu_unit(cast)
    admin = api(cast.province_admin)
    response = post(admin, "/api/v1/assessment-years", {"year": LAST_YEAR})
    assert response.status_code == 201, response.content
    again = post(admin, "/api/v1/assessment-years", {"year": LAST_YEAR})
    assert again.status_code == 422 and "已开启" in again.content.decode()
    assert post(api(cast.leader), "/api/v1/assessment-years", {"year": 2020}).status_code == 404

    a = record(AssessmentYear.objects.get(), cast.instructor)
    base = f"/api/v1/assessments/{a.pk}"
    mine = api(cast.instructor)
    assert mine.get(base).json()["evidence"]["visits_joined"] == 0
    assert api(cast.instructor_ecjtu).get(base).json() == NOT_FOUND
    ok = post(mine, f"{base}/summary", {"text": "述职", "submit": True, "version": a.version})
    assert ok.status_code == 200 and ok.json()["status"] == "submitted"
    leader = api(cast.leader)
    low = post(leader, f"{base}/proposal", {"grade": "不合格"})
    assert low.status_code == 422 and "说明理由" in low.content.decode()
    assert post(api(cast.outsider), f"{base}/proposal", {"grade": "合格"}).status_code == 404
    assert post(leader, f"{base}/proposal", {"grade": "合格"}).json()["status"] == "proposed"
    done = post(admin, f"{base}/confirmation", {})
    assert done.status_code == 200 and done.json()["grade"] == "合格"
    listed = {row["full_name"] for row in leader.get("/api/v1/assessments").json()["items"]}
    assert listed == {"李指导", "王组长"}


def test_priorities_through_the_api(cast):
    final_year(cast)
    contact = api(cast.unit_contact)
    items = contact.get("/api/v1/priorities").json()["items"]
    assert len(items) == 4 and {i["full_name"] for i in items} == {"李指导"}
    assert api(cast.instructor_ecjtu).get("/api/v1/priorities").json()["items"] == []
    pk = Priority.objects.filter(area="职称评聘").get().pk
    url = f"/api/v1/priorities/{pk}/application"
    assert post(api(cast.leader), url, {"applied": True, "note": "x"}).status_code == 404
    ok = post(contact, url, {"applied": True, "note": "2026年职称评聘，同等条件优先"})
    assert ok.status_code == 200 and ok.json()["status"] == "applied"
