"""In Debian's Chromium: in January a leader fills and submits the draft annual report, and the
province's department acknowledges it. Screenshots go to artifacts/."""

from __future__ import annotations

from handinhand.conftest import (
    ARTIFACTS,
    BROWSER_MARKS,
    PASSWORD,
    build_cast,
    pass_second_factor_in_browser,
)
from handinhand.reports.models import AnnualReport, ReportStatus
from handinhand.reports.services import reports_generate

pytestmark = BROWSER_MARKS


def _login(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    pass_second_factor_in_browser(page, username)
    page.wait_for_url(f"{base}/")


def test_leader_submits_and_department_acknowledges(transactional_db, live_server, browser_page):
    cast = build_cast()
    reports_generate(actor=cast.province_admin, year=2025)
    report = AnnualReport.objects.get(group=cast.groups["ncu"], year=2025)
    page, base = browser_page, live_server.url
    page.on("dialog", lambda dialog: dialog.accept())

    _login(page, base, cast.leader.username)
    page.goto(f"{base}/reports/")
    page.click(f"text={report.title}")
    page.wait_for_selector("#report-status:has-text('草稿')")
    page.click("text=填写报告")
    page.fill("textarea[name=work_summary]", "全年到校指导 24 次，覆盖湘东片区全部学校。")
    page.fill("textarea[name=leader_duty]", "组长主持工作调度会议 2 次，带队指导 6 次。")
    page.fill("textarea[name=problems]", "个别学校整改进度偏慢。")
    page.fill("textarea[name=plans]", "推进片区全覆盖。")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#work-summary:has-text('全年到校指导 24 次')")
    page.screenshot(path=str(ARTIFACTS / "annual-report-draft.png"), full_page=True)
    page.click("#submit-report")
    page.click("#hh-confirm-ok")  # the one confirmation of irreversible actions
    page.wait_for_selector("#report-status:has-text('已提交')")

    _login(page, base, cast.province_admin.username)
    page.goto(f"{base}/reports/{report.pk}/")
    page.click("#acknowledge-report")
    page.click("#hh-confirm-ok")
    page.wait_for_selector("#report-status:has-text('已签收')")
    page.screenshot(path=str(ARTIFACTS / "annual-report-acknowledged.png"), full_page=True)
    report.refresh_from_db()
    assert report.status == ReportStatus.ACKNOWLEDGED
    assert report.submitted_by == cast.leader and report.acknowledged_by == cast.province_admin
    assert report.work_summary.startswith("全年到校指导")
