"""In Debian's Chromium at 390×844 (issue 14): the self-assessment on a phone keeps its files
across a failed submit, saves each cell as typed and keeps what it could not send while the
network is off; irreversible actions ask in the one dialog; a return's reason has its own
dialog and the school's sheet shows it with who returned it. Screenshots go to artifacts/."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from handinhand.conftest import ARTIFACTS, BROWSER_MARKS, PASSWORD, build_cast
from handinhand.indicators.models import EvaluationStatus as S
from handinhand.indicators.models import EvidenceFile, Score
from handinhand.indicators.services import evaluation_leaves, evaluation_save_self
from handinhand.indicators.tests.conftest import make_cycle

pytestmark = BROWSER_MARKS
PHONE = {"width": 390, "height": 844}


def _login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_a_failed_submit_keeps_its_files_on_a_phone(
    transactional_db, live_server, browser_page, tmp_path: Path
):
    cast = build_cast()
    evaluation = make_cycle(cast).evaluations.get(school=cast.school)
    leaves = evaluation_leaves(evaluation)
    page, base = browser_page, live_server.url
    page.set_viewport_size(PHONE)
    _login(page, base, cast.school_user.username)
    page.goto(f"{base}/indicators/evaluations/{evaluation.pk}/self/")
    # One indicator per card: the first score cell sits beside no other column.
    card = page.locator(f"#indicator-{leaves[0].pk}").bounding_box()
    assert card is not None and card["width"] <= 390
    # The scoring guidance opens on a tap.
    guidance = page.locator(f"#indicator-{leaves[0].pk} details.hh-guidance")
    guidance.locator("summary").click()
    assert guidance.get_attribute("open") is not None
    page.screenshot(path=str(ARTIFACTS / "sheet-self-390.png"))

    evidence = tmp_path / "党员活动记录.pdf"
    evidence.write_bytes(b"%PDF-1.4 minutes of the branch meeting")
    page.set_input_files(f"input[name=evidence_{leaves[0].pk}]", str(evidence))
    page.wait_for_selector(f"#files-{leaves[0].pk} >> text=党员活动记录.pdf")
    assert EvidenceFile.objects.filter(evaluation=evaluation).count() == 1
    # Half the scores only: the submit fails on the others.
    page.fill(f"input[name=score_{leaves[0].pk}]", str(leaves[0].max_score))
    page.wait_for_selector("#sheet-save-state:has-text('已自动保存')")
    assert page.inner_text("#sheet-filled") == "1"
    page.click("button[value=submit]")
    page.wait_for_selector("#hh-confirm[open]")
    page.click("#hh-confirm-ok")
    page.wait_for_selector("#sheet-errors")
    # The errors are at the top, each a link to its cell; the file is still there.
    top = page.locator("#sheet-errors").bounding_box()
    assert top is not None and top["y"] < 844
    assert page.locator(f"#sheet-errors a[href='#id_score_{leaves[1].pk}']").count() == 1
    assert page.inner_text(f"#files-{leaves[0].pk}").strip() == "党员活动记录.pdf"
    page.screenshot(path=str(ARTIFACTS / "sheet-self-errors-390.png"))
    page.click(f"#sheet-errors a[href='#id_score_{leaves[1].pk}']")
    assert page.evaluate("location.hash") == f"#id_score_{leaves[1].pk}"
    evaluation.refresh_from_db()
    assert evaluation.status == S.DRAFT
    assert EvidenceFile.objects.filter(evaluation=evaluation).count() == 1


def test_typing_survives_a_dropped_connection(transactional_db, live_server, browser_page):
    cast = build_cast()
    evaluation = make_cycle(cast).evaluations.get(school=cast.school)
    leaf = evaluation_leaves(evaluation)[0]
    page, base = browser_page, live_server.url
    page.set_viewport_size(PHONE)
    _login(page, base, cast.school_user.username)
    page.goto(f"{base}/indicators/evaluations/{evaluation.pk}/self/")
    # The progress stays in sight while the sheet scrolls.
    page.evaluate("window.scrollTo(0, 4000)")
    bar = page.locator("#sheet-bar").bounding_box()
    assert bar is not None and 0 <= bar["y"] < 5
    page.context.set_offline(True)
    page.fill(f"textarea[name=explanation_{leaf.pk}]", "支部活动记录齐全")
    page.wait_for_selector("#sheet-save-state:has-text('待上传')")
    stored = page.evaluate(f"localStorage.getItem('hh-sheet:{evaluation.pk}-self')")
    assert "支部活动记录齐全" in stored
    assert not Score.objects.filter(self_explanation="支部活动记录齐全").exists()
    page.context.set_offline(False)
    page.wait_for_selector("#sheet-save-state:has-text('已自动保存')")
    assert Score.objects.get(indicator=leaf, evaluation=evaluation).self_explanation == (
        "支部活动记录齐全"
    )
    assert page.evaluate(f"localStorage.getItem('hh-sheet:{evaluation.pk}-self')") is None


def test_a_second_device_gets_a_conflict_and_keeps_its_typing(
    transactional_db, live_server, browser_page
):
    cast = build_cast()
    evaluation = make_cycle(cast).evaluations.get(school=cast.school)
    leaf, other = evaluation_leaves(evaluation)[:2]
    page, base = browser_page, live_server.url
    page.set_viewport_size(PHONE)
    _login(page, base, cast.school_user.username)
    page.goto(f"{base}/indicators/evaluations/{evaluation.pk}/self/")
    # Meanwhile the same sheet is saved on another device.
    evaluation_save_self(
        actor=cast.school_user,
        evaluation=evaluation,
        entries={leaf.pk: (Decimal(1), "")},
        expected_version=evaluation.version,
    )
    page.fill(f"input[name=score_{other.pk}]", "0")
    page.wait_for_selector("#sheet-conflict:has-text('其他设备')")
    assert not Score.objects.filter(indicator=other, self_score__isnull=False).exists()
    stored = page.evaluate(f"localStorage.getItem('hh-sheet:{evaluation.pk}-self')")
    assert f"score_{other.pk}" in stored
    page.screenshot(path=str(ARTIFACTS / "sheet-conflict-390.png"))


def test_return_reason_in_its_own_dialog_and_shown_to_the_school(
    transactional_db, live_server, browser_page
):
    cast = build_cast()
    evaluation = make_cycle(cast).evaluations.get(school=cast.school)
    evaluation_save_self(
        actor=cast.school_user,
        evaluation=evaluation,
        entries={leaf.pk: (leaf.max_score, "") for leaf in evaluation_leaves(evaluation)},
        expected_version=evaluation.version,
        submit=True,
    )
    page, base = browser_page, live_server.url
    page.set_viewport_size(PHONE)
    _login(page, base, cast.instructor.username)
    page.goto(f"{base}/indicators/evaluations/{evaluation.pk}/")
    page.click("#return-dialog-open")
    page.wait_for_selector("#return-dialog[open]")
    page.screenshot(path=str(ARTIFACTS / "evaluation-return-dialog-390.png"))
    # Cancel sends nothing.
    page.click("#return-dialog [data-close-dialog]")
    evaluation.refresh_from_db()
    assert evaluation.status == S.SUBMITTED
    page.click("#return-dialog-open")
    page.fill("#return-dialog-reason", "请补充党员活动记录")
    page.click("#return-dialog-submit")
    page.wait_for_selector("#evaluation-status:has-text('已退回')")

    _login(page, base, cast.school_user.username)
    page.goto(f"{base}/indicators/evaluations/{evaluation.pk}/self/")
    note = page.inner_text("#return-note")
    assert "请补充党员活动记录" in note and str(cast.instructor) in note
    page.screenshot(path=str(ARTIFACTS / "sheet-returned-390.png"))


def test_the_confirm_dialog_says_what_will_happen(transactional_db, live_server, browser_page):
    cast = build_cast()
    evaluation = make_cycle(cast).evaluations.get(school=cast.school)
    page, base = browser_page, live_server.url
    _login(page, base, cast.school_user.username)
    page.goto(f"{base}/indicators/evaluations/{evaluation.pk}/self/")
    page.evaluate(
        """() => document.querySelectorAll('input[name^="score_"]')
            .forEach(e => { e.value = e.closest('tr').querySelector('.hh-max').innerText; })"""
    )
    page.click("button[value=submit]")
    page.wait_for_selector("#hh-confirm[open]")
    assert "交由指导员审核" in page.inner_text("#hh-confirm-text")
    assert page.inner_text("#hh-confirm-ok") == "提交自评"
    page.screenshot(path=str(ARTIFACTS / "confirm-dialog-1366.png"))
    page.click("#hh-confirm-cancel")
    evaluation.refresh_from_db()
    assert evaluation.status == S.NOT_STARTED
    page.click("button[value=submit]")
    page.click("#hh-confirm-ok")
    page.wait_for_selector("text=自评已提交")
    evaluation.refresh_from_db()
    assert evaluation.status == S.SUBMITTED
