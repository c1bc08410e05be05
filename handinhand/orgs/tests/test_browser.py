"""In Debian's Chromium: log in → school list → filter → import a roster → see the new schools.

Runs in CI; screenshots go to artifacts/ for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl

from handinhand.conftest import ARTIFACTS, BROWSER_MARKS, PASSWORD, build_cast
from handinhand.orgs.credit_code import make_credit_code
from handinhand.orgs.imports import ROSTER_HEADERS

pytestmark = BROWSER_MARKS


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
