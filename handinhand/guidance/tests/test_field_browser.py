"""In Debian's Chromium at 390×844 (a phone): 现场记录 (issue 14 points 1 and 2).

How taps are counted (`Thumb`): every tap on the screen (a button, a link, a list entry, the
field one writes in) is one; a key pressed that is not typing (Enter, Tab, Backspace) is one;
typing text is none (it is the content, the same on any design); taking a photo is one tap for
the camera button and one for the shutter. Signing in and opening the app are not counted.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from handinhand.conftest import ARTIFACTS, BROWSER_MARKS, PASSWORD, build_cast
from handinhand.guidance.models import Finding, Visit, VisitAttachment
from handinhand.guidance.selectors import name_initials
from handinhand.programme.models import Pairing

pytestmark = BROWSER_MARKS
PHONE = {"width": 390, "height": 844}
SHOTS = ARTIFACTS


class Thumb:
    """Drives the page as a thumb would, counting taps (see the module's docstring)."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.taps = 0
        self.log: list[str] = []

    def tap(self, selector: str) -> None:
        self.page.locator(selector).first.tap()
        self.taps += 1
        self.log.append(selector)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def photo(self, selector: str, path: Path) -> None:
        with self.page.expect_file_chooser() as chooser:
            self.tap(selector)
        chooser.value.set_files(str(path))
        self.taps += 1  # the shutter
        self.log.append("shutter")


def big_photo(path: Path, width: int = 3200, height: int = 2400) -> Path:
    """A real PNG larger than 1600 px (no imaging library needed): rows of a gradient."""
    raw = b"".join(b"\0" + bytes([y * 255 // height, 60, 120]) * width for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 1))
        + chunk(b"IEND", b"")
    )
    path.write_bytes(png)
    return path


def jpeg_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a JPEG's start-of-frame marker."""
    i = 2
    while i < len(data):
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    raise ValueError("no frame")


def _phone(browser_page: Any) -> tuple[Any, Any]:
    context = browser_page.context.browser.new_context(
        viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True, device_scale_factor=2
    )
    return context, context.new_page()


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _wait_offline_ready(page: Any) -> None:
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    ready = "#field-visit[data-shell-kept='1'][data-schools-kept='1']"
    page.wait_for_selector(ready, state="attached")


def test_visit_with_finding_and_photo_in_at_most_15_taps(
    transactional_db, live_server, browser_page, tmp_path
):
    cast = build_cast()
    base = live_server.url
    context, page = _phone(browser_page)
    _login(page, base, cast.instructor.username)
    photo = big_photo(tmp_path / "IMG_0001.png")

    thumb = Thumb(page)
    thumb.tap(".navbar-toggler")
    thumb.tap('#mainNav .dropdown-toggle:text-is("指导工作")')
    thumb.tap("#nav-visit-field")
    page.wait_for_selector("#field-visit[data-ready='1']", state="attached")
    page.screenshot(path=str(SHOTS / "guidance-field-visit-390.png"), full_page=True)
    # The date is today and the instructor is ticked without a tap.
    assert page.input_value("input[name=date]")
    assert page.is_checked(f"input[name=instructors][value='{cast.membership.pk}']")
    assert page.input_value("select[name=status]") == "held"

    thumb.tap("#school-search")
    thumb.type(name_initials(cast.school.name)[:4])  # 湘东区第一小学 → "xdqd"
    page.wait_for_selector(f".hh-school-choice[data-school='{cast.school.pk}']")
    thumb.tap(f".hh-school-choice[data-school='{cast.school.pk}']")
    thumb.tap("#finding-problem-1")
    thumb.type("支部“三会一课”记录缺少签到表")
    thumb.photo("#photo-button", photo)
    page.wait_for_selector("#photo-thumbs img")
    page.screenshot(path=str(SHOTS / "guidance-field-visit-filled-390.png"), full_page=True)
    thumb.tap("#field-submit")
    page.wait_for_selector("#field-status.alert-success")

    assert thumb.taps <= 15, thumb.log
    print(f"taps for a visit with one finding and one photo: {thumb.taps} ({thumb.log})")
    visit = Visit.objects.get()
    assert list(visit.schools.all()) == [cast.school]
    assert Finding.objects.get().visit == visit
    attachment = VisitAttachment.objects.get()
    assert attachment.kind == "jpg"
    width, height = jpeg_size(attachment.file.read())
    assert max(width, height) == 1600 and (width, height) == (1600, 1200)
    assert attachment.size < photo.stat().st_size
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # A file that is not an image is refused on the phone, before any upload.
    fake = tmp_path / "photo.jpg"
    fake.write_bytes(b"%PDF-1.4 not a photo")
    page.set_input_files("#photo-input", str(fake))
    page.wait_for_selector("#photo-error:not(.d-none)")
    assert "不是图片" in page.inner_text("#photo-error")
    assert page.locator("#photo-thumbs img").count() == 0
    # A photo still over the policy's limit once downscaled is refused before any upload (the
    # limit is lowered here: a real 20 MB JPEG of 1600 px does not exist).
    page.evaluate("() => { document.getElementById('field-visit').dataset.maxBytes = '1000'; }")
    page.set_input_files("#photo-input", str(photo))
    page.wait_for_selector("#photo-error:has-text('超过上限')")
    assert page.locator("#photo-thumbs img").count() == 0
    assert VisitAttachment.objects.count() == 1
    context.close()


@pytest.fixture
def _service_worker_network(monkeypatch):
    """Lets Playwright see (and cut) the service worker's own requests: set_offline() alone
    leaves them online (microsoft/playwright#2311). Must come before the browser starts."""
    monkeypatch.setenv("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")


CUT: list[str] = []  # the worker's requests refused while offline


def _cut_worker(route: Any) -> None:
    if route.request.service_worker is not None:
        CUT.append(route.request.url)
        route.abort("internetdisconnected")
    else:
        route.continue_()


def test_offline_visit_is_kept_then_sent_once(
    _service_worker_network, transactional_db, live_server, browser_page, tmp_path
):
    cast = build_cast()
    base = live_server.url
    context, page = _phone(browser_page)
    _login(page, base, cast.instructor.username)
    page.goto(f"{base}/guidance/visits/field/")
    _wait_offline_ready(page)

    # No signal: neither the page nor its service worker reaches the server.
    context.set_offline(True)
    context.route("**/*", _cut_worker)
    assert page.evaluate("navigator.onLine") is False
    # The screen itself opens without a signal (from the service worker's cache).
    CUT.clear()
    page.goto(f"{base}/guidance/visits/field/")
    page.wait_for_selector("#field-visit[data-ready='1']", state="attached")
    assert f"{base}/guidance/visits/field/" in CUT  # so the screen came from the cache

    def record(school: Any, problem: str) -> None:
        page.tap("#school-search")
        page.keyboard.type(name_initials(school.name)[:4])
        page.wait_for_selector(f".hh-school-choice[data-school='{school.pk}']")
        page.tap(f".hh-school-choice[data-school='{school.pk}']")
        page.fill("#finding-problem-1", problem)
        page.set_input_files("#photo-input", str(big_photo(tmp_path / "p.png", 800, 600)))
        page.wait_for_selector("#photo-thumbs img")
        page.tap("#field-submit")
        page.wait_for_selector("#field-status.alert-warning")

    record(cast.school, "党员发展材料不规范")
    record(cast.school_anyuan, "主题党日缺少计划")
    page.wait_for_selector("#outbox-count:text('2')")
    assert "待上传" in page.inner_text("#outbox")
    page.screenshot(path=str(SHOTS / "guidance-field-offline-390.png"), full_page=True)
    assert Visit.objects.count() == 0

    # Meanwhile 安源区's school leaves the group's scope (the pairing with 萍乡市 ends;
    # 湘东区第一小学 stays through its district).
    Pairing.objects.filter(group=cast.groups["ncu"]).delete()

    context.unroute("**/*", _cut_worker)
    context.set_offline(False)
    page.wait_for_selector("#outbox-count:text('1')")
    page.wait_for_selector(".hh-outbox-reason")
    assert "已不在本组的指导范围内" in page.inner_text(".hh-outbox-reason")
    page.screenshot(path=str(SHOTS / "guidance-field-conflict-390.png"), full_page=True)

    visit = Visit.objects.get()  # exactly one visit on the server
    assert list(visit.schools.all()) == [cast.school]
    assert Finding.objects.filter(visit=visit).count() == 1
    assert VisitAttachment.objects.filter(visit=visit).count() == 1
    assert not Visit.objects.filter(schools=cast.school_anyuan).exists()

    # Sending again (the button, or a second tab) makes no second visit: the sent record left
    # the phone, the conflicting one is refused again and kept.
    page.tap("#outbox-send")
    page.wait_for_selector(".hh-outbox-reason")
    assert Visit.objects.count() == 1
    context.close()


def test_returned_finding_shows_its_reason_on_a_phone(transactional_db, live_server, browser_page):
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from handinhand.guidance import services

    cast = build_cast()
    base = live_server.url
    today = timezone.localdate()
    visit = services.visit_plan(
        actor=cast.instructor,
        group=cast.groups["ncu"],
        date=today,
        duration_hours=Decimal("2"),
        form="实地指导",
        title="湘东一小党建指导",
        schools=[cast.school],
        instructors=[cast.membership],
        status="held",
    )
    finding = services.finding_raise(
        actor=cast.instructor,
        school=cast.school,
        visit=visit,
        problem="支部“三会一课”记录缺少签到表",
        severity="major",
        found_on=today,
        deadline=today + dt.timedelta(days=30),
    )
    services.finding_answer(actor=cast.school_user, finding=finding, measures="已补齐")
    services.finding_return(
        actor=cast.instructor, finding=finding, reason="签到表缺少 10 月的两次会议"
    )

    context, page = _phone(browser_page)
    _login(page, base, cast.school_user.username)
    page.goto(f"{base}/guidance/findings/")
    page.tap("#results tbody tr a")
    page.wait_for_selector("#return-reason")
    text = page.inner_text("#return-reason")
    assert "签到表缺少 10 月的两次会议" in text and str(cast.instructor) in text
    assert "学校尚未答复" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(SHOTS / "guidance-finding-returned-390.png"), full_page=True)
    context.close()

    # The pages this issue changed, at 390 and 1440 wide, for the record.
    for width, height in ((390, 844), (1440, 900)):
        context = browser_page.context.browser.new_context(
            viewport={"width": width, "height": height}, locale="zh-CN"
        )
        shot = context.new_page()
        _login(shot, base, cast.instructor.username)
        for name, path in (
            ("workbench", "/guidance/workbench/"),
            ("visit", f"/guidance/visits/{visit.pk}/"),
            ("finding", f"/guidance/findings/{finding.pk}/"),
            ("field", "/guidance/visits/field/"),
        ):
            shot.goto(f"{base}{path}")
            shot.wait_for_load_state("networkidle")
            shot.screenshot(path=str(SHOTS / f"guidance-{name}-{width}.png"), full_page=True)
            assert shot.evaluate("document.documentElement.scrollWidth") <= width, name
        context.close()
