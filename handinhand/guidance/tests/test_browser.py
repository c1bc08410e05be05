"""In Debian's Chromium: an instructor, on a phone-sized screen, records a held visit and
raises a finding on it → the school user answers → the instructor, on the phone again,
verifies and closes it (销号). Screenshots go to artifacts/."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from handinhand.conftest import ARTIFACTS, BROWSER_MARKS, PASSWORD, build_cast
from handinhand.guidance.models import Finding, Visit

pytestmark = BROWSER_MARKS


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_visit_with_finding_answered_and_closed(transactional_db, live_server, browser_page):
    cast = build_cast()
    base = live_server.url
    phone = browser_page.context.browser.new_page(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True
    )
    _login(phone, base, cast.instructor.username)
    phone.goto(f"{base}/guidance/workbench/")
    phone.wait_for_selector("text=湘东片区")
    phone.screenshot(path=str(ARTIFACTS / "guidance-workbench-phone.png"), full_page=True)
    # Nothing on the workbench is wider than the phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    phone.click("text=登记指导活动")
    phone.select_option("select[name=status]", "held")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    phone.fill("input[name=date]", yesterday.isoformat())
    phone.fill("input[name=duration_hours]", "2.5")
    phone.select_option("select[name=form]", "实地指导")
    phone.fill("input[name=title]", "手机登记的指导活动")
    phone.select_option("select[name=schools]", [str(cast.school.pk)])
    phone.select_option("select[name=instructors]", [str(cast.membership.pk)])
    phone.fill("textarea[name=content]", "查阅支部“三会一课”记录，现场反馈问题。")
    phone.click("main form button[type=submit]")
    phone.wait_for_selector("text=指导活动已保存")
    phone.screenshot(path=str(ARTIFACTS / "guidance-visit-phone.png"), full_page=True)
    visit = Visit.objects.get()
    assert (visit.status, visit.date, visit.title) == ("held", yesterday, "手机登记的指导活动")

    phone.click("text=提出问题")
    phone.fill("textarea[name=problem]", "支部“三会一课”记录缺少签到表")
    phone.fill("input[name=indicator]", "3.2.1")
    phone.select_option("select[name=severity]", "major")
    phone.fill("input[name=deadline]", (yesterday + dt.timedelta(days=30)).isoformat())
    phone.click("main form button[type=submit]")
    phone.wait_for_selector("text=问题已提出")
    finding = Finding.objects.get()
    assert (finding.visit, finding.school, finding.status) == (visit, cast.school, "open")

    school = browser_page
    _login(school, base, cast.school_user.username)
    school.goto(f"{base}/guidance/visits/")
    school.wait_for_selector("text=手机登记的指导活动")
    school.click("#results tbody tr a")
    school.wait_for_selector("text=查阅支部")
    assert school.locator("text=编辑").count() == 0  # the school reads, the group writes
    school.screenshot(path=str(ARTIFACTS / "guidance-visit-school.png"), full_page=True)

    school.goto(f"{base}/guidance/findings/")
    school.click("#results tbody tr a")
    school.fill("textarea[name=measures]", "已补齐近三个月的签到表并建立检查制度。")
    school.click("#answer-box button[type=submit]")
    school.click("#hh-confirm-ok")
    school.wait_for_selector("text=整改情况已提交")
    finding.refresh_from_db()
    assert finding.status == "answered"

    phone.goto(f"{base}/guidance/workbench/")
    phone.click("#pending-reviews a")
    phone.wait_for_selector("text=已补齐近三个月的签到表")
    phone.click("text=通过并销号")
    phone.click("#hh-confirm-ok")  # the one confirmation of irreversible actions
    phone.wait_for_selector("text=问题已销号")
    phone.screenshot(path=str(ARTIFACTS / "guidance-finding-closed-phone.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    finding.refresh_from_db()
    assert finding.status == "closed"
    phone.close()
