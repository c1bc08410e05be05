"""In Debian's Chromium: log in → school list → filter → import a roster → see the new schools.

Runs in CI; screenshots go to artifacts/ for a person to look at.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings

from handinhand.conftest import PASSWORD, build_cast
from handinhand.orgs.credit_code import make_credit_code
from handinhand.orgs.imports import ROSTER_HEADERS

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(settings.BASE_DIR) / "artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists(),
        reason="Debian chromium is not installed (apt-get install -y chromium)",
    ),
]


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        try:
            yield page
        finally:
            browser.close()


def _roster(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(ROSTER_HEADERS))
    sheet.append(
        [
            "湘东区浏览器测试小学",
            make_credit_code("12", "360313", 880001),
            "湘东区",
            "小学",
            "党支部",
            "周书记",
            "吴校长",
            "0799-1234567",
            480,
            36,
        ]
    )
    sheet.append(
        [
            "湘东区浏览器测试中学",
            make_credit_code("12", "360313", 880002),
            "萍乡市湘东区",
            "初中",
            "党总支",
            "郑书记",
            "",
            "",
            "９００",
            "６０",
        ]
    )
    workbook.save(path)
    return path


def test_login_filter_import_and_see_new_schools(
    transactional_db, live_server, browser_page, tmp_path
):
    cast = build_cast()
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser_page

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", cast.county_user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/orgs/schools/")
    assert page.locator("#results tbody tr").count() == 1
    page.fill("input[name=q]", "不存在的学校")
    page.wait_for_selector("text=没有符合条件的记录")
    page.fill("input[name=q]", "湘东")
    page.wait_for_selector(f"text={cast.school.name}")
    page.screenshot(path=str(ARTIFACTS / "school-list-filtered.png"), full_page=True)

    page.goto(f"{live_server.url}/orgs/schools/import/")
    page.set_input_files("input[type=file]", str(_roster(tmp_path / "roster.xlsx")))
    page.click("main form button[type=submit]")
    page.wait_for_selector("text=新增 2")
    page.screenshot(path=str(ARTIFACTS / "school-import-result.png"), full_page=True)

    page.goto(f"{live_server.url}/orgs/schools/?q=浏览器测试")
    rows = page.locator("#results tbody tr")
    assert rows.count() == 2
    assert "湘东区浏览器测试中学" in page.inner_text("#results")
    page.screenshot(path=str(ARTIFACTS / "school-list-after-import.png"), full_page=True)
