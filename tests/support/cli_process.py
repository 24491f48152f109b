"""`clustertrust` as a separate process with its own HOME: what a user's terminal runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# The user folders under a HOME, as conftest's isolated_dirs lays them out: a process run here
# shares its ledger and settings with the test's own windows.
XDG_FOLDERS = {
    "XDG_CONFIG_HOME": ".config",
    "XDG_DATA_HOME": ".local/share",
    "XDG_STATE_HOME": ".local/state",
    "XDG_CACHE_HOME": ".cache",
}


def run_cli(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"HOME": str(home)} | {k: str(home / v) for k, v in XDG_FOLDERS.items()}
    return subprocess.run(
        [sys.executable, "-m", "clustertrust.cli.main", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
