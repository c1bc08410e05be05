"""/api/v1 for the funds: the same services and scope as the pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from handinhand.api.services import api_token_create
from handinhand.funding.tests.factories import YEAR, approved, disbursed, finance

pytestmark = pytest.mark.django_db
NOT_FOUND = {"detail": "未找到"}


def api(user: Any) -> Client:
    _token, raw = api_token_create(actor=user, name="测试令牌")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def post(client: Client, url: str, data: Any) -> Any:
    return client.post(url, data=data, content_type="application/json")


def test_funding_through_the_api(cast):
    contact = finance(cast)
    uni = cast.universities["ncu"].pk
    admin = api(cast.province_admin)
    response = post(
        admin,
        "/api/v1/funding/allocations",
        {
            "university_id": uni,
            "year": YEAR,
            "doc_number": "赣教工委财〔2025〕1号",
            "approved_on": f"{YEAR}-03-01",
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["amount"] == "30000.00"
    response = post(
        admin,
        "/api/v1/funding/disbursements",
        {
            "university_id": uni,
            "year": YEAR,
            "date": f"{YEAR}-03-02",
            "amount": "30000.01",
            "doc_number": "赣教工委财〔2025〕2号",
        },
    )
    assert response.status_code == 422 and "超过核定金额" in response.content.decode()
    mine = api(contact)
    expense = {
        "university_id": uni,
        "year": YEAR,
        "date": f"{YEAR}-04-01",
        "category": "会议",
        "amount": "1500.00",
        "payee": "会场",
        "purpose": "调度会",
    }
    assert post(mine, "/api/v1/funding/expenses", expense).status_code == 201
    bad = post(mine, "/api/v1/funding/expenses", {**expense, "amount": "-1"})
    assert bad.status_code == 422
    other = {**expense, "university_id": cast.universities["ecjtu"].pk}
    assert post(mine, "/api/v1/funding/expenses", other).json() == NOT_FOUND
    execution = mine.get(f"/api/v1/funding/execution/{uni}?year={YEAR}").json()
    assert execution["spent"] == "1500.00" and execution["balance"] == "28500.00"
    assert execution["rate"] == "0.0500"
    assert (
        api(cast.school_user).get(f"/api/v1/funding/execution/{uni}?year={YEAR}").json()
        == NOT_FOUND
    )
    assert api(cast.leader).get("/api/v1/funding/expenses").json()["count"] == 0
    assert admin.get("/api/v1/funding/expenses").json()["count"] == 1


def test_lists_are_scoped(cast):
    approved(cast)
    disbursed(cast)
    assert api(finance(cast)).get("/api/v1/funding/disbursements").json()["count"] == 1
    assert api(cast.instructor).get("/api/v1/funding/allocations").json()["count"] == 0
