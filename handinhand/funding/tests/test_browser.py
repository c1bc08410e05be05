"""In Debian's Chromium: the province admin computes and approves a lead university's allocation
and disburses it; the university's finance contact records an expense with a receipt scan and
sees the execution rate change. Screenshots of the execution page at 1440 and 390 px wide go to
artifacts/screenshots/."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

from handinhand.conftest import (
    ARTIFACTS,
    BROWSER_MARKS,
    PASSWORD,
    build_cast,
    pass_second_factor_in_browser,
)
from handinhand.funding.models import Allocation, Disbursement, Expense
from handinhand.funding.tests.factories import YEAR, finance

pytestmark = BROWSER_MARKS
SCREENSHOTS = ARTIFACTS / "screenshots"


def _png(path: Path) -> Path:
    """A 2×2 red PNG: a receipt scan as small as they come, but a real image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    return path


def _login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    pass_second_factor_in_browser(page, username)
    page.wait_for_url(f"{base}/")


def test_allocate_disburse_spend_and_the_rate_changes(
    transactional_db, live_server, browser_page, tmp_path
):
    cast = build_cast()
    contact = finance(cast)
    uni = cast.universities["ncu"]
    page, base = browser_page, live_server.url
    university_url = f"{base}/funding/universities/{uni.pk}/?year={YEAR}"

    _login(page, base, cast.province_admin.username)
    page.goto(university_url)
    page.click("text=测算与核定")
    page.wait_for_selector("text=经费测算表")
    assert "李指导" in page.content()
    page.fill("input[name=doc_number]", f"赣教工委财〔{YEAR}〕7号")
    page.fill("input[name=approved_on]", f"{YEAR}-03-01")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#rate")
    allocation = Allocation.objects.get(university=uni, year=YEAR)
    assert page.inner_text("#figures").count("¥30,000.00") >= 1

    page.click("text=登记下拨")
    page.fill("input[name=date]", f"{YEAR}-03-10")
    page.fill("input[name=amount]", "30000.00")
    page.fill("input[name=doc_number]", f"赣教工委财〔{YEAR}〕8号")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#rate")
    assert Disbursement.objects.get(university=uni, year=YEAR).amount == allocation.amount
    assert page.inner_text("#rate") == "0.0%"

    _login(page, base, contact.username)
    page.goto(university_url)
    assert page.inner_text("#rate") == "0.0%"
    page.click("text=登记支出")
    page.fill("input[name=date]", f"{YEAR}-04-02")
    page.select_option("select[name=category]", "交通差旅")
    page.fill("input[name=amount]", "3000.00")
    page.fill("input[name=payee]", "萍乡客运")
    page.fill("input[name=purpose]", "赴湘东区指导交通费")
    page.set_input_files("input[name=receipt]", str(_png(tmp_path / "票据.png")))
    page.click("main form button[type=submit]")
    page.wait_for_selector("#rate:has-text('10.0%')")
    expense = Expense.objects.get(university=uni, year=YEAR)
    assert expense.receipt_kind == "png" and expense.receipt
    assert "¥3,000.00" in page.inner_text("#figures")
    assert "¥27,000.00" in page.inner_text("#figures")  # the balance
    page.wait_for_selector("#chart-month canvas")

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1440, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(university_url)
        page.wait_for_selector("#chart-category canvas")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SCREENSHOTS / f"funding-university-{width}.png"), full_page=True)
        # The page's content is never wider than the screen: a phone scrolls down, not sideways.
        # (Measured on <main>: the shared navigation bar is not this page's.)
        overflow = page.evaluate(
            """() => [...document.querySelectorAll('main *')]
                .map(e => e.getBoundingClientRect().right)
                .filter(r => r > document.documentElement.clientWidth + 1).length"""
        )
        assert overflow == 0, f"{overflow} elements wider than the {width}px screen"
