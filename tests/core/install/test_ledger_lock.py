"""The ledger under contention: 4 real processes writing one ledger at once lose nothing with the
lock and lose records without it; the document keeps keys this version does not know."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from clustertrust.core.install.ledger import Ledger

WRITERS = 4
RECORDS_EACH = 25

# One writer: RECORDS_EACH items, each written as intent then done, as an apply does.
WRITER = """
import contextlib, sys
from clustertrust.core import fileio
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import Record
if sys.argv[3] == "unlocked":  # the ledger as it was before the lock: nothing held
    fileio.exclusive_lock = lambda path, wait=0: contextlib.nullcontext()
ledger = Ledger(__import__("pathlib").Path(sys.argv[1]))
for i in range(int(sys.argv[4])):
    record = Record(f"{sys.argv[2]}{i:04d}".ljust(64, "0"), "", "cn", "2030-01-01T00:00:00+00:00",
                    "ca", "nss", "/db", "nick", "user")
    ledger.mark_done(ledger.write_intent(record))
"""


def run_writers(path: Path, mode: str) -> tuple[int, float]:
    """Start WRITERS processes at once; returns how many records the ledger ended with."""
    started = time.monotonic()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), f"{w:x}", mode, str(RECORDS_EACH)],
            stderr=subprocess.PIPE,
        )
        for w in range(WRITERS)
    ]
    errors = [p.communicate()[1].decode() for p in procs]
    assert all(p.returncode == 0 for p in procs), errors
    return len(Ledger(path).records()), time.monotonic() - started


def test_four_writers_under_the_lock_lose_nothing(tmp_path: Path) -> None:
    # GIVEN 4 processes that each record 25 items (50 read-modify-writes) in one ledger
    ledger = tmp_path / "ledger.json"
    # WHEN they all run at once
    count, seconds = run_writers(ledger, "locked")
    # THEN every record is there, each done
    expected = WRITERS * RECORDS_EACH
    assert count == expected, f"{count} of {expected} records kept ({seconds:.1f} s)"
    assert {r.state for r in Ledger(ledger).records()} == {"done"}
    print(f"locked: {count}/{expected} records kept in {seconds:.1f} s")


def test_without_the_lock_records_are_lost(tmp_path: Path) -> None:
    """Shows the lock matters: the same writers with the lock taken out lose records."""
    lost_rounds = []
    for attempt in range(3):  # losses are a race; 3 attempts make a false pass unlikely
        ledger = tmp_path / f"unlocked-{attempt}.json"
        count, _ = run_writers(ledger, "unlocked")
        lost_rounds.append(WRITERS * RECORDS_EACH - count)
        if lost_rounds[-1]:
            break
    print(f"unlocked: records lost per attempt {lost_rounds}")
    assert any(lost_rounds), f"no record lost in {len(lost_rounds)} unlocked attempts"


def test_update_keeps_keys_this_version_does_not_know(tmp_path: Path) -> None:
    # GIVEN a ledger written by a newer version, with a "clusters" list beside the records
    path = tmp_path / "ledger.json"
    path.write_text(json.dumps({"format": 1, "records": [], "clusters": [{"name": "prod"}]}))
    ledger = Ledger(path)
    # WHEN an update adds a key of its own
    ledger._update(lambda document: document.setdefault("notes", ["kept"]))
    # THEN both survive the save
    document = json.loads(path.read_text())
    assert document["clusters"] == [{"name": "prod"}]
    assert document["notes"] == ["kept"]


def test_update_returns_what_the_change_returns(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.json")
    assert ledger._update(lambda document: len(document["records"])) == 0


def test_state_files_and_the_backup_are_private(tmp_path: Path, kurrent) -> None:  # type: ignore[no-untyped-def]
    from clustertrust.core.model import Kind, Scope, record_for

    old = os.umask(0)  # even with a permissive umask
    try:
        ledger = Ledger(tmp_path / "state" / "ledger.json")
        record = record_for(kurrent.ca.cert, Kind.CA, "nss", "/db", "nick", Scope.USER)
        ledger.mark_done(ledger.write_intent(record))
    finally:
        os.umask(old)
    modes = {p.name: p.stat().st_mode & 0o777 for p in ledger.path.parent.iterdir()}
    assert modes == {"ledger.json": 0o600, "ledger.json.bak": 0o600, "ledger.json.lock": 0o600}
