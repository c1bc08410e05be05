"""Defect 5 (open redirect): a `next` taken from the request never leaves the site."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import RequestFactory
from django.urls import reverse

from handinhand.conftest import Cast
from handinhand.core.redirects import safe_next
from handinhand.meetings.models import ActionItem
from handinhand.meetings.tests.conftest import make_meeting

OFF_SITE = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example",
    "///evil.example",
    "https:evil.example",
    "https:/evil.example",
    "\\\\evil.example",
    "/\\evil.example",
    "\\/evil.example",
    " //evil.example",
    "/\t/evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "ftp://evil.example/",
    "http://testserver@evil.example/",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_off_site_targets_fall_back(target: str) -> None:
    request = RequestFactory().post("/x/", {"next": target})
    assert safe_next(request, "/fallback/") == "/fallback/"


@pytest.mark.parametrize("target", ["/meetings/", "/meetings/?page=2#todo", "relative/path"])
def test_paths_of_this_site_are_kept(target: str) -> None:
    request = RequestFactory().get("/x/", {"next": target})
    assert safe_next(request, "/fallback/") == target


def test_missing_next_falls_back() -> None:
    assert safe_next(RequestFactory().get("/x/"), "/fallback/") == "/fallback/"


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "https:evil"])
def test_action_done_does_not_redirect_off_site(cast: Cast, client_for: Any, target: str) -> None:
    meeting = make_meeting(cast.groups["ncu"], dt.date(2025, 3, 10), status="planned")
    item = ActionItem.objects.create(
        meeting=meeting, text="整理调研报告", owner=cast.instructor, due=dt.date(2025, 4, 1)
    )
    response = client_for(cast.instructor).post(
        reverse("meetings:action_done", args=[item.pk]),
        {"expected_version": item.version, "next": target},
    )
    assert response.status_code == 302
    assert response["Location"] == meeting.get_absolute_url()


@pytest.mark.django_db
def test_action_done_keeps_a_local_next(cast: Cast, client_for: Any) -> None:

    meeting = make_meeting(cast.groups["ncu"], dt.date(2025, 3, 10), status="planned")
    item = ActionItem.objects.create(
        meeting=meeting, text="整理调研报告", owner=cast.instructor, due=dt.date(2025, 4, 1)
    )
    response = client_for(cast.instructor).post(
        reverse("meetings:action_done", args=[item.pk]),
        {"expected_version": item.version, "next": "/meetings/todo/"},
    )
    assert response["Location"] == "/meetings/todo/"
