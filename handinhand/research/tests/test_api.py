"""/api/v1 for research calls: the same services and scope as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from handinhand.api.services import api_token_create
from handinhand.research.models import ResearchApplication, ResearchCall
from handinhand.research.tests.factories import CATALOGUE, FULL_MARKS, expert, past_deadline

pytestmark = pytest.mark.django_db
NOT_FOUND = {"detail": "未找到"}


def api(user: Any) -> Client:
    _token, raw = api_token_create(actor=user, name="测试令牌")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def post(client: Client, url: str, data: Any = None) -> Any:
    return client.post(url, data=data or {}, content_type="application/json")


def test_the_call_through_the_api(cast):
    from handinhand.incentives.tests.factories import ncu_unit

    ncu_unit(cast)
    admin = api(cast.province_admin)
    body = {
        "catalogue": CATALOGUE,
        "year": 2025,
        "title": "接口申报",
        "topic_guide": "中小学校党建研究",
        "deadline": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
        "places": 2,
        "separate_quota": 5,
    }
    bad = post(admin, "/api/v1/research-calls", body)
    assert bad.status_code == 422 and "不能超过立项总数" in bad.content.decode()
    assert post(api(cast.leader), "/api/v1/research-calls", body).status_code == 404
    created = post(admin, "/api/v1/research-calls", body | {"separate_quota": 1})
    assert created.status_code == 201, created.content
    call_id = created.json()["id"]

    mine = api(cast.instructor)
    app = post(
        mine,
        f"/api/v1/research-calls/{call_id}/applications",
        {"title": "课题", "direction": "方向", "plan": "方案", "budget": "1000.50"},
    )
    assert app.status_code == 201, app.content
    app_id = app.json()["id"]
    twice = post(
        mine,
        f"/api/v1/research-calls/{call_id}/applications",
        {"title": "第二项", "direction": "方向", "plan": "方案", "budget": "1"},
    )
    assert twice.status_code == 422
    base = f"/api/v1/research-applications/{app_id}"
    assert api(cast.instructor_ecjtu).get(base).json() == NOT_FOUND
    assert post(mine, f"{base}/submission").json()["status"] == "submitted"
    contact = api(cast.unit_contact)
    assert post(contact, f"{base}/recommendation", {"recommend": True}).status_code == 200
    same_unit = post(admin, f"{base}/reviews", {"reviewer": "leader"})
    assert same_unit.status_code == 422 and "同属一个单位" in same_unit.content.decode()
    expert(cast)
    assert post(admin, f"{base}/reviews", {"reviewer": "expert"}).status_code == 201
    reviews = api(expert(cast)).get("/api/v1/research-reviews").json()["items"]
    assert len(reviews) == 1
    url = f"/api/v1/research-reviews/{reviews[0]['id']}/scores"
    too_high = post(api(expert(cast)), url, {"scores": FULL_MARKS | {"选题意义": 99}})
    assert too_high.status_code == 422
    assert post(api(cast.leader), url, {"scores": FULL_MARKS}).status_code == 404
    assert post(api(expert(cast)), url, {"scores": FULL_MARKS}).json()["total"] == "90.00"

    past_deadline(ResearchCall.objects.get(pk=call_id))
    ranked = post(admin, f"/api/v1/research-calls/{call_id}/ranking")
    assert ranked.status_code == 200 and ranked.json()[0]["proposed_pool"] == "separate"
    no_reason = post(admin, f"{base}/override", {"approved": False, "reason": ""})
    assert no_reason.status_code == 422
    published = post(admin, f"/api/v1/research-calls/{call_id}/publication")
    assert published.json()["status"] == "published"
    assert ResearchApplication.objects.get(pk=app_id).status == "approved"
