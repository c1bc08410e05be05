"""The layer contract (pyproject.toml, [tool.importlinter]) holds on the code, and bites.

core < orgs, accounts < programme < domain apps < api, dashboard: an import upwards breaks the
build. The contract is checked by import-linter, run here as `make lint` runs it; the second
test plants an upward import in a copy of the package to show that the check would fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    # The package is found from `cwd` first, so a copy is checked instead of the real tree.
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-logo", "--no-cache"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def copy_package(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(
        ROOT / "handinhand",
        tmp_path / "handinhand",
        ignore=shutil.ignore_patterns("__pycache__", "static", "templates", "*.mo", "*.po"),
    )
    return tmp_path


def test_the_code_keeps_the_layers():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_an_upward_import_from_core_breaks_the_contract(tmp_path):
    root = copy_package(tmp_path)
    (root / "handinhand" / "core" / "upward.py").write_text(
        "from handinhand.guidance.models import Visit  # noqa: F401\n"
    )
    result = lint_imports(root)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert "handinhand.core.upward -> handinhand.guidance.models" in result.stdout


def test_a_domain_app_importing_the_api_breaks_the_contract(tmp_path):
    root = copy_package(tmp_path)
    (root / "handinhand" / "training" / "upward.py").write_text(
        "from handinhand.api import schemas  # noqa: F401\n"
    )
    result = lint_imports(root)
    assert result.returncode != 0
    assert "handinhand.training.upward -> handinhand.api" in result.stdout
