"""Accessibility (issue 14, point 9): axe-core, from npm (package.json's devDependencies), run
in Debian's Chromium on the main page of each role, the visit form, the two score sheets and
the cockpit. No serious or critical violation may remain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from handinhand.conftest import (
    BROWSER_MARKS,
    PASSWORD,
    build_cast,
    pass_second_factor_in_browser,
)
from handinhand.indicators.services import evaluation_leaves, evaluation_save_self
from handinhand.indicators.tests.conftest import make_cycle

pytestmark = BROWSER_MARKS

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
ROLES = [
    "province_admin",
    "leader",
    "instructor",
    "city_user",
    "county_user",
    "school_user",
    "system_admin",
    "security_admin",
    "audit_admin",
]
# axe-core's result, reduced to what a failure message needs.
RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " " + (n.failureSummary || "")),
    }));
}"""


def _login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    pass_second_factor_in_browser(page, username)
    page.wait_for_url(f"{base}/")


def _violations(page: Any) -> list[dict[str, Any]]:
    # Evaluated through the DevTools protocol: the page's CSP (scripts from our files only)
    # would refuse an injected <script> element, and must not be loosened for a test.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    result: list[dict[str, Any]] = page.evaluate(RUN)
    return result


def _check(page: Any, name: str, found: dict[str, list[dict[str, Any]]]) -> None:
    page.wait_for_load_state("networkidle")
    violations = _violations(page)
    if violations:
        found[name] = violations


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm ci)")
def test_no_serious_or_critical_violations(transactional_db, live_server, browser_page):
    cast = build_cast()
    evaluation = make_cycle(cast).evaluations.get(school=cast.school)
    page, base = browser_page, live_server.url
    found: dict[str, list[dict[str, Any]]] = {}
    for role in ROLES:
        _login(page, base, getattr(cast, role).username)
        page.wait_for_selector("#home-work :not(.text-muted)")
        _check(page, f"home {role}", found)
        if role == "province_admin":
            page.goto(f"{base}/cockpit/")
            _check(page, "cockpit", found)
        if role == "instructor":
            page.goto(f"{base}/guidance/visits/new/")
            _check(page, "visit form", found)
        if role == "school_user":
            for width in (1440, 390):
                page.set_viewport_size({"width": width, "height": 900})
                page.goto(f"{base}/indicators/evaluations/{evaluation.pk}/self/")
                _check(page, f"self-assessment sheet {width}", found)
            page.set_viewport_size({"width": 1366, "height": 900})
    evaluation_save_self(
        actor=cast.school_user,
        evaluation=evaluation,
        entries={leaf.pk: (leaf.max_score, "") for leaf in evaluation_leaves(evaluation)},
        expected_version=evaluation.version,
        submit=True,
    )
    _login(page, base, cast.instructor.username)
    page.goto(f"{base}/indicators/evaluations/{evaluation.pk}/review/")
    _check(page, "review sheet", found)
    page.goto(f"{base}/indicators/evaluations/{evaluation.pk}/")
    _check(page, "evaluation", found)
    page.click("#return-dialog-open")  # the return reason's own dialog, open
    _check(page, "return dialog", found)
    assert not found, "\n".join(
        f"{page_name}: {v['impact']} {v['id']} ({v['help']}): {v['nodes']}"
        for page_name, items in found.items()
        for v in items
    )
