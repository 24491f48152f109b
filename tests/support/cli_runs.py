"""The real `clustertrust` command as a separate process with its own HOME (what a user's terminal
runs), a real NSS database there (certutil), and what the stores and the ledger then hold.

    done = cli(home, "inspect", "b.tar.gz", "--json", cwd=work)   # Run(code, out, err)"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from support import browsers, pki

COMMAND = [sys.executable, "-m", "clustertrust.cli.main"]
# The user folders under a HOME, as conftest's isolated_dirs lays them out: a process run there
# shares its ledger and settings with the test's own windows.
XDG_FOLDERS = {
    "XDG_CONFIG_HOME": ".config",
    "XDG_DATA_HOME": ".local/share",
    "XDG_STATE_HOME": ".local/state",
    "XDG_CACHE_HOME": ".cache",
}


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def home_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env.update({var: str(home / sub) for var, sub in XDG_FOLDERS.items()})
    env.update(HOME=str(home), XDG_RUNTIME_DIR=str(runtime(home)))
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"  # never the desktop's keyring
    return env


def runtime(home: Path) -> Path:
    folder = home / "run"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def new_browser_db(home: Path) -> Path:
    folder = home / ".pki/nssdb"
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["certutil", "-N", "-d", f"sql:{folder}", "--empty-password"], check=True, timeout=60
    )
    runtime(home)
    return folder


def start(
    home: Path, *argv: str, stdin: str | None = None, cwd: Path | None = None
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*COMMAND, *argv],
        cwd=cwd,
        env=home_env(home),
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_sigint,
    )


def default_sigint() -> None:
    """Ctrl-C at its default in the child, as in a terminal: a test run started as a background
    job ignores SIGINT, and a child would rightly inherit that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def finish(proc: subprocess.Popen[str], stdin: str | None = None, timeout: float = 300) -> Run:
    out, err = proc.communicate(stdin, timeout=timeout)
    return Run(proc.returncode, out, err)


def cli(home: Path, *argv: str, stdin: str | None = None, cwd: Path | None = None) -> Run:
    return finish(start(home, *argv, stdin=stdin, cwd=cwd), stdin)


def pem_bundle(folder: Path, ca_name: str, client_name: str) -> Path:
    ca = pki.make_ca(ca_name, "p256")
    client = pki.make_leaf(ca, client_name, "p256")
    files = {"ca.crt": ca.cert_pem, "tls.crt": client.cert_pem, "tls.key": client.key_pem()}
    return pki.write_files(folder, files)


def db_listing(db: Path) -> str:
    done = subprocess.run(
        ["certutil", "-L", "-d", f"sql:{db}"], capture_output=True, text=True, timeout=60
    )
    return done.stdout


def db_fingerprints(db: Path) -> set[str]:
    """SHA-256 of every certificate in the database, read with certutil -L -a per nickname."""
    return set(browsers.held(db).trust)


def db_key_count(db: Path) -> int:
    done = subprocess.run(
        ["certutil", "-K", "-d", f"sql:{db}"], capture_output=True, text=True, timeout=60
    )
    return sum(1 for line in done.stdout.splitlines() if line.startswith("<"))


def ledger_document(home: Path) -> dict:  # type: ignore[type-arg]
    path = home / ".local/state/clustertrust/ledger.json"
    return json.loads(path.read_text()) if path.exists() else {"records": []}
