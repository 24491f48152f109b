"""Killed mid-install: SIGKILL or SIGTERM at random points of a real install (NSS database,
identity files), then one more run; no key material is left in the runtime or temporary
folders and nothing is in a store without a ledger record. Ctrl-C during an apply rolls back
(exit 3). CLUSTERTRUST_HARDEN_ROUNDS sets the rounds (default 6)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.cli_runs import (
    cli,
    db_fingerprints,
    db_key_count,
    finish,
    ledger_document,
    new_browser_db,
    pem_bundle,
    runtime,
    start,
)

ROUNDS = int(os.environ.get("CLUSTERTRUST_HARDEN_ROUNDS", "6"))
STORES = ("--stores", "nss,files")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    temp = tmp_path / "tmp"  # the processes' TMPDIR: anything put there must be gone
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    new_browser_db(home)
    return home


def leftovers(home: Path) -> list[str]:
    """Anything in ClusterTrust's runtime folder or the temporary folder."""
    folders = (runtime(home) / "clustertrust", Path(os.environ["TMPDIR"]))
    return sorted(str(p) for folder in folders if folder.exists() for p in folder.iterdir())


def unaccounted(home: Path) -> list[str]:
    """Store items without a ledger record, and ledger records that are not done or not there."""
    db = home / ".pki/nssdb"
    records = ledger_document(home)["records"]
    in_ledger = {r["sha256"] for r in records if r["store"] == "nss"}
    problems = [f"in the database only: {fp}" for fp in db_fingerprints(db) - in_ledger]
    problems += [
        f"not done: {r['subject']} in {r['store']}" for r in records if r["state"] != "done"
    ]
    status = json.loads(cli(home, "status", "--json").out)
    problems += [
        f"missing: {i['subject']} in {i['store']}" for i in status["items"] if not i["present"]
    ]
    identities = home / ".local/share/clustertrust/identities"
    files = {str(p.parent) for p in identities.rglob("tls.key")} if identities.exists() else set()
    recorded = {r["location"] for r in records if r["store"] == "identity-files"}
    problems += [f"identity files without a record: {f}" for f in files - recorded]
    return problems


def install_time(home: Path, bundle: Path) -> float:
    started = time.monotonic()
    assert cli(home, "install", str(bundle), *STORES, "--yes").code == 0
    seconds = time.monotonic() - started
    assert cli(home, "uninstall", "--all", "--yes").code == 0
    return seconds


def test_killed_installs_leave_no_secret_and_nothing_unaccounted(
    home: Path, tmp_path: Path
) -> None:
    bundle = pem_bundle(tmp_path / "bundle", "killed CA", "killed client")
    span = install_time(home, bundle)
    rng = random.Random(os.environ.get("CLUSTERTRUST_HARDEN_SEED", "10"))
    seen: dict[str, int] = {"SIGKILL left a folder": 0, "SIGTERM exit 3": 0}
    for round_ in range(ROUNDS):
        sig = rng.choice([signal.SIGKILL, signal.SIGTERM])
        proc = start(home, "install", str(bundle), *STORES, "--yes")
        time.sleep(rng.uniform(0, span))
        proc.send_signal(sig)
        killed = finish(proc)
        assert "Traceback" not in killed.err, killed.err
        if sig == signal.SIGTERM:
            left = [p for p in leftovers(home) if "clustertrust-" in p]
            assert not left, (round_, left, killed.code, killed.err[-2000:])
            seen["SIGTERM exit 3"] += killed.code == 3
        else:
            seen["SIGKILL left a folder"] += bool(leftovers(home))
        # one more run: it clears what the killed one left and finishes the install
        again = cli(home, "install", str(bundle), *STORES, "--yes")
        assert again.code == 0, (round_, sig, again.err)
        assert leftovers(home) == [], (round_, sig)
        assert unaccounted(home) == [], (round_, sig)
        assert cli(home, "uninstall", "--all", "--yes").code == 0
        assert db_fingerprints(home / ".pki/nssdb") == set()
    print(f"{ROUNDS} kill rounds (install takes {span:.1f} s): {seen}")


def test_ctrl_c_during_an_apply_rolls_it_back(home: Path, tmp_path: Path) -> None:
    bundle = pem_bundle(tmp_path / "bundle", "interrupted CA", "interrupted client")
    ledger = home / ".local/state/clustertrust/ledger.json"
    outcomes = []
    for _ in range(3):
        proc = start(home, "install", str(bundle), *STORES, "--yes")
        while proc.poll() is None and not ledger.exists():
            time.sleep(0.002)  # the first intent record: the apply has begun
        proc.send_signal(signal.SIGINT)
        result = finish(proc)
        outcomes.append(result.code)
        assert result.code in (0, 3), result.err
        if result.code == 3:  # interrupted: every step done was undone
            assert db_fingerprints(home / ".pki/nssdb") == set()
            assert db_key_count(home / ".pki/nssdb") == 0
            assert ledger_document(home)["records"] == []
        assert leftovers(home) == []
        assert cli(home, "uninstall", "--all", "--yes").code == 0
        ledger.unlink(missing_ok=True)
    print(f"Ctrl-C outcomes: {outcomes}")
    assert 3 in outcomes


def test_key_material_of_a_run_killed_while_it_is_on_disk_goes_at_the_next_start(
    home: Path, tmp_path: Path
) -> None:
    # GIVEN an install killed (SIGKILL: no handler runs) while its p12 and password file exist
    bundle = pem_bundle(tmp_path / "bundle", "caught CA", "caught client")
    folder = runtime(home) / "clustertrust"
    caught: list[str] = []
    for _ in range(10):  # the files live for one pk12util run: try until the kill lands there
        proc = start(home, "install", str(bundle), *STORES, "--yes")
        while proc.poll() is None and not caught:
            caught = [p.name for p in folder.glob("clustertrust-*")] if folder.exists() else []
        proc.kill()
        finish(proc)
        if leftovers(home):
            break
        caught = []
    left = leftovers(home)
    assert left, f"no kill landed while the files existed in 10 tries (seen: {caught})"
    # WHEN any ClusterTrust command starts next
    assert cli(home, "status", "--json").code == 0
    # THEN the dead run's folder, with the key material in it, is gone
    assert leftovers(home) == [], left
    print(f"left by SIGKILL and removed at the next start: {[Path(p).name for p in left]}")


def test_inspect_leaves_a_dead_runs_folder_to_the_next_command_that_uses_our_files(
    home: Path, tmp_path: Path
) -> None:
    # GIVEN the folder of a run that is gone (its process has exited) in the runtime folder
    dead = runtime(home) / "clustertrust" / f"clustertrust-{_finished_pid()}-0000"
    dead.mkdir(parents=True)
    (dead / "client.p12").write_bytes(b"key material")
    bundle = pem_bundle(tmp_path / "bundle", "read-only CA", "read-only client")
    # WHEN inspect runs: it reads the bundle and no file of ours
    assert cli(home, "-v", "inspect", str(bundle)).code == 0
    # THEN the folder is still there, and no log file was made
    assert dead.exists()
    assert not [p for p in home.rglob("*.log")], sorted(home.rglob("*"))
    # WHEN a command that uses our files runs, THEN it removes the folder
    assert cli(home, "status", "--json").code == 0
    assert not dead.exists()


def _finished_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


SIGTERM_IN_A_FINALIZER = """
import os, signal, time
from clustertrust.cli.main import stop_on_sigterm
stop_on_sigterm()
class Finalized:  # as a Popen's __del__ runs after every tool
    def __del__(self):
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000): pass  # the handler runs here, inside the finalizer
try:
    Finalized()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline: pass
    print("not interrupted")
except KeyboardInterrupt as stop:
    print("interrupted", stop)
"""


def test_a_sigterm_that_lands_in_a_finalizer_still_stops_the_command() -> None:
    # Python cannot unwind out of a __del__: it printed "Exception ignored … KeyboardInterrupt"
    # and the command carried on (seen once in the random kills above)
    done = subprocess.run(
        [sys.executable, "-c", SIGTERM_IN_A_FINALIZER], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == "interrupted signal 15", done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
