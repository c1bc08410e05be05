"""In Debian's Chromium: self-assessment → submit → review → confirm → report card."""

from __future__ import annotations

from typing import Any

from handinhand.conftest import ARTIFACTS, BROWSER_MARKS, PASSWORD, build_cast
from handinhand.indicators.tests.conftest import make_cycle

pytestmark = BROWSER_MARKS


def _login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _fill(page: Any, text_name: str, text: str) -> None:
    page.evaluate(
        """([textName, text]) => {
            document.querySelectorAll('input[name^="score_"]').forEach(e => { e.value = '1'; });
            document.querySelectorAll(`textarea[name^="${textName}_"]`)
                .forEach(e => { e.value = text; });
        }""",
        [text_name, text],
    )


def test_self_assessment_to_report_card(transactional_db, live_server, browser_page):
    cast = build_cast()
    evaluation = make_cycle(cast).evaluations.get(school=cast.school)
    page, base = browser_page, live_server.url

    _login(page, base, cast.school_user.username)
    page.goto(f"{base}/indicators/evaluations/{evaluation.pk}/")
    page.click("text=填写自评")
    page.wait_for_url(f"{base}/indicators/evaluations/{evaluation.pk}/self/")  # not the old page
    _fill(page, "explanation", "已按要求落实，材料齐全")
    page.screenshot(path=str(ARTIFACTS / "evaluation-self.png"), full_page=False)
    page.click("button[value=submit]")
    page.click("#hh-confirm-ok")  # the one confirmation of irreversible actions
    page.wait_for_selector("text=自评已提交")
    assert page.inner_text("#evaluation-status") == "已提交自评"

    _login(page, base, cast.instructor.username)
    page.goto(f"{base}/indicators/evaluations/{evaluation.pk}/review/")
    page.wait_for_selector("#score-sheet")
    _fill(page, "comment", "建议进一步完善台账")
    page.click("button[value=pass]")
    page.click("#hh-confirm-ok")
    page.wait_for_selector("text=审核已通过")
    assert page.inner_text("#evaluation-status") == "已审核"

    _login(page, base, cast.leader.username)
    page.goto(f"{base}/indicators/evaluations/{evaluation.pk}/")
    page.click("button[value=confirm]")
    page.click("#hh-confirm-ok")
    page.wait_for_selector("text=已确认")
    assert page.inner_text("#evaluation-status") == "已确认"

    page.goto(f"{base}/indicators/evaluations/{evaluation.pk}/report/")
    assert page.inner_text("#card-total") == "70.0"  # scores with the policy step: one decimal
    assert page.inner_text("#card-grade") == "合格"
    page.wait_for_selector("#radar canvas")
    page.screenshot(path=str(ARTIFACTS / "evaluation-report-card.png"), full_page=True)
