"""Guards on the repository's shape: the generic package names resolve here, and layers
only import downward."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["agent", "tools", "memory", "api", "evals", "tests"]


@pytest.mark.parametrize("name", PACKAGES)
def test_package_resolves_inside_this_repository(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__file__ is not None
    assert Path(module.__file__).resolve().parent == ROOT / name


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "lint-imports"
    return subprocess.run(
        [str(exe), "--no-cache"], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_import_contracts_hold() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_contracts_catch_an_upward_import(tmp_path: Path) -> None:
    """The same contracts, on a copy of the layout with one upward import, must fail."""
    for pkg in ["agent", "tools", "memory", "api", "evals"]:
        (tmp_path / pkg).mkdir()
        (tmp_path / pkg / "__init__.py").write_text("")
    (tmp_path / "tools" / "leak.py").write_text("import memory\n")
    (tmp_path / "memory" / "up.py").write_text("from api import x  # noqa\n")
    (tmp_path / "api" / "x.py").write_text("")
    config = (ROOT / "pyproject.toml").read_text().split("[tool.importlinter]", 1)[1]
    (tmp_path / "pyproject.toml").write_text("[tool.importlinter]" + textwrap.dedent(config))
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode != 0
    assert "tools.leak -> memory" in result.stdout
    assert "memory.up -> api" in result.stdout
