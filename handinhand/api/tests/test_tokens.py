"""Tokens: issue, revoke, hashing, audit, and who gets in (401 for everyone else)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from handinhand.api.models import ApiToken
from handinhand.api.services import (
    MAX_USABLE_TOKENS,
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
)
from handinhand.core.exceptions import PermissionDeniedError
from handinhand.core.models import AuditAction, AuditEvent

UNAUTHORIZED = "未登录，或接口令牌无效、已吊销、已过期"


def bearer(raw: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}"})


# --- services -------------------------------------------------------------------------------


def test_create_stores_only_the_hash_and_audits_without_the_secret(cast):
    token, raw = api_token_create(actor=cast.county_user, name="市局对接")

    assert raw.startswith("hh_") and len(raw) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {stored.token_hash, stored.prefix, stored.name}
    assert raw.startswith(stored.prefix)
    assert stored.user == cast.county_user and stored.revoked is False

    event = AuditEvent.objects.get(object_type="api.apitoken", object_id=str(token.pk))
    assert event.action == AuditAction.CREATE
    assert event.actor == cast.county_user
    assert event.changes["name"] == [None, "市局对接"]
    dumped = json.dumps(event.changes) + event.object_repr
    assert raw not in dumped
    assert stored.token_hash not in dumped


def test_two_tokens_differ(cast):
    _a, raw_a = api_token_create(actor=cast.instructor, name="a")
    _b, raw_b = api_token_create(actor=cast.instructor, name="b")
    assert raw_a != raw_b


def test_create_refuses_blank_name_and_past_expiry(cast):
    with pytest.raises(ValidationError) as blank:
        api_token_create(actor=cast.instructor, name="   ")
    assert "name" in blank.value.message_dict
    with pytest.raises(ValidationError) as past:
        api_token_create(
            actor=cast.instructor, name="x", expires_at=timezone.now() - dt.timedelta(days=1)
        )
    assert past.value.message_dict["expires_at"] == ["失效时间必须晚于当前时间"]
    assert not ApiToken.objects.exists()


def test_create_caps_usable_tokens_per_user(cast):
    for i in range(MAX_USABLE_TOKENS):
        api_token_create(actor=cast.instructor, name=f"t{i}")
    with pytest.raises(ValidationError):
        api_token_create(actor=cast.instructor, name="one too many")
    # Revoking one frees a place.
    api_token_revoke(actor=cast.instructor, token=ApiToken.objects.earliest("id"))
    api_token_create(actor=cast.instructor, name="again")
    assert ApiToken.objects.filter(user=cast.instructor).count() == MAX_USABLE_TOKENS + 1


def test_revoke_is_audited_and_idempotent(cast):
    token, raw = api_token_create(actor=cast.instructor, name="t")
    revoked = api_token_revoke(actor=cast.instructor, token=token)
    assert revoked.revoked and revoked.revoked_at is not None
    events = AuditEvent.objects.filter(object_type="api.apitoken", action=AuditAction.UPDATE)
    assert [e.changes for e in events] == [{"revoked": [False, True]}]
    api_token_revoke(actor=cast.instructor, token=token)
    assert events.count() == 1
    assert api_token_authenticate(raw) is None


def test_nobody_revokes_another_users_token(cast):
    token, raw = api_token_create(actor=cast.instructor, name="t")
    for other in (cast.province_admin, cast.security_admin, cast.leader):
        with pytest.raises(PermissionDeniedError):
            api_token_revoke(actor=other, token=token)
    assert ApiToken.objects.get(pk=token.pk).revoked is False
    assert api_token_authenticate(raw) is not None


# --- authentication -------------------------------------------------------------------------


def test_valid_token_gets_in_and_marks_the_token_used(cast):
    token, raw = api_token_create(actor=cast.county_user, name="t")
    assert token.last_used_at is None
    response = bearer(raw).get("/api/v1/schools")
    assert response.status_code == 200
    assert [s["name"] for s in response.json()["items"]] == ["湘东区第一小学"]
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Bearer hh_not-a-real-token",
        "Bearer not-even-our-prefix",
        "Token hh_whatever",
        "Basic dXNlcjpwYXNz",
    ],
)
def test_missing_or_wrong_token_is_401(cast, header):
    client = Client(headers={"Authorization": header}) if header else Client()
    for path in ("/api/v1/schools", f"/api/v1/schools/{cast.school.pk}", "/api/v1/coverage"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.json() == {"detail": UNAUTHORIZED}
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_wrong_token_on_a_write_is_401_not_a_csrf_failure(cast):
    response = bearer("hh_wrong").post("/api/v1/schools", data={}, content_type="application/json")
    assert response.status_code == 401


def test_revoked_token_is_401(cast):
    token, raw = api_token_create(actor=cast.county_user, name="t")
    assert bearer(raw).get("/api/v1/schools").status_code == 200
    api_token_revoke(actor=cast.county_user, token=token)
    response = bearer(raw).get("/api/v1/schools")
    assert response.status_code == 401
    assert response.json() == {"detail": UNAUTHORIZED}


def test_expired_token_is_401(cast):
    token, raw = api_token_create(
        actor=cast.county_user, name="t", expires_at=timezone.now() + dt.timedelta(hours=1)
    )
    assert bearer(raw).get("/api/v1/schools").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert bearer(raw).get("/api/v1/schools").status_code == 401


def test_inactive_user_is_401_by_token_and_by_session(cast, client_for):
    _token, raw = api_token_create(actor=cast.county_user, name="t")
    session = client_for(cast.county_user)
    assert session.get("/api/v1/schools").status_code == 200
    cast.county_user.is_active = False
    cast.county_user.save(update_fields=["is_active"])
    assert bearer(raw).get("/api/v1/schools").status_code == 401
    assert session.get("/api/v1/schools").status_code == 401


def test_session_login_is_accepted_for_the_browser(cast, client_for):
    response = client_for(cast.outsider).get("/api/v1/schools")
    assert response.status_code == 200
    assert [s["name"] for s in response.json()["items"]] == ["南昌市东湖区育才学校"]


def test_session_writes_need_the_csrf_token(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.county_user)
    response = client.post("/api/v1/schools", data={}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["detail"] == "请求被拒绝（CSRF 校验失败）"


def test_token_requests_need_no_csrf(cast):
    _token, raw = api_token_create(actor=cast.county_user, name="t")
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {raw}"})
    response = client.post("/api/v1/schools", data={}, content_type="application/json")
    assert response.status_code == 422  # got past authentication to validation


def test_a_token_sees_its_owners_scope_not_the_sessions(cast, client_for):
    # A browser session of one user and a token of another: the token decides.
    _token, raw = api_token_create(actor=cast.outsider, name="t")
    client = client_for(cast.province_admin)
    response = client.get("/api/v1/schools", headers={"Authorization": f"Bearer {raw}"})
    assert [s["name"] for s in response.json()["items"]] == ["南昌市东湖区育才学校"]


# --- the token page -------------------------------------------------------------------------


def test_token_page_needs_login(client):
    response = client.get("/api/v1/tokens/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_token_page_creates_and_shows_the_token_once(cast, client_for):
    client = client_for(cast.city_user)
    response = client.post("/api/v1/tokens/", {"name": "数据对接", "expires_in": "30"})
    assert response.status_code == 201
    token = ApiToken.objects.get(user=cast.city_user)
    raw = response.context["new_token"]
    assert raw.startswith(token.prefix)
    assert raw in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert token.expires_at is not None
    assert dt.timedelta(days=29) < token.expires_at - timezone.now() <= dt.timedelta(days=30)
    assert AuditEvent.objects.filter(object_type="api.apitoken", action="create").count() == 1

    again = client.get("/api/v1/tokens/")
    page = again.content.decode()
    assert again.status_code == 200
    assert raw not in page
    assert "数据对接" in page and token.prefix in page


def test_token_page_shows_errors_in_chinese(cast, client_for):
    response = client_for(cast.city_user).post("/api/v1/tokens/", {"name": "", "expires_in": "9"})
    assert response.status_code == 400
    assert response.context["form"].errors["name"] == ["这个字段是必填项。"]
    assert not ApiToken.objects.exists()


def test_token_page_lists_only_own_tokens(cast, client_for):
    api_token_create(actor=cast.instructor, name="别人的令牌")
    api_token_create(actor=cast.city_user, name="我的令牌")
    page = client_for(cast.city_user).get("/api/v1/tokens/").content.decode()
    assert "我的令牌" in page
    assert "别人的令牌" not in page


def test_token_page_revokes_own_token(cast, client_for):
    token, raw = api_token_create(actor=cast.city_user, name="t")
    response = client_for(cast.city_user).post(f"/api/v1/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked
    assert AuditEvent.objects.filter(object_id=str(token.pk), action="update").exists()
    assert bearer(raw).get("/api/v1/schools").status_code == 401


def test_revoking_someone_elses_token_is_404_and_changes_nothing(cast, client_for):
    token, raw = api_token_create(actor=cast.instructor, name="t")
    for other in (cast.outsider, cast.province_admin, cast.security_admin):
        response = client_for(other).post(f"/api/v1/tokens/{token.pk}/revoke/")
        assert response.status_code == 404
    token.refresh_from_db()
    assert not token.revoked
    assert not AuditEvent.objects.filter(object_type="api.apitoken", action="update").exists()
    assert bearer(raw).get("/api/v1/schools").status_code == 200


def test_revoke_needs_post(cast, client_for):
    token, _raw = api_token_create(actor=cast.city_user, name="t")
    assert client_for(cast.city_user).get(f"/api/v1/tokens/{token.pk}/revoke/").status_code == 405
