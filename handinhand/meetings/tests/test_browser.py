"""In Debian's Chromium: the organiser invites a bureau and a guest on the meeting page, projects
the QR code, and the bureau's staff member signs in on a 390 px phone (login first, the code kept
through it); the projected count and the roll show the sign-in. Screenshots at 1440 and 390 px
go to artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from handinhand.conftest import ARTIFACTS, BROWSER_MARKS, PASSWORD, build_cast
from handinhand.meetings.models import Attendance, Meeting

pytestmark = BROWSER_MARKS
SHOTS = ARTIFACTS / "screenshots"


def _fill_login(page: Any, username: str) -> None:
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_invite_project_and_sign_in_on_a_phone(transactional_db, live_server, browser_page):
    cast = build_cast()
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    meeting = Meeting.objects.create(
        kind="scheduling",
        group=cast.groups["ncu"],
        title="萍乡片区工作调度会",
        date=timezone.localdate() + dt.timedelta(days=1),
        start_time=dt.time(9, 30),
        place="萍乡市教育局三楼会议室",
    )
    desk = browser_page
    desk.set_viewport_size({"width": 1440, "height": 900})
    desk.goto(f"{base}/accounts/login/")
    _fill_login(desk, cast.leader.username)
    desk.goto(f"{base}{meeting.get_absolute_url()}")
    desk.select_option("#invite-groups", [str(cast.groups["ncu"].pk)])
    desk.select_option("#invite-users", [str(cast.city_user.pk)])
    desk.fill("#invite-guests", "张局长，新余市教育局")
    desk.click("#invite button")
    desk.wait_for_selector("text=邀请名单已更新")
    assert Attendance.objects.filter(meeting=meeting).count() == 4  # 2 members, bureau, guest
    desk.click("#open-qr")
    desk.wait_for_selector("#qr-code svg")
    desk.screenshot(path=str(SHOTS / "meetings-qr-1440.png"), full_page=True)
    url = desk.get_attribute("#qr-code", "data-checkin-url")
    assert url and "/checkin/?code=" in url

    phone = desk.context.browser.new_page(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True
    )
    phone.goto(url)
    assert "/accounts/login/" in phone.url  # login first; the code comes back after it
    _fill_login(phone, cast.city_user.username)
    phone.wait_for_selector("text=确认签到")
    phone.click("main button:has-text('确认签到')")
    phone.wait_for_selector("#checkin-result")
    assert "签到成功" in phone.inner_text("#checkin-result")
    phone.screenshot(path=str(SHOTS / "meetings-checkin-390.png"), full_page=True)
    assert Attendance.objects.get(meeting=meeting, user=cast.city_user).signed_in

    desk.reload()
    desk.wait_for_selector("#qr-code svg")
    assert "已签到 1 / 4 人" in desk.inner_text(".hh-qr-count")
