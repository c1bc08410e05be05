"""The language switch (issue 14 point 8): remembered on the account, a cookie for visitors,
Django's own texts following it."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from handinhand.accounts.models import User
from handinhand.conftest import PASSWORD
from handinhand.core.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db

LANGUAGE = reverse("accounts:language")
LOGIN = reverse("accounts:login")
COOKIE = settings.LANGUAGE_COOKIE_NAME


def test_the_login_page_offers_the_switch_and_a_visitor_gets_a_cookie(client):
    page = client.get(LOGIN).content.decode()
    assert 'id="language-switch"' in page and 'value="en"' in page and "English" in page
    response = client.post(LANGUAGE, {"language": "en", "next": LOGIN})
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert response.cookies[COOKIE].value == "en"
    page = client.get(LOGIN).content.decode()
    assert "Log in" in page and '<html lang="en">' in page
    assert "简体中文" in page  # the way back, in its own language


def test_django_texts_follow_the_language(client):
    client.cookies[COOKIE] = "en"
    page = client.post(LOGIN, {"username": "", "password": ""}).content.decode()
    assert "This field is required." in page
    client.cookies[COOKIE] = "zh-hans"
    assert "这个字段是必填项。" in client.post(LOGIN, {"username": ""}).content.decode()


def test_a_signed_in_persons_choice_is_stored_audited_and_applied_everywhere(client, cast):
    client.force_login(cast.instructor)
    client.post(LANGUAGE, {"language": "en", "next": "/"})
    cast.instructor.refresh_from_db()
    assert cast.instructor.language == "en"
    event = AuditEvent.objects.filter(action=AuditAction.UPDATE).latest("id")
    assert event.object_id == str(cast.instructor.pk)
    assert event.changes == {"language": ["", "en"]}
    # Another device, whose browser asks for Chinese: the account's choice wins.
    other = client_class_for(client)
    other.force_login(cast.instructor)
    response = other.get(reverse("dashboard:home"), HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response["Content-Language"] == "en"
    assert response.cookies[COOKIE].value == "en"  # the login page after logout stays English
    # Choosing the same language again writes nothing.
    before = AuditEvent.objects.count()
    client.post(LANGUAGE, {"language": "en"})
    assert AuditEvent.objects.count() == before


def client_class_for(client):
    return type(client)()


def test_a_choice_made_on_the_login_page_is_kept_at_login(client, cast):
    client.post(LANGUAGE, {"language": "en"})
    client.post(LOGIN, {"username": "instructor", "password": PASSWORD})
    assert User.objects.get(pk=cast.instructor.pk).language == "en"


def test_an_unknown_language_or_a_get_changes_nothing(client, cast):
    client.force_login(cast.instructor)
    response = client.post(LANGUAGE, {"language": "fr", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert COOKIE not in response.cookies
    assert client.get(LANGUAGE).status_code == 405
    cast.instructor.refresh_from_db()
    assert cast.instructor.language == ""


def test_half_signed_in_the_choice_stays_in_the_cookie(client, cast):
    """Password given, second factor not yet: the account is not written (review finding)."""
    client.post(LOGIN, {"username": cast.province_admin.username, "password": PASSWORD})
    assert client.session.get("_auth_user_id") and not client.session.get("otp_device_id")
    response = client.post(LANGUAGE, {"language": "en"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    cast.province_admin.refresh_from_db()
    assert cast.province_admin.language != "en"
