"""In Debian's Chromium: a failed and a successful login through the login page, then the audit
administrator finds both in the audit log, with the IP. Screenshots go to artifacts/."""

from __future__ import annotations

from handinhand.conftest import (
    ARTIFACTS,
    BROWSER_MARKS,
    PASSWORD,
    build_cast,
    pass_second_factor_in_browser,
)

pytestmark = BROWSER_MARKS


def login(page, base, username, password):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    pass_second_factor_in_browser(page, username)


def test_logins_reach_the_audit_log(transactional_db, live_server, browser_page):
    page = browser_page
    build_cast()
    base = live_server.url

    login(page, base, "leader", "not-the-password")
    assert "请输入一个正确的用户名和密码" in page.inner_text("main")
    page.screenshot(path=str(ARTIFACTS / "accounts-login-failed.png"), full_page=True)

    login(page, base, "audit_admin", PASSWORD)
    page.wait_for_url(f"{base}/")
    page.click("nav >> text=审计日志")
    page.wait_for_url(f"{base}/audit/")
    table = page.inner_text("#results")
    assert "登录失败" in table and "leader" in table
    assert "登录成功" in table and "audit_admin" in table
    assert "127.0.0.1" in table
    page.screenshot(path=str(ARTIFACTS / "audit-list.png"), full_page=True)

    page.select_option("select[name=action]", "login_failed")
    page.wait_for_selector("#results >> text=共 1 条")
    page.click("#results tbody tr >> nth=0 >> a")
    page.wait_for_selector("text=审计事件")
    assert "127.0.0.1" in page.inner_text("main")
    assert "连续登录失败次数" in page.inner_text("main")
    page.screenshot(path=str(ARTIFACTS / "audit-detail.png"), full_page=True)

    # Logout is a POST from the navbar; the audit admin is then back on the login page.
    page.click("nav button[type=submit]")
    page.wait_for_url(f"{base}/accounts/login/")
