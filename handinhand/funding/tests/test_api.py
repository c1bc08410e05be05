"""/api/v1 for the funds: the same services and scope as the pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from handinhand.api.services import api_token_create
from handinhand.funding.tests.factories import YEAR, approved, disbursed, finance, spent

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


def test_month_closing_and_corrections_through_the_api(cast):
    approved(cast)
    line = disbursed(cast)
    contact = finance(cast)
    uni = cast.universities["ncu"].pk
    admin, mine = api(cast.province_admin), api(contact)
    expense = spent(cast, "500.00")  # 2 April

    close = {"university_id": uni, "year": YEAR, "month": 4}
    response = post(mine, "/api/v1/funding/month-closes", close)
    assert response.status_code == 201, response.content
    assert response.json()["month"] == 4 and response.json()["closed_by_id"] == contact.pk
    again = post(mine, "/api/v1/funding/month-closes", close)
    assert again.status_code == 422 and "不能重复月结" in again.content.decode()
    # Only the university's finance contact closes; the others don't see the university.
    other = {**close, "month": 5}
    assert post(api(cast.school_user), "/api/v1/funding/month-closes", other).json() == NOT_FOUND
    assert post(admin, "/api/v1/funding/month-closes", other).status_code in (404, 409)
    listed = mine.get(f"/api/v1/funding/month-closes?year={YEAR}").json()
    assert listed["count"] == 1 and listed["items"][0]["month"] == 4
    assert api(cast.instructor).get("/api/v1/funding/month-closes").json()["count"] == 0

    url = f"/api/v1/funding/expenses/{expense.pk}/corrections"
    fix = {"amount": "-100.00", "date": f"{YEAR}-04-20", "reason": "多报"}
    closed = post(mine, url, fix)
    assert closed.status_code == 422 and "月结" in closed.content.decode()
    response = post(mine, url, {**fix, "date": f"{YEAR}-05-03"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["amount"], body["corrects_id"]) == (
        "correction",
        "-100.00",
        expense.pk,
    )
    assert post(mine, url, {**fix, "date": f"{YEAR}-05-03", "reason": " "}).status_code == 422
    assert post(api(cast.school_user), url, fix).json() == NOT_FOUND
    execution = mine.get(f"/api/v1/funding/execution/{uni}?year={YEAR}").json()
    assert execution["spent"] == "400.00"

    url = f"/api/v1/funding/disbursements/{line.pk}/corrections"
    take_back = {"amount": "-5000.00", "date": f"{YEAR}-06-01", "reason": "多拨", "doc_number": ""}
    response = post(admin, url, take_back)
    assert response.status_code == 201, response.content
    assert response.json()["corrects_id"] == line.pk and response.json()["amount"] == "-5000.00"
    assert post(mine, url, take_back).status_code in (404, 409)
    too_much = post(admin, url, {**take_back, "amount": "90000.00"})
    assert too_much.status_code == 422 and "超过核定金额" in too_much.content.decode()
