"""Issue 9 (等保 2.0 level 3): lockout counters shared by every process and a per-IP throttle
(defect 7), the two-person rule for privileged resets (defect 10), the second factor,
session timeouts and the MLPS password rules."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache.backends import locmem
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from handinhand.accounts import middleware, services
from handinhand.accounts.models import (
    PasswordResetRequest,
    ResetStatus,
    Role,
    RoleAssignment,
    User,
    UserSession,
)
from handinhand.conftest import PASSWORD, Cast, cast_otp_token
from handinhand.core.exceptions import PermissionDeniedError
from handinhand.core.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
HOME = reverse("core:home")
OTP = reverse("accounts:otp_verify")
OTP_SETUP = reverse("accounts:otp_setup")
PASSWORD_URL = reverse("accounts:password_change")
LOCKED = "账号已锁定"
THROTTLED = "登录尝试过于频繁"


def post_login(client: Any, username: str, password: str, ip: str = "10.20.30.40") -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def body(response: Any) -> str:
    return str(response.content.decode())


# --- defect 7: counters shared across processes, per-IP throttle -----------------------------


def forget_process_memory() -> None:
    """What another worker process sees: none of this process's local-memory caches."""
    for name in ("_caches", "_expire_info"):
        getattr(locmem, name).clear()


def test_unknown_name_counter_is_shared_with_another_process(client: Any, cast: Cast) -> None:
    for n in range(4):
        post_login(client, "no_such_person", "wrong-Pass-1", ip=f"10.0.1.{n}")
    forget_process_memory()
    # The fifth failure arrives at another worker: it must know the four before it.
    response = post_login(client, "no_such_person", "wrong-Pass-1", ip="10.0.1.9")
    assert LOCKED in body(response)


def test_ip_throttle_is_shared_with_another_process(client: Any, cast: Cast) -> None:
    for n in range(5):
        post_login(client, f"ghost{n}", "wrong-Pass-1", ip="10.0.2.1")
    forget_process_memory()
    response = post_login(client, "instructor", PASSWORD, ip="10.0.2.1")
    assert THROTTLED in body(response)
    assert "_auth_user_id" not in client.session


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL not set")
def test_counters_meet_in_redis_across_two_connections(settings: Any) -> None:
    from django.core.cache import CacheHandler

    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    first = CacheHandler().create_connection("default")
    second = CacheHandler().create_connection("default")
    key = services._unknown_key(f"redis-check-{time.time()}")
    first.delete(key)
    services._bump(key, 60)
    assert second.get(key) == 1
    services._bump(key, 60)
    assert first.get(key) == second.get(key) == 2
    first.delete(key)


def test_unknown_and_real_names_answer_alike(client: Any, cast: Cast) -> None:
    def messages_for(username: str, subnet: int) -> list[tuple[int, bool, bool]]:
        seen = []
        for n in range(6):
            response = post_login(client, username, "wrong-Pass-1", ip=f"10.{subnet}.0.{n}")
            text = body(response)
            seen.append((response.status_code, LOCKED in text, THROTTLED in text))
        return seen

    assert messages_for("instructor", 3) == messages_for("nobody_at_all", 4)


def test_admin_cannot_be_locked_from_one_address_without_it_being_throttled(
    client: Any, cast: Cast
) -> None:
    attacker = "203.0.113.7"
    for n in range(5):
        post_login(client, "system_admin", f"guess-{n}", ip=attacker)
    # The address that spent its guesses is shut out, for every name, right password or not…
    response = post_login(client, "instructor", PASSWORD, ip=attacker)
    assert THROTTLED in body(response)
    assert "_auth_user_id" not in client.session
    # …and its further guesses count against nobody.
    before = User.objects.get(pk=cast.instructor.pk).failed_logins
    for n in range(3):
        post_login(client, "instructor", f"more-{n}", ip=attacker)
    assert User.objects.get(pk=cast.instructor.pk).failed_logins == before
    refused = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).order_by("id").last()
    assert refused is not None and refused.ip == attacker
    assert "IP" in refused.changes["reason"][1]
    # Another address is not affected.
    assert post_login(client, "instructor", PASSWORD, ip="10.7.7.7").status_code == 302


def test_spraying_many_names_from_one_address_is_throttled(client: Any, cast: Cast) -> None:
    for name in ("instructor", "leader", "city_user", "county_user", "ghost"):
        post_login(client, name, "wrong-Pass-1", ip="198.51.100.1")
    response = post_login(client, "school_user", PASSWORD, ip="198.51.100.1")
    assert THROTTLED in body(response)
    assert User.objects.get(pk=cast.school_user.pk).failed_logins == 0


# --- defect 10: the two-person rule for privileged resets -------------------------------------


def test_system_admin_cannot_reset_the_province_admin_alone(client_for: Any, cast: Cast) -> None:
    client = client_for(cast.system_admin)
    page = reverse("accounts:user_password", args=[cast.province_admin.pk])
    new = "Hongse-Jiangxi-2025"
    response = client.post(page, {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    cast.province_admin.refresh_from_db()
    assert cast.province_admin.check_password(PASSWORD)  # not applied
    request = PasswordResetRequest.objects.get(user=cast.province_admin)
    assert request.status == ResetStatus.PENDING and request.requested_by == cast.system_admin
    assert new not in request.password
    created = AuditEvent.objects.get(
        action=AuditAction.CREATE, object_type="accounts.passwordresetrequest"
    )
    assert created.actor == cast.system_admin
    # A second request while one waits is refused.
    with pytest.raises(ValidationError):
        services.password_set(actor=cast.system_admin, user=cast.province_admin, password=new)
    # The system administrator cannot approve their own request.
    with pytest.raises(PermissionDeniedError):
        services.password_reset_approve(actor=cast.system_admin, request=request)

    security = client_for(cast.security_admin)
    listing = security.get(reverse("accounts:reset_request_list"))
    assert "省工委管理员" in body(listing) and "批准" in body(listing)
    decide = reverse("accounts:reset_request_approve", args=[request.pk])
    assert security.post(decide).status_code == 302
    cast.province_admin.refresh_from_db()
    assert cast.province_admin.check_password(new)
    assert cast.province_admin.must_change_password
    request.refresh_from_db()
    assert (request.status, request.decided_by, request.password) == (
        ResetStatus.APPROVED,
        cast.security_admin,
        "",
    )
    applied = AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_id=str(cast.province_admin.pk)
    ).get()
    assert applied.actor == cast.security_admin
    assert applied.changes["password"] == ["******", "******"]
    assert applied.changes["requested_by"] == [None, "system_admin"]


def test_a_refused_reset_changes_nothing_and_is_audited(cast: Cast) -> None:
    request = services.password_set(
        actor=cast.system_admin, user=cast.province_admin, password="Hongse-Jiangxi-2025"
    )
    assert request is not None
    services.password_reset_refuse(actor=cast.security_admin, request=request)
    cast.province_admin.refresh_from_db()
    assert cast.province_admin.check_password(PASSWORD)
    event = (
        AuditEvent.objects.filter(object_type="accounts.passwordresetrequest").order_by("id").last()
    )
    assert event is not None and event.changes["status"] == ["pending", "refused"]
    with pytest.raises(ValidationError):
        services.password_reset_approve(actor=cast.security_admin, request=request)


def test_an_ordinary_account_is_reset_at_once_and_must_change(cast: Cast) -> None:
    assert (
        services.password_set(
            actor=cast.system_admin, user=cast.leader, password="Hongse-Jiangxi-2025"
        )
        is None
    )
    cast.leader.refresh_from_db()
    assert cast.leader.check_password("Hongse-Jiangxi-2025") and cast.leader.must_change_password


# --- the second factor ------------------------------------------------------------------------


def test_admin_login_asks_for_the_code_and_refuses_a_reused_one(client: Any, cast: Cast) -> None:
    response = post_login(client, "province_admin", PASSWORD)
    assert response.status_code == 302
    # Logged in by password, but nothing opens before the code.
    assert client.get(HOME)["Location"] == OTP
    assert client.get(reverse("orgs:school_list"))["Location"] == OTP
    page = client.get(OTP)
    assert "动态口令" in body(page)
    token = cast_otp_token(cast.province_admin)
    response = client.post(OTP, {"token": token})
    assert response.status_code == 302 and response["Location"] == HOME
    assert client.get(HOME).status_code == 200
    client.post(reverse("accounts:logout"))

    # The same code a second time (same 30-second step) is refused: django-otp keeps last_t.
    post_login(client, "province_admin", PASSWORD)
    response = client.post(OTP, {"token": token})
    assert response.status_code == 400
    assert "已使用过" in body(response)
    assert client.get(HOME)["Location"] == OTP
    failed = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).order_by("id").last()
    assert failed is not None and failed.changes["reason"] == [None, "动态口令错误"]


def test_the_device_refuses_a_code_already_used(cast: Cast) -> None:
    device = TOTPDevice.objects.get(user=cast.audit_admin)
    token = f"{totp(device.bin_key):06d}"
    assert device.verify_token(token)
    assert not TOTPDevice.objects.get(pk=device.pk).verify_token(token)


def test_non_admins_need_no_code_unless_the_setting_says_so(
    client: Any, cast: Cast, settings: Any
) -> None:
    post_login(client, "instructor", PASSWORD)
    assert client.get(HOME).status_code == 200
    client.post(reverse("accounts:logout"))
    settings.OTP_REQUIRED_ROLES = [*settings.OTP_REQUIRED_ROLES, "instructor"]
    post_login(client, "instructor", PASSWORD, ip="10.5.5.5")
    assert client.get(HOME)["Location"] == OTP
    # Not enrolled yet: the code page sends them to enrolment.
    assert client.get(OTP)["Location"] == OTP_SETUP


def test_enrolment_shows_a_local_qr_code_and_gives_recovery_codes(client: Any, cast: Cast) -> None:
    newcomer = User.objects.create(
        username="new_admin", full_name="新管理员", must_change_password=False
    )
    newcomer.set_password(PASSWORD)
    newcomer.save()
    RoleAssignment.objects.create(user=newcomer, role=Role.PROVINCE_ADMIN)
    post_login(client, "new_admin", PASSWORD)
    assert client.get(HOME)["Location"] == OTP
    assert client.get(OTP)["Location"] == OTP_SETUP
    page = client.get(OTP_SETUP)
    text = body(page)
    # The QR code is drawn inline on the server: nothing is fetched from anywhere else.
    assert "<svg" in text and "<img" not in text and 'src="http' not in text
    device = TOTPDevice.objects.get(user=newcomer, confirmed=False)
    response = client.post(OTP_SETUP, {"token": f"{totp(device.bin_key):06d}"})
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10 and all(c in body(response) for c in codes)
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get(HOME).status_code == 200
    client.post(reverse("accounts:logout"))

    # A recovery code opens once, then it is used up.
    post_login(client, "new_admin", PASSWORD)
    assert client.post(OTP, {"token": codes[0]})["Location"] == HOME
    client.post(reverse("accounts:logout"))
    post_login(client, "new_admin", PASSWORD)
    assert client.post(OTP, {"token": codes[0]}).status_code == 400
    assert StaticDevice.objects.get(user=newcomer).token_set.count() == 9


def test_an_enrolled_person_cannot_replace_the_device_with_the_password_alone(
    client: Any, cast: Cast
) -> None:
    post_login(client, "audit_admin", PASSWORD)
    assert client.get(OTP_SETUP)["Location"] == OTP


# --- sessions ---------------------------------------------------------------------------------


def age_session(client: Any, *, idle: int = 0, since: int = 0) -> None:
    session = client.session
    now = int(time.time())
    session[middleware.SEEN] = now - idle
    session[middleware.STARTED] = now - since
    session.save()


def test_idle_timeout_ends_the_session_and_is_audited(client_for: Any, cast: Cast) -> None:
    client = client_for(cast.instructor)
    assert client.get(HOME).status_code == 200
    age_session(client, idle=29 * 60, since=29 * 60)
    assert client.get(HOME).status_code == 200
    age_session(client, idle=31 * 60, since=40 * 60)
    response = client.get(HOME)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.filter(action=AuditAction.LOGOUT).order_by("id").last()
    assert event is not None and event.actor == cast.instructor
    assert event.changes == {"reason": [None, "会话超时"]}


def test_absolute_cap_ends_an_active_session(client_for: Any, cast: Cast) -> None:
    client = client_for(cast.instructor)
    age_session(client, idle=10, since=8 * 3600 + 1)
    response = client.get(HOME)
    assert response["Location"].startswith(LOGIN)
    ended = UserSession.objects.get(user=cast.instructor)
    assert ended.end_reason == "absolute" and ended.ended_at is not None


def test_security_admin_sees_online_sessions_and_ends_one(
    client: Any, client_for: Any, cast: Cast
) -> None:
    from django.test import Client

    school = Client()
    post_login(school, "school_user", PASSWORD, ip="10.8.8.8")
    assert school.get(HOME).status_code == 200
    security = client_for(cast.security_admin)
    page = security.get(reverse("accounts:session_list"))
    assert page.status_code == 200
    assert "湘东一小书记" in body(page) and "10.8.8.8" in body(page)
    item = UserSession.objects.get(user=cast.school_user, ended_at__isnull=True)
    assert security.post(reverse("accounts:session_end", args=[item.pk])).status_code == 302
    assert school.get(HOME)["Location"].startswith(LOGIN)
    event = AuditEvent.objects.get(object_type="accounts.usersession")
    assert event.actor == cast.security_admin
    # Nobody else sees or ends sessions (404, as for anything out of reach).
    for user in (cast.system_admin, cast.audit_admin, cast.province_admin):
        other = Client()
        other.force_login(user)
        assert other.get(reverse("accounts:session_list")).status_code == 404


def test_disabling_an_account_ends_its_sessions(client: Any, cast: Cast) -> None:
    post_login(client, "leader", PASSWORD)
    assert client.get(HOME).status_code == 200
    services.user_update(
        actor=cast.system_admin,
        user=cast.leader,
        data={"is_active": False},
        expected_version=None,
    )
    assert not UserSession.objects.online().filter(user=cast.leader).exists()
    assert client.get(HOME)["Location"].startswith(LOGIN)


# --- passwords (MLPS) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("hongsejiangxi", "至少三类"),  # one class
        ("hongsejiangxi2025", "至少三类"),  # two classes
        ("Lizhidao-2025x", "姓名拼音"),  # 李指导 in pinyin
        ("Zhidaoli-2025x", "姓名拼音"),
        ("X13907990000!", "手机号码"),
        ("Instructor-2025", "用户名"),
        ("password123", "太常见"),
    ],
)
def test_password_rules_of_mlps(cast: Cast, password: str, message: str) -> None:
    cast.instructor.phone = "139-0799-0000"
    with pytest.raises(ValidationError) as info:
        services.validate_new_password(password, cast.instructor)
    assert any(message in m for m in info.value.messages), info.value.messages


def test_the_last_five_passwords_are_not_reused(cast: Cast) -> None:
    user = cast.leader
    history = [f"Hongse-Jiangxi-20{n:02d}" for n in range(6)]
    for password in history:
        services.password_set(actor=user, user=user, password=password)
    for recent in history[-5:]:
        with pytest.raises(ValidationError) as info:
            services.password_set(actor=user, user=user, password=recent)
        assert "最近 5 次" in info.value.messages[0]
    # The sixth back (and the cast's first) may come again.
    services.password_set(actor=user, user=user, password=history[0])


def test_a_created_account_must_change_its_password_at_first_login(cast: Cast) -> None:
    from django.test import Client

    services.user_create(
        actor=cast.system_admin, username="zhangsan", full_name="张三", password="Qiming-Star-88"
    )
    client = Client()
    post_login(client, "zhangsan", "Qiming-Star-88")
    assert client.get(HOME)["Location"] == PASSWORD_URL
    assert client.get(reverse("orgs:school_list"))["Location"] == PASSWORD_URL
    assert client.get(PASSWORD_URL).status_code == 200
    response = client.post(
        PASSWORD_URL,
        {
            "old_password": "Qiming-Star-88",
            "new_password1": "Hongse-Jiangxi-2025",
            "new_password2": "Hongse-Jiangxi-2025",
        },
    )
    assert response.status_code == 302
    assert client.get(HOME).status_code == 200
    person = User.objects.get(username="zhangsan")
    assert not person.must_change_password


def test_a_password_older_than_90_days_must_be_changed(client: Any, cast: Cast) -> None:
    User.objects.filter(pk=cast.instructor.pk).update(
        password_changed_at=timezone.now() - timedelta(days=91)
    )
    post_login(client, "instructor", PASSWORD)
    assert client.get(HOME)["Location"] == PASSWORD_URL


def test_the_cast_and_the_seed_are_not_forced_to_change(cast: Cast) -> None:
    assert not User.objects.filter(must_change_password=True).exists()
