"""The folder layout maps into one import package, and never shadows the stdlib `platform`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SUBPACKAGES = ("core", "platform", "cli", "gui")
FRONT_ENDS = "Front ends take from core only actions, the domain model, errors and i18n"
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


def lint_imports(tmp_path: Path, plant: tuple[str, str] | None = None) -> str:
    """import-linter's contracts (pyproject.toml) over the folders staged as the one package they
    become when installed; `plant` = (file, line) adds an import to break a contract on purpose."""
    stage = tmp_path / "stage"
    for folder in SUBPACKAGES:
        shutil.copytree(ROOT / folder, stage / "clustertrust" / folder)
    if plant:
        target = stage / "clustertrust" / plant[0]
        target.write_text(target.read_text() + f"\n{plant[1]}\n")
    done = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), str(ROOT / "pyproject.toml")],
        cwd=stage, env=os.environ | {"PYTHONPATH": str(stage)},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    return f"exit {done.returncode}\n{done.stdout}{done.stderr}"


def test_layer_contracts_are_kept(tmp_path: Path) -> None:
    out = lint_imports(tmp_path)
    assert out.startswith("exit 0"), out
    assert "5 kept, 0 broken" in out


@pytest.mark.parametrize(
    ("plant", "contract"),
    [
        (("core/install/plan.py", "from clustertrust.platform import detect"), "Layers go one way"),
        (("platform/nss.py", "from clustertrust.gui import app"), "Layers go one way"),
        (
            ("core/install/ledger.py", "from clustertrust.core.verify import run"),
            "Stages go one way",
        ),
        (("core/model.py", "from clustertrust.core.install import plan"), "Stages go one way"),
        (
            ("core/report/text.py", "from clustertrust.core.clients import settings"),
            "Stages go one way",
        ),
        (("core/paths.py", "import subprocess"), "core runs no process"),
        (("platform/runner.py", "import PySide6"), "never import Qt"),
        (("cli/status_cmd.py", "from clustertrust.core.install import plan"), FRONT_ENDS),
        (("gui/manage.py", "import clustertrust.core.install.ledger"), FRONT_ENDS),
        (("cli/inspect_cmd.py", "from clustertrust.core.bundle import reader"), FRONT_ENDS),
        (("gui/pages/done.py", "from clustertrust.core import certinfo"), FRONT_ENDS),
        (("gui/workers.py", "from clustertrust.core.cancel import CancelToken"), FRONT_ENDS),
    ],
)
def test_a_wrong_way_import_breaks_a_contract(
    tmp_path: Path, plant: tuple[str, str], contract: str
) -> None:
    out = lint_imports(tmp_path, plant)
    assert out.startswith("exit 1"), out
    assert contract in out.split("Broken contracts", 1)[1]  # listed there, not merely kept


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
