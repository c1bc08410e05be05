"""/api/v1/notices: the same services and scope as the pages."""

from __future__ import annotations

from handinhand.api.tests.conftest import api_for  # noqa: F401  (fixture)
from handinhand.notices.models import NoticeReceipt
from handinhand.notices.tests.factories import county_notice

NOT_FOUND = {"detail": "未找到"}


def test_publish_read_and_receipts(cast, api_for):  # noqa: F811
    province = api_for(cast.province_admin)
    response = province.post(
        "/api/v1/notices",
        {"title": "接口通知", "body": "正文", "audience": {"roles": ["school_user"]}},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    school = api_for(cast.school_user)
    listed = school.get("/api/v1/notices").json()["items"]
    assert [(i["notice"]["id"], i["read_at"]) for i in listed] == [(pk, None)]
    assert school.get(f"/api/v1/notices/{pk}").status_code == 200
    assert NoticeReceipt.objects.get(notice_id=pk).read_at is not None
    counts = province.get(f"/api/v1/notices/{pk}/receipts").json()
    assert (counts["read"], counts["unread"]) == (1, 0)
    assert school.get(f"/api/v1/notices/{pk}/receipts").json() == NOT_FOUND


def test_empty_audience_answers_422_in_chinese(cast, api_for):  # noqa: F811
    response = api_for(cast.province_admin).post(
        "/api/v1/notices",
        {"title": "空", "body": "空", "audience": {}},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "通知对象不能为空" in response.content.decode()


def test_out_of_scope_and_reminders(cast, api_for):  # noqa: F811
    notice = county_notice(cast)
    for who in (cast.outsider, cast.instructor, cast.city_user):
        assert api_for(who).get(f"/api/v1/notices/{notice.pk}").json() == NOT_FOUND
    county = api_for(cast.county_user)
    first = county.post(f"/api/v1/notices/{notice.pk}/reminders")
    second = county.post(f"/api/v1/notices/{notice.pk}/reminders")
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["created"] is False
    assert (
        api_for(cast.province_admin).post(f"/api/v1/notices/{notice.pk}/reminders").status_code
        == 404
    )
    unread = county.get(f"/api/v1/notices/{notice.pk}/unread").json()["items"]
    assert [u["full_name"] for u in unread] == ["湘东一小书记"]


def test_edit_makes_a_version(cast, api_for):  # noqa: F811
    notice = county_notice(cast)
    response = api_for(cast.county_user).patch(
        f"/api/v1/notices/{notice.pk}",
        {"title": "湘东区通知（更正）", "body": "更正", "version": notice.version},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["revision"] == 2
    assert notice.receipts.count() == 1
