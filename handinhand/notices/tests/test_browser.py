"""In Debian's Chromium: the province publishes a notice to the schools through the form (the
school picked by searching), the school user finds it unread in their notices on a phone and
opens it, and the province's receipt counts change. Screenshots at 1440 and 390 px wide go to
artifacts/screenshots/."""

from __future__ import annotations

from typing import Any

from handinhand.conftest import (
    ARTIFACTS,
    BROWSER_MARKS,
    PASSWORD,
    build_cast,
    pass_second_factor_in_browser,
)
from handinhand.notices.models import Notice, NoticeReceipt

pytestmark = BROWSER_MARKS
SHOTS = ARTIFACTS / "screenshots"


def _login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    pass_second_factor_in_browser(page, username)
    page.wait_for_url(f"{base}/")


def test_province_notice_reaches_a_school_and_is_read(transactional_db, live_server, browser_page):
    cast = build_cast()
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    desk = browser_page
    desk.set_viewport_size({"width": 1440, "height": 900})

    _login(desk, base, cast.province_admin.username)
    desk.goto(f"{base}/notices/new/")
    desk.fill("input[name=title]", "关于开展学校党建工作自评的通知")
    desk.fill("textarea[name=body]", "请各校对照三级指标完成自评。")
    desk.check("input[name=roles][value=region_staff]")
    desk.fill("#search-schools", "湘东")
    desk.wait_for_selector(f"#pick-schools-{cast.school.pk}")
    desk.check(f"#pick-schools-{cast.school.pk}")
    desk.screenshot(path=str(SHOTS / "notices-create-1440.png"), full_page=True)
    desk.click("#notice-form button[type=submit]")
    desk.wait_for_selector("text=通知已发布")
    notice = Notice.objects.get()
    assert NoticeReceipt.objects.filter(notice=notice).count() == 4  # the school + 3 bureaus
    assert desk.inner_text("#count-read") == "0"
    assert desk.inner_text("#count-unread") == "4"

    phone = desk.context.browser.new_page(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True
    )
    _login(phone, base, cast.school_user.username)
    phone.goto(f"{base}/notices/")
    phone.wait_for_selector("text=关于开展学校党建工作自评的通知")
    assert "未读 1 条" in phone.inner_text("#unread-summary")
    phone.screenshot(path=str(SHOTS / "notices-list-390.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.click("text=关于开展学校党建工作自评的通知")
    phone.wait_for_selector("text=请各校对照三级指标完成自评")
    phone.screenshot(path=str(SHOTS / "notices-detail-390.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.goto(f"{base}/notices/")
    assert "未读 0 条" in phone.inner_text("#unread-summary")

    desk.goto(f"{base}/notices/{notice.pk}/receipts/")
    assert desk.inner_text("#count-read") == "1"
    assert desk.inner_text("#count-unread") == "3"
    assert "湘东一小书记" not in desk.inner_text("#results")
    desk.click("text=提醒未读人员")
    desk.wait_for_selector("text=已提醒 3 名未读人员")
    desk.screenshot(path=str(SHOTS / "notices-receipts-1440.png"), full_page=True)
    desk.set_viewport_size({"width": 390, "height": 844})
    desk.reload()
    desk.screenshot(path=str(SHOTS / "notices-receipts-390.png"), full_page=True)
    assert desk.evaluate("document.documentElement.scrollWidth") <= 390
    desk.set_viewport_size({"width": 1440, "height": 900})
    desk.goto(f"{base}/notices/?box=sent")
    desk.screenshot(path=str(SHOTS / "notices-sent-1440.png"), full_page=True)
    phone.close()
