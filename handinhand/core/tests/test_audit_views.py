"""The audit log pages: the audit administrator's alone (三员分立)."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from handinhand.accounts import services
from handinhand.core import audit
from handinhand.core.audit_views import change_rows
from handinhand.core.models import AuditAction, AuditEvent
from handinhand.core.request_context import request_ip

pytestmark = pytest.mark.django_db

LIST = reverse("core:audit_list")
NOT_AUDITORS = [
    "system_admin",
    "security_admin",
    "province_admin",
    "instructor",
    "leader",
    "city_user",
    "county_user",
    "school_user",
    "outsider",
]


def event(**fields):
    defaults = {"action": AuditAction.UPDATE, "actor_name": "someone"}
    return AuditEvent.objects.create(**{**defaults, **fields})


def listed(client, **params):
    response = client.get(LIST, params)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("who", NOT_AUDITORS)
def test_everyone_but_the_audit_admin_gets_404(client_for, cast, who):
    target = event(object_repr="x")
    client = client_for(getattr(cast, who))
    assert client.get(LIST).status_code == 404
    assert client.get(LIST, {"export": "xlsx"}).status_code == 404
    assert client.get(reverse("core:audit_detail", args=[target.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_the_audit_admin_sees_logins_with_their_ip(client, cast):
    client.post(
        reverse("accounts:login"),
        {"username": "leader", "password": "wrong"},
        REMOTE_ADDR="10.3.3.3",
    )
    client.force_login(cast.audit_admin)
    response = listed(client)
    body = response.content.decode()
    assert "审计日志" in body
    assert "登录失败" in body and "10.3.3.3" in body
    first = response.context["rows"][0]
    # Newest first: the audit admin's own login is on top.
    assert first["cells"][1] == "audit_admin"
    assert first["cells"][3] == "登录成功"


def at(monkeypatch, moment):
    """Make the next events happen at `moment` (AuditEvent.at is auto_now_add)."""
    monkeypatch.setattr(timezone, "now", lambda: moment)


def test_filters(client_for, cast, monkeypatch):
    client = client_for(cast.audit_admin)
    zone = timezone.get_current_timezone()
    # 23:30 and 00:30 Beijing time: the same UTC day, two local days.
    at(monkeypatch, dt.datetime(2025, 3, 1, 23, 30, tzinfo=zone))
    late = event(
        actor=cast.system_admin,
        actor_name="system_admin",
        action=AuditAction.CREATE,
        object_type="orgs.school",
        object_repr="老学校",
        ip="10.0.0.1",
    )
    at(monkeypatch, dt.datetime(2025, 3, 2, 0, 30, tzinfo=zone))
    early = event(
        actor=cast.security_admin,
        actor_name="security_admin",
        object_type="accounts.roleassignment",
        object_repr="新授权",
        ip="10.0.0.2",
    )
    assert late.at.astimezone(dt.UTC).date() == early.at.astimezone(dt.UTC).date()
    monkeypatch.undo()

    def pks(**params):
        return {
            int(row["url"].rstrip("/").split("/")[-1])
            for row in listed(client, **params).context["rows"]
        }

    assert {late.pk, early.pk} <= pks()
    assert pks(actor="system_admin") == {late.pk}
    assert pks(action=AuditAction.CREATE) == {late.pk}
    assert pks(object_type="accounts.roleassignment") == {early.pk}
    assert pks(ip="10.0.0.2") == {early.pk}
    early_too = event(object_type="accounts.roleassignment", object_id="77", object_repr="另一")
    assert pks(object_type="accounts.roleassignment", object_id="77") == {early_too.pk}
    assert pks(q="老学") == {late.pk}
    assert pks(date_from="2025-03-01", date_to="2025-03-01") == {late.pk}
    assert pks(date_from="2025-03-02", date_to="2025-03-02") == {early.pk}
    assert pks(date_from="2025-03-01", date_to="2025-03-02") == {late.pk, early.pk}
    assert pks(date_to="2025-02-28") == set()
    # A bad date or IP is a form error, not a server error, and filters nothing out.
    response = listed(client, ip="not-an-ip")
    assert "ip" in response.context["form"].errors


def test_the_list_query_count_is_pinned_and_does_not_grow(
    client_for, cast, django_assert_max_num_queries
):
    client = client_for(cast.audit_admin)
    for n in range(3):
        event(actor=cast.system_admin, object_type="accounts.user", object_repr=f"u{n}")
    listed(client)
    with CaptureQueriesContext(connection) as few:
        listed(client, per_page=100)
    for n in range(60):
        event(
            actor=[cast.system_admin, cast.security_admin, cast.leader][n % 3],
            object_type="orgs.school",
            object_repr=f"s{n}",
            ip="10.1.1.1",
        )
    # +2 for the hash chain's status, walked again after new events: its head, one streamed walk
    with django_assert_max_num_queries(8):
        response = listed(client, per_page=100)
    assert len(response.context["rows"]) == AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as many:
        listed(client, per_page=100)
    assert len(many) == len(few)


def test_list_paginates(client_for, cast):
    client = client_for(cast.audit_admin)
    for n in range(45):
        event(object_repr=f"e{n}")
    response = listed(client)
    assert len(response.context["rows"]) == 20
    assert response.context["page"].paginator.num_pages == 3
    assert len(listed(client, page=3).context["rows"]) == AuditEvent.objects.count() - 40


def test_htmx_gets_the_results_fragment_only(client_for, cast):
    event(object_repr="片段")
    response = client_for(cast.audit_admin).get(LIST, {"q": "片段"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "片段" in body
    assert "<html" not in body


def test_export_xlsx_is_itself_audited(client_for, cast):
    event(
        actor=cast.system_admin,
        actor_name="system_admin",
        object_type="accounts.user",
        object_repr="张三",
        changes={"phone": ["1", "2"]},
        ip="10.8.8.8",
    )
    response = client_for(cast.audit_admin).get(LIST, {"export": "xlsx", "ip": "10.8.8.8"})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("时间", "操作人账号", "操作人姓名", "操作")
    assert len(rows) == 2
    assert rows[1][1:5] == ("system_admin", "系统管理员", "修改", "用户")
    assert rows[1][-2:] == ("10.8.8.8", '{"phone": ["1", "2"]}')
    exported = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert exported.actor == cast.audit_admin
    assert exported.object_type == "core.auditevent"


def test_detail_shows_changes_with_verbose_names(client_for, cast):
    token = request_ip.set("10.6.6.6")
    try:
        services.user_update(
            actor=cast.system_admin,
            user=cast.leader,
            data={"phone": "13800001111", "is_active": False},
            expected_version=None,
        )
    finally:
        request_ip.reset(token)
    target = AuditEvent.objects.get(action=AuditAction.UPDATE)
    response = client_for(cast.audit_admin).get(reverse("core:audit_detail", args=[target.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "系统管理员" in body and "system_admin" in body
    assert "10.6.6.6" in body
    assert "王组长" in body
    history = f"?object_type=accounts.user&amp;object_id={cast.leader.pk}"
    assert history in body
    rows = {row["name"]: row for row in response.context["rows"]}
    assert rows["phone"]["label"] == "联系电话"
    assert (rows["phone"]["old"], rows["phone"]["new"]) == ("—", "13800001111")
    assert rows["is_active"]["label"] == "有效"
    assert (rows["is_active"]["old"], rows["is_active"]["new"]) == ("是", "否")


def test_change_rows_for_unknown_types_and_extra_keys(cast):
    failed = services.login_failed(username="ghost")
    assert failed is None
    ghost = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert change_rows(ghost) == []
    exported = audit.record(
        actor=cast.audit_admin,
        action=AuditAction.EXPORT,
        object_type="programme.coverage",
        object_repr="覆盖情况",
        changes={"filters": [None, "q=1"], "odd": "plain"},
    )
    rows = change_rows(exported)
    assert rows[0] == {"name": "filters", "label": "导出条件", "old": "—", "new": "q=1"}
    assert rows[1] == {"name": "odd", "label": "odd", "old": "—", "new": "plain"}


def test_detail_of_a_missing_event_is_404(client_for, cast):
    assert (
        client_for(cast.audit_admin).get(reverse("core:audit_detail", args=[999999])).status_code
        == 404
    )
