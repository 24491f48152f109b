"""The command table: only the chosen command's module is loaded; help and --version still whole."""

from __future__ import annotations

import ast
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

from clustertrust.cli import commands
from support.cli_runs import cli

LOADED = """
import sys
from clustertrust.cli.main import main
code = main(sys.argv[1:])
WATCHED = ("clustertrust.", "keyring", "yaml", "logging", "platformdirs")
WATCHED += ("json", "shlex", "threading")  # what inspect defers
print(sorted(m for m in sys.modules if m.startswith(WATCHED)))
print(code)
"""


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", LOADED, *argv], capture_output=True, text=True, timeout=60
    )


def test_a_command_loads_only_its_own_module(kurrent_tgz: Path) -> None:
    done = run("inspect", str(kurrent_tgz))
    *_, loaded, code = done.stdout.strip().splitlines()
    assert code == "0", done.stderr
    modules = ast.literal_eval(loaded)
    assert [m for m in modules if m.endswith("_cmd")] == ["clustertrust.cli.inspect_cmd"]
    assert not [m for m in modules if m.startswith(("keyring", "yaml"))]
    # inspect reads the bundle and no file of ours: no log, no folders, no domain model
    unused = ("logging", "platformdirs", "clustertrust.core.model", "clustertrust.core.fileio")
    assert not [m for m in modules if m.startswith(unused)]


def test_inspect_loads_no_json_shlex_or_cancelling(kurrent_tgz: Path) -> None:
    """Start-up (issue 20): a tar.gz holds no JSON document, no command is shown and nothing
    is downloaded, so their modules stay unloaded until a bundle or an error needs them."""
    done = run("inspect", str(kurrent_tgz))
    *_, loaded, code = done.stdout.strip().splitlines()
    assert code == "0", done.stderr
    deferred = ("json", "shlex", "threading", "clustertrust.core.cancel")
    assert [m for m in ast.literal_eval(loaded) if m in deferred] == []


def test_version_loads_no_command() -> None:
    script = (
        "import sys\nfrom clustertrust.cli.main import main\ntry:\n    main(['--version'])\n"
        "except SystemExit:\n    pass\nprint([m for m in sys.modules if m.endswith('_cmd')])"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    version, loaded = done.stdout.splitlines()
    assert version.startswith("clustertrust ") and loaded == "[]", done.stderr


def test_help_lists_every_command(isolated_dirs: Path) -> None:
    done = cli(isolated_dirs, "--help")
    assert done.code == 0
    shown = [name for name in commands.COMMANDS if name != "privileged"]
    assert all(f"    {name}" in done.out for name in shown), done.out
    assert "privileged" not in done.out


def test_version_goes_to_stdout(isolated_dirs: Path) -> None:
    done = cli(isolated_dirs, "--version")
    assert done.code == 0 and done.err == ""
    assert done.out.startswith("clustertrust ")


EXIT_PATH = """
import gc, sys
from clustertrust.cli.main import run
sys.argv = ["clustertrust", *sys.argv[1:]]
code = run()
print(code, gc.get_freeze_count() > 0, gc.isenabled())
"""


def test_the_program_ends_a_command_without_a_last_collection(kurrent_tgz: Path) -> None:
    # the console script runs run(): a command runs without the cyclic collector, and after it
    # every object is frozen, so the exit does not walk them all once more
    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "clustertrust"]
    assert script.value == "clustertrust.cli.main:run"
    done = subprocess.run(
        [sys.executable, "-c", EXIT_PATH, "inspect", str(kurrent_tgz)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.strip().splitlines()[-1] == "0 True False", done.stderr
