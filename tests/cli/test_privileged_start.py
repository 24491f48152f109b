"""The privileged helper never exits 1 (sudo's own failure, read as "refused"), tested by doing
it: the real start file, run as pkexec/sudo would run it, with an import that fails, a crash,
and a start-up check that fails."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from clustertrust.cli import privileged_start
from clustertrust.platform import elevation
from support import pki

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "packaging"))
import catalogs

NAME = "clustertrust-example-0123456789ab"
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the helper is for pkexec and sudo")


def run_helper(
    argv: tuple[str, ...],
    tmp_path: Path,
    env: dict[str, str] | None = None,
    stdin: bytes = b"",
    more: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    """In an empty working folder, with the fixed environment pkexec gives (and `env`)."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    base = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}
    return subprocess.run(
        [*argv, "privileged", "install-ca", "--name", NAME, *more],
        input=stdin.decode(),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**base, **(env or {})},
        timeout=60,
    )


def broken_package(tmp_path: Path, body: str) -> Path:
    """A `clustertrust` package whose privileged_cmd is `body`; the start file is the real one."""
    cli = tmp_path / "broken" / "clustertrust" / "cli"
    cli.mkdir(parents=True)
    (cli / "__init__.py").write_text("")
    (cli / "privileged_cmd.py").write_text(body)
    return tmp_path / "broken"


def test_the_two_helper_failure_codes_are_one() -> None:
    assert privileged_start.HELPER_FAILED == elevation.HELPER_FAILED != 1


def test_the_production_command_starts_the_file_in_isolated_mode() -> None:
    command = elevation.self_command()
    assert command[:2] == (sys.executable, "-I")
    assert Path(command[2]) == Path(privileged_start.__file__)


def test_a_package_root_cannot_import_exits_70_not_1(tmp_path: Path) -> None:
    """The production command with -S: no site-packages, so `clustertrust` is not importable
    (as for a `pip install --user` copy when root runs Python with -I)."""
    executable, *rest = elevation.self_command()
    done = run_helper((executable, "-S", *rest), tmp_path)
    assert done.returncode == elevation.HELPER_FAILED, done.stderr
    assert "cannot run: ModuleNotFoundError" in done.stderr


@pytest.mark.parametrize(
    ("body", "seen"),
    [
        ("import clustertrust_dependency_that_is_not_there\n", "ModuleNotFoundError"),
        ("def main(argv):\n    raise RuntimeError('boom')\n", "RuntimeError('boom')"),
        ("import sys\ndef main(argv):\n    sys.exit(1)\n", ""),
        ("def main(argv):\n    return 1\n", ""),
    ],
    ids=["broken-import", "crash", "library-exits-1", "returns-1"],
)
def test_whatever_fails_inside_exits_70_not_1(tmp_path: Path, body: str, seen: str) -> None:
    start = Path(privileged_start.__file__)
    env = {"PYTHONPATH": str(broken_package(tmp_path, body))}
    done = run_helper((sys.executable, "-S", str(start)), tmp_path, env)
    assert done.returncode == elevation.HELPER_FAILED, done.stderr
    assert seen in done.stderr


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0,
    reason="the helper's checks after the root check",
)
def test_a_failing_start_up_check_exits_2_and_writes_nothing_in_home(tmp_path: Path) -> None:
    """A leaf certificate fails the helper's own check before anything changes: exit 2. The
    caller's HOME gets no log, no state: the helper is not cli.main."""
    leaf = pki.make_leaf(pki.make_ca("example"), "someone").cert_pem
    done = run_helper(elevation.self_command(), tmp_path, stdin=leaf)
    assert done.returncode == 2, done.stderr
    assert "not a CA" in done.stderr or "not the name" in done.stderr
    assert list((tmp_path / "home").iterdir()) == []


def test_bad_input_exits_2(tmp_path: Path) -> None:
    done = run_helper(elevation.self_command(), tmp_path, {"X": "1"})
    assert done.returncode == 2  # not root here, or no PEM on stdin: either is bad input


def test_the_helper_speaks_the_language_it_is_given_and_reads_none_from_the_environment(
    tmp_path: Path,
) -> None:
    """The caller passes a bare code; the helper's environment is the caller's to set (sudo
    keeps some of it), so LANGUAGE there changes nothing. Not root here: the root check refuses;
    as root: no PEM on stdin. Either way exit 2, in the language asked for."""
    catalogs.compile_all()
    german = ("muss als root laufen", "Genau ein PEM-Zertifikat")
    done = run_helper(elevation.self_command(), tmp_path, more=("--language", "de"))
    assert done.returncode == 2 and any(words in done.stderr for words in german), done.stderr
    done = run_helper(elevation.self_command(), tmp_path, {"LANGUAGE": "de", "LC_ALL": "de_DE"})
    assert done.returncode == 2 and not any(words in done.stderr for words in german)
    assert "must run as root" in done.stderr or "exactly one PEM" in done.stderr


@pytest.mark.parametrize("code", ["../../tmp/evil", "/tmp/locale", "de:fr", "de\n", ""])
def test_a_language_that_is_not_a_bare_code_is_bad_input(tmp_path: Path, code: str) -> None:
    done = run_helper(elevation.self_command(), tmp_path, more=("--language", code))
    assert done.returncode == 2
    assert "not a language code" in done.stderr
