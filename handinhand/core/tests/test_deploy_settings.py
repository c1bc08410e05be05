"""Defect 9 (deployment): secure by default — `check --deploy` passes with no warning when only
SECRET_KEY and ALLOWED_HOSTS are set, and with the values of .env.example; plain http only by
an explicit flag; a Content-Security-Policy that no template breaks with inline script; and
no-store on every answer to a signed-in user."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from handinhand.conftest import Cast

ROOT = Path(settings.BASE_DIR)
STRONG_KEY = "hh-" + "k3Y_9fQ2-zR7pW4xL8vN1cT6bM5aJ0sD" * 2


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """manage.py in a clean environment: only what is given, nothing inherited."""
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(ROOT), **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def env_example() -> dict[str, str]:
    values: dict[str, str] = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def assert_no_warnings(result: subprocess.CompletedProcess[str]) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output and "security.W" not in output, output
    assert "System check identified no issues" in output, output


def test_only_secret_key_and_allowed_hosts_gives_no_warning() -> None:
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="dangjian.example.edu.cn",
    )
    assert_no_warnings(result)


def test_env_example_values_give_no_warning() -> None:
    values = env_example()
    assert values.get("DEBUG") == "false"
    values.pop("DATABASE_URL", None)  # commented out there; SQLite keeps the check offline
    result = manage("check", "--deploy", "--fail-level", "WARNING", **values)
    assert_no_warnings(result)


def test_the_development_key_is_still_refused() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", ALLOWED_HOSTS="x.example")
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


PRINT_SETTINGS = (
    "from django.conf import settings as s; "
    "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
    "s.SECURE_HSTS_SECONDS)"
)


def test_https_is_the_default() -> None:
    result = manage("shell", "-c", PRINT_SETTINGS, SECRET_KEY=STRONG_KEY)
    assert result.stdout.strip().splitlines()[-1].split() == ["True", "True", "True", "31536000"], (
        result.stderr
    )


@pytest.mark.parametrize("flag", [{"INSECURE_DEV": "true"}, {"DEBUG": "true"}])
def test_plain_http_for_the_demo_is_explicit(flag: dict[str, str]) -> None:
    result = manage("shell", "-c", PRINT_SETTINGS, **flag)
    assert result.stdout.strip().splitlines()[-1].split() == ["False", "False", "False", "0"], (
        result.stderr
    )


def test_make_demo_and_run_serve_plain_http_explicitly() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("demo", "run"):
        recipe = re.search(rf"^{target}:.*?(?=^\S|\Z)", makefile, re.M | re.S)
        assert recipe, target
        # `serve` runs runserver (plus the worker and the scheduler) and passes the environment on.
        command = r"INSECURE_DEV=true \S+ manage.py (runserver|serve) 127.0.0.1"
        assert re.search(command, recipe.group())


# --- Content-Security-Policy ------------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"(?:href|src|action)\s*=\s*[\"']\s*javascript:", re.I)


def template_files() -> list[Path]:
    return sorted((ROOT / "handinhand").glob("**/templates/**/*.html"))


def test_templates_hold_no_inline_script_or_event_handler() -> None:
    files = template_files()
    assert len(files) > 50
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group()}"
        for path in files
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER, JS_URL)
        for match in pattern.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_policy_allows_scripts_from_our_files_only() -> None:
    policy = dict(
        part.strip().split(" ", 1) for part in settings.CONTENT_SECURITY_POLICY.split(";")
    )
    assert policy["script-src"] == "'self'"
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy["script-src"] and "unsafe-eval" not in str(policy)


@pytest.mark.django_db
def test_every_answer_carries_the_policy(cast: Cast, client: Any, client_for: Any) -> None:
    login = client.get(reverse("accounts:login"))
    assert login["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
    page = client_for(cast.county_user).get(reverse("orgs:school_list"))
    assert page["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
    missing = client_for(cast.county_user).get("/no-such-page/")
    assert missing.status_code == 404
    assert missing["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY


@pytest.mark.django_db
def test_htmx_inserts_no_styles_or_eval(cast: Cast, client_for: Any) -> None:
    page = client_for(cast.county_user).get(reverse("orgs:school_list")).content.decode()
    assert '"includeIndicatorStyles": false' in page and '"allowEval": false' in page


# --- Cache-Control ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_signed_in_pages_fragments_and_exports_are_not_stored(cast: Cast, client_for: Any) -> None:
    client = client_for(cast.county_user)
    answers = [
        client.get(reverse("orgs:school_list")),
        client.get(reverse("orgs:school_list"), headers={"HX-Request": "true"}),
        client.get(reverse("orgs:school_detail", args=[cast.school.pk])),
        client.get(reverse("orgs:school_template")),
        client.get("/no-such-page/"),
    ]
    for response in answers:
        assert response["Cache-Control"] == "no-store", response
    assert answers[3]["Content-Type"].startswith("application/vnd.openxmlformats")
