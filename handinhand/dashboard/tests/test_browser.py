"""In Debian's Chromium: each role's home (its inbox top and figures) and the inbox, at 1440
and 390 px wide. Screenshots go to artifacts/screenshots/ for a person to look at."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from handinhand.conftest import (
    ARTIFACTS,
    BROWSER_MARKS,
    PASSWORD,
    build_cast,
    pass_second_factor_in_browser,
)
from handinhand.guidance.models import Finding
from handinhand.guidance.tests.conftest import raise_finding
from handinhand.reports.models import AnnualReport, ReportStatus

pytestmark = BROWSER_MARKS

SHOTS = ARTIFACTS / "screenshots"
ROLES = ["school_user", "instructor", "leader", "county_user", "province_admin", "security_admin"]


def _login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    pass_second_factor_in_browser(page, username)
    page.wait_for_url(f"{base}/")


def test_role_homes_and_inbox(transactional_db: Any, live_server: Any, browser_page: Any) -> None:
    cast = build_cast()
    today = timezone.localdate()
    raise_finding(cast)
    late = raise_finding(cast, problem="党员发展材料不全", found_on=today - dt.timedelta(days=20))
    Finding.objects.filter(pk=late.pk).update(deadline=today - dt.timedelta(days=4))
    AnnualReport.objects.create(
        group=cast.groups["ncu"],
        year=today.year - 1,
        status=ReportStatus.RETURNED,
        return_reason="请补充负责人履职情况",
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    page = browser_page
    # One login per role (a second-factor code is good once), both widths in that session.
    for role in ROLES:
        page.set_viewport_size({"width": 1440, "height": 900})
        _login(page, base, getattr(cast, role).username)
        for width, height in ((1440, 900), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            page.goto(f"{base}/")
            page.wait_for_selector("#home-inbox")
            page.screenshot(path=str(SHOTS / f"home-{role}-{width}.png"), full_page=True)
            if width < 500:
                assert page.evaluate("document.documentElement.scrollWidth") <= width
            if role in ("school_user", "province_admin"):
                page.goto(f"{base}/inbox/")
                page.wait_for_selector(".hh-inbox")
                page.screenshot(path=str(SHOTS / f"inbox-{role}-{width}.png"), full_page=True)
                if width < 500:
                    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.set_viewport_size({"width": 1440, "height": 900})
    _login(page, base, cast.school_user.username)
    page.wait_for_selector("#todo-badge:has-text('2')")
    assert "已逾期4天" in page.inner_text("#home-inbox")
