"""Login security: every login audited with the client's IP, lockout after repeated failures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from handinhand.accounts import services
from handinhand.accounts.models import User
from handinhand.conftest import PASSWORD
from handinhand.core.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
LOCKED_MESSAGE = "账号已锁定，请 15 分钟后再试或联系系统管理员"


def post_login(client, username, password, ip="10.20.30.40"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_login_page_renders_in_chinese(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    body = response.content.decode()
    assert "大手拉小手" in body
    assert "党建指导工作平台" in body
    assert "连续 5 次密码错误，账号将被锁定 15 分钟" in body


def test_successful_login_is_audited_with_ip(client, cast):
    response = post_login(client, "instructor", PASSWORD, ip="10.1.2.3")
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    [event] = events(AuditAction.LOGIN)
    assert event.actor == cast.instructor
    assert event.actor_name == "instructor"
    assert event.ip == "10.1.2.3"
    assert event.object_type == "accounts.user"
    assert event.object_id == str(cast.instructor.pk)
    cast.instructor.refresh_from_db()
    assert cast.instructor.last_login is not None


def test_failed_login_is_audited_with_ip_and_counted(client, cast):
    response = post_login(client, "instructor", "wrong-password", ip="192.168.7.8")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "请输入一个正确的" in response.content.decode()
    [event] = events(AuditAction.LOGIN_FAILED)
    assert event.actor == cast.instructor
    assert event.actor_name == "instructor"
    assert event.ip == "192.168.7.8"
    assert event.changes == {"failed_logins": [0, 1]}
    assert not events(AuditAction.LOGIN)
    cast.instructor.refresh_from_db()
    assert cast.instructor.failed_logins == 1


def test_failed_login_of_unknown_name_is_audited_with_the_name_typed(client, cast):
    post_login(client, "nobody-here", "whatever", ip="172.16.0.9")
    [event] = events(AuditAction.LOGIN_FAILED)
    assert event.actor is None
    assert event.actor_name == "nobody-here"
    assert event.object_repr == "nobody-here"
    assert event.ip == "172.16.0.9"


def test_success_resets_the_failure_count(client, cast):
    for _ in range(3):
        post_login(client, "instructor", "wrong-password")
    post_login(client, "instructor", PASSWORD)
    cast.instructor.refresh_from_db()
    assert cast.instructor.failed_logins == 0
    assert cast.instructor.locked_until is None


def test_five_failures_lock_the_account_even_against_the_right_password(client, cast):
    assert services.MAX_FAILED_LOGINS == 5
    for attempt in range(1, 5):
        response = post_login(client, "instructor", f"wrong-{attempt}")
        assert LOCKED_MESSAGE not in response.content.decode()
    response = post_login(client, "instructor", "wrong-5")
    # The fifth failure says at once that the account is now locked.
    assert LOCKED_MESSAGE in response.content.decode()
    user = User.objects.get(pk=cast.instructor.pk)
    assert user.failed_logins == 5
    assert services.is_locked(user)
    locked_until = user.locked_until
    assert locked_until is not None
    assert timedelta(minutes=14) < locked_until - timezone.now() <= timedelta(minutes=15)
    fifth = events(AuditAction.LOGIN_FAILED)[-1]
    assert fifth.changes["failed_logins"] == [4, 5]
    assert fifth.changes["locked_until"] == [None, locked_until.isoformat()]

    response = post_login(client, "instructor", PASSWORD, ip="10.9.9.9")
    assert response.status_code == 200
    assert LOCKED_MESSAGE in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not events(AuditAction.LOGIN)
    refused = events(AuditAction.LOGIN_FAILED)[-1]
    assert len(events(AuditAction.LOGIN_FAILED)) == 6
    assert refused.actor == cast.instructor
    assert refused.ip == "10.9.9.9"
    assert refused.changes == {"reason": [None, "账号已锁定"]}
    # Attempts while locked neither count nor extend the lock.
    user.refresh_from_db()
    assert user.failed_logins == 5
    assert user.locked_until == locked_until


def test_an_expired_lock_lets_the_user_in_and_a_new_failure_starts_counting_again(client, cast):
    User.objects.filter(pk=cast.instructor.pk).update(
        failed_logins=5, locked_until=timezone.now() - timedelta(minutes=1)
    )
    post_login(client, "instructor", "wrong-again")
    user = User.objects.get(pk=cast.instructor.pk)
    assert user.failed_logins == 1
    assert not services.is_locked(user)
    response = post_login(client, "instructor", PASSWORD)
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.failed_logins, user.locked_until) == (0, None)


def test_logout_is_post_only_and_audited(client, cast):
    post_login(client, "instructor", PASSWORD, ip="10.0.0.5")
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"), REMOTE_ADDR="10.0.0.5")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    [event] = events(AuditAction.LOGOUT)
    assert event.actor == cast.instructor
    assert event.ip == "10.0.0.5"
    assert "_auth_user_id" not in client.session


def test_anonymous_user_is_sent_to_the_login_page(client, cast):
    response = client.get(reverse("accounts:user_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


# --- one's own password -------------------------------------------------------------------


PASSWORD_URL = reverse("accounts:password_change")


def test_user_changes_own_password_and_stays_logged_in(client_for, cast):
    client = client_for(cast.school_user)
    response = client.post(
        PASSWORD_URL,
        {
            "old_password": PASSWORD,
            "new_password1": "Hongse-Jiangxi-2025",
            "new_password2": "Hongse-Jiangxi-2025",
        },
    )
    assert response.status_code == 302
    cast.school_user.refresh_from_db()
    assert cast.school_user.check_password("Hongse-Jiangxi-2025")
    event = AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_id=str(cast.school_user.pk)
    ).get()
    assert event.actor == cast.school_user
    assert event.changes == {"password": ["******", "******"]}
    # Still logged in: the session hash follows the new password.
    assert client.get(reverse("accounts:password_change")).status_code == 200


def test_password_change_refuses_wrong_old_and_weak_new_password_in_chinese(client_for, cast):
    client = client_for(cast.school_user)
    response = client.post(
        PASSWORD_URL,
        {
            "old_password": "not-my-password",
            "new_password1": "Hongse-Jiangxi-2025",
            "new_password2": "Hongse-Jiangxi-2025",
        },
    )
    assert response.status_code == 400
    assert "旧密码不正确" in response.content.decode()
    response = client.post(
        PASSWORD_URL,
        {
            "old_password": PASSWORD,
            "new_password1": "12345678",
            "new_password2": "12345678",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "密码长度太短，至少需要 10 个字符" in body
    assert "This password" not in body
    assert "这个密码太常见了" in body
    cast.school_user.refresh_from_db()
    assert cast.school_user.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action=AuditAction.UPDATE).exists()


def test_unknown_names_lock_like_real_ones(client, db):
    """The locked message must not tell an attacker which account names exist."""
    from django.core.cache import cache

    cache.clear()
    url = reverse("accounts:login")
    for _ in range(5):
        response = client.post(url, {"username": "no_such_person", "password": "wrong-Pass-1"})
    assert "账号已锁定" in response.content.decode()
    cache.clear()
