"""In Debian's Chromium: 南昌大学's unit contact nominates five people (two typed in the form,
with an attachment) and submits; the province admin returns one with a reason, the contact
corrects and resubmits it, the admin approves all; the new members appear on the group's page
and their letters download as Word files. Screenshots at 1440 and 390 px wide go to
artifacts/screenshots/ (or $SHOTS_DIR)."""

from __future__ import annotations

import os
from io import BytesIO
from pathlib import Path
from typing import Any

from docx import Document

from handinhand.appointments.models import AppointmentLetter, Nomination, NominationSet
from handinhand.appointments.tests.factories import nominate, setup
from handinhand.conftest import (
    ARTIFACTS,
    BROWSER_MARKS,
    PASSWORD,
    build_cast,
    pass_second_factor_in_browser,
)
from handinhand.programme.models import MemberRole, Membership

pytestmark = BROWSER_MARKS
SHOTS = Path(os.environ.get("SHOTS_DIR") or ARTIFACTS / "screenshots")


def _login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    pass_second_factor_in_browser(page, username)
    page.wait_for_url(f"{base}/")


def _shoot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1440, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"appointments-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def _nominate_in_form(page: Any, person: Any, role: str, attachment: Path | None = None) -> None:
    page.click("a[href$='/nominations/new/']")
    page.wait_for_selector("select[name=user]")
    page.select_option("select[name=user]", str(person.pk))
    page.select_option("select[name=role]", role)
    page.fill("input[name=department]", "党委组织部")
    page.fill("input[name=title]", "教授")
    page.fill(
        "textarea[name=party_experience]", "2016年起任学院党委书记，2021年起任党委组织部副部长"
    )
    if attachment is not None:
        page.set_input_files("input[name=attachments]", str(attachment))
    page.click("main form button[type=submit]")
    page.wait_for_selector("#nominations")


def test_nominate_return_approve_members_appear_and_letters_download(
    transactional_db, live_server, browser_page, tmp_path
):
    cast = build_cast()
    s = setup(cast)
    page, base = browser_page, live_server.url
    resume = tmp_path / "任职文件.pdf"
    resume.write_bytes(b"%PDF-1.4\n%resume\n")

    # The unit contact opens a nomination for the group and names five people.
    _login(page, base, s.contact.username)
    page.goto(f"{base}/appointments/")
    page.click("text=为南昌大学第二党建指导组推荐人选")
    page.fill("input[name=term_start]", "2026-03-01")
    page.fill("input[name=term_end]", "2029-02-28")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#nominations", timeout=5000)
    nomination_set = NominationSet.objects.get(group=s.group)
    _nominate_in_form(page, s.people[0], MemberRole.LEADER, resume)
    _nominate_in_form(page, s.people[1], MemberRole.INSTRUCTOR)
    for person in s.people[2:5]:
        nominate(s, nomination_set, person)
    page.reload()
    assert "5 人" in page.inner_text("#composition")
    page.click("#submit-set")
    page.wait_for_selector("text=已报送审批")
    _shoot(page, "set-submitted")

    # The province returns one with a reason. (Its own window: the second factor's code may
    # be used once only, so the administrator signs in once.)
    admin = page.context.browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    _login(admin, base, cast.province_admin.username)
    admin.goto(f"{base}/appointments/{nomination_set.pk}/")
    returned = Nomination.objects.get(nomination_set=nomination_set, user=s.people[1])
    row = admin.locator(f"#nomination-{returned.pk}")
    row.locator("input[name=reason]").fill("请补充党务工作经历的任职时间")
    row.locator("button:has-text('退回')").click()
    admin.wait_for_selector(".return-reason")

    # The contact sees the reason and who returned it, corrects and resubmits.
    _login(page, base, s.contact.username)
    page.goto(f"{base}/appointments/{nomination_set.pk}/")
    reason = page.inner_text(f"#nomination-{returned.pk} .return-reason")
    assert "省工委管理员" in reason and "请补充党务工作经历的任职时间" in reason
    page.locator(f"#nomination-{returned.pk}").locator("text=修改").click()
    page.fill("textarea[name=party_experience]", "2015—2020年任学院党总支书记")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#nominations")
    page.locator(f"#nomination-{returned.pk} button:has-text('重新报送')").click()
    page.wait_for_selector("text=已重新报送")

    # The province approves all five.
    admin.goto(f"{base}/appointments/{nomination_set.pk}/")
    _shoot(admin, "set-to-approve")
    for _ in range(5):
        admin.locator("#nominations button:has-text('批准')").first.click()
        admin.wait_for_selector("#nominations")
    assert Membership.objects.filter(group=s.group, is_active=True).count() == 5
    admin.wait_for_selector("#letters a")
    _shoot(admin, "set-approved")

    # The new members are on the group's page.
    admin.goto(f"{base}/programme/groups/{s.group.pk}/")
    members = admin.inner_text("#members")
    for person in s.people[:5]:
        assert person.full_name in members

    # A member downloads their letter; the unit downloads the group's notice.
    _login(page, base, s.people[0].username)
    page.goto(f"{base}/appointments/letters/")
    _shoot(page, "letters")
    mine = AppointmentLetter.objects.get(user=s.people[0])
    with page.expect_download() as info:
        page.click(f"text={mine.number}")
    data = Path(info.value.path()).read_bytes()
    text = "\n".join(p.text for p in Document(BytesIO(data)).paragraphs)
    assert mine.number in text and "陈一同志" in text and "组长" in text

    _login(page, base, s.contact.username)
    page.goto(f"{base}/appointments/letters/")
    group_letter = AppointmentLetter.objects.get(nomination_set=nomination_set, kind="group")
    with page.expect_download() as info:
        page.click(f"text={group_letter.number} >> nth=0")
    data = Path(info.value.path()).read_bytes()
    cells = [c.text for t in Document(BytesIO(data)).tables for r in t.rows for c in r.cells]
    for person in s.people[:5]:
        assert person.full_name in cells
