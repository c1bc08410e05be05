"""In Debian's Chromium: the leader proposes 优秀, the province confirms it, the year goes
through publicity to final, the letters are written in the background, the instructor's letter
downloads and its verification code verifies on the public page. Screenshots go to artifacts/."""

from __future__ import annotations

import datetime as dt
import re

import docx
from django.utils import timezone

from handinhand.conftest import (
    ARTIFACTS,
    BROWSER_MARKS,
    PASSWORD,
    build_cast,
    pass_second_factor_in_browser,
)
from handinhand.incentives.models import Assessment, AssessmentYear, Letter, YearStatus
from handinhand.incentives.tests.factories import open_year, record, walk

pytestmark = BROWSER_MARKS


def _login(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    pass_second_factor_in_browser(page, username)
    page.wait_for_url(f"{base}/")


def test_grade_to_letter_to_verification(transactional_db, live_server, browser_page, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    cast = build_cast()
    year = open_year(cast)
    # Everyone else is already confirmed 合格; the instructor's record waits for the leader.
    for a in (
        Assessment.objects.filter(year=year)
        .exclude(status="exempt")
        .select_related("year", "user", "group")
    ):
        walk(cast, a, to="submitted" if a.user_id == cast.instructor.pk else "confirmed")
    mine = record(year, cast.instructor)
    page, base = browser_page, live_server.url
    page.on("dialog", lambda dialog: dialog.accept())

    _login(page, base, cast.leader.username)
    page.goto(f"{base}/incentives/{mine.pk}/")
    page.click("#propose")
    page.select_option("select[name=grade]", "优秀")
    page.fill("textarea[name=comment]", "全年到校指导 12 次，带动结对学校整改销号。")
    page.click("main form button[type=submit]")
    page.wait_for_selector("text=建议等次已提交省级确认")

    _login(page, base, cast.province_admin.username)
    page.goto(f"{base}/incentives/{mine.pk}/")
    page.click("#confirm")
    page.click("main form button[type=submit]")
    page.click("#hh-confirm-ok")
    page.wait_for_selector("text=考核等次已确认")
    assert record(year, cast.instructor).grade == "优秀"

    page.goto(f"{base}/incentives/years/{year.pk}/")
    page.click("#publicise")
    page.click("#hh-confirm-ok")
    page.wait_for_selector("#year-status:has-text('公示中')")
    # The publicity days pass.
    today = timezone.localdate()
    AssessmentYear.objects.filter(pk=year.pk).update(
        publicity_start=today - dt.timedelta(days=10), publicity_end=today - dt.timedelta(days=1)
    )
    page.reload()
    page.click("#finalise")
    page.click("#hh-confirm-ok")
    page.wait_for_selector("#year-status:has-text('已公布')")
    page.click("#letters")
    page.click("#hh-confirm-ok")
    page.wait_for_selector(".hh-job:has-text('已完成')")
    page.screenshot(path=str(ARTIFACTS / "assessment-letters-job.png"), full_page=True)

    page.goto(f"{base}/incentives/{mine.pk}/")
    with page.expect_download() as download_info:
        page.click("#letter")
    path = download_info.value.path()
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    letter = Letter.objects.get(assessment=mine)
    assert letter.number in text and "优秀" in text
    code = re.search(r"[0-9A-Z]{12}", text.split("验证码", 1)[1]).group(0)  # type: ignore[union-attr]
    assert code == letter.code

    # Anyone holding the letter, logged in or not.
    page.context.clear_cookies()
    page.goto(f"{base}/incentives/verify/")
    page.fill("input[name=number]", letter.number)
    page.fill("input[name=code]", code)
    page.click("main form button[type=submit]")
    result = page.inner_text("#verify-result")
    page.screenshot(path=str(ARTIFACTS / "assessment-letter-verified.png"), full_page=True)
    assert "通知书真实有效" in result and cast.instructor.full_name in result and "优秀" in result
    assert AssessmentYear.objects.get(pk=year.pk).status == YearStatus.FINAL
