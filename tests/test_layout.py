"""The folder layout maps into one import package, and never shadows the stdlib `platform`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SUBPACKAGES = ("core", "platform", "cli", "gui")
IMPORT_ALL = """
import importlib, pathlib, sys
root = pathlib.Path(sys.argv[1])
for pkg in {pkgs!r}:
    for path in sorted((root / pkg).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        name = ".".join(("clustertrust",) + parts[: -1 if parts[-1] == "__init__" else None])
        module = importlib.import_module(name)
        print(name, module.__file__)
"""


def run_python(code: str, *args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd, env=(os.environ | {"QT_QPA_PLATFORM": "offscreen"} | (env or {})),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_platform_has_no_init() -> None:
    assert not (ROOT / "platform" / "__init__.py").exists()


def test_stdlib_platform_works_from_checkout_root() -> None:
    out = run_python(
        "import platform; print(platform.system()); print(platform.__file__)", cwd=ROOT
    )
    system, where = out.split()
    assert system == "Linux"
    assert not where.startswith(str(ROOT))


def test_editable_install_imports_every_module(tmp_path: Path) -> None:
    out = run_python(IMPORT_ALL.format(pkgs=SUBPACKAGES), str(ROOT), cwd=tmp_path)
    lines = out.splitlines()
    assert len(lines) >= 10
    assert all(f" {ROOT}/" in line for line in lines)


def test_core_and_platform_never_import_qt() -> None:
    qt = re.compile(r"^\s*(from|import)\s+(PySide6|shiboken6)", re.MULTILINE)
    offenders = [
        p
        for d in ("core", "platform")
        for p in (ROOT / d).rglob("*.py")
        if qt.search(p.read_text())
    ]
    assert offenders == []


def test_core_never_runs_subprocesses() -> None:
    offenders = [p for p in (ROOT / "core").rglob("*.py") if "subprocess" in p.read_text()]
    assert offenders == []


@pytest.mark.slow
def test_built_wheel_imports_every_module(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path / "dist"), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next((tmp_path / "dist").glob("clustertrust-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "clustertrust/platform/runner.py" in names
    assert "clustertrust/platform/__init__.py" not in names
    assert not any(n.startswith(("platform/", "core/", "tests/")) for n in names)
    assert "clustertrust/resources/clustertrust.svg" in names
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    out = run_python(
        IMPORT_ALL.format(pkgs=SUBPACKAGES), str(unpacked / "clustertrust"),
        cwd=tmp_path, env={"PYTHONPATH": str(unpacked)},
    )  # fmt: skip
    lines = out.splitlines()
    assert len(lines) >= 10 and all(f" {unpacked}/" in line for line in lines)
