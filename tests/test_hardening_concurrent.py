"""Four `clustertrust` processes at once on one HOME (real processes, a real NSS database):
installs, then uninstalls, repeated; no record is lost, nothing ends up in a store without a
ledger record, and a tool failing under contention is a clean error, never a traceback.

CLUSTERTRUST_HARDEN_ROUNDS sets the rounds (default 3; the closing note of issue 10 reports a
longer run)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from clustertrust.core import certinfo
from cryptography import x509
from support.cli_runs import (
    Run,
    db_fingerprints,
    finish,
    ledger_document,
    new_browser_db,
    pem_bundle,
    start,
)

ROUNDS = int(os.environ.get("CLUSTERTRUST_HARDEN_ROUNDS", "3"))
PROCESSES = 4


def fingerprints(bundle: Path) -> tuple[str, str]:
    ca = x509.load_pem_x509_certificate((bundle / "ca.crt").read_bytes())
    client = x509.load_pem_x509_certificate((bundle / "tls.crt").read_bytes())
    return certinfo.sha256(ca), certinfo.sha256(client)


def all_at_once(home: Path, commands: list[list[str]]) -> list[Run]:
    procs = [start(home, *argv) for argv in commands]
    return [finish(p) for p in procs]


def accounted(home: Path, db: Path) -> tuple[set[str], set[str]]:
    """(in the database but not in the ledger, in the ledger as done but not in the database)"""
    records = ledger_document(home)["records"]
    in_ledger = {r["sha256"] for r in records if r["store"] == "nss"}
    done = {r["sha256"] for r in records if r["store"] == "nss" and r["state"] == "done"}
    present = db_fingerprints(db)
    return present - in_ledger, done - present


def test_four_processes_at_once_lose_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    db = new_browser_db(home)
    bundles = [
        pem_bundle(tmp_path / f"b{i}", f"cluster{i} CA", f"cluster{i} client")
        for i in range(PROCESSES)
    ]
    findings: list[str] = []
    started = time.monotonic()
    for round_ in range(ROUNDS):
        installs = all_at_once(
            home, [["install", str(b), "--stores", "nss,files", "--yes"] for b in bundles]
        )
        assert all("Traceback" not in r.err for r in installs), [r.err for r in installs]
        assert {r.code for r in installs} <= {0, 1}, [r.err for r in installs]
        findings += [f"round {round_}: install exit 1: {r.err.strip()}" for r in installs if r.code]
        unrecorded, missing = accounted(home, db)
        assert not unrecorded and not missing, (round_, unrecorded, missing)
        installed = [b for b, r in zip(bundles, installs, strict=True) if r.code == 0]
        done = {r["sha256"] for r in ledger_document(home)["records"] if r["state"] == "done"}
        for bundle in installed:
            assert set(fingerprints(bundle)) <= done, (round_, bundle)

        removals = all_at_once(home, [["uninstall", *fingerprints(b), "--yes"] for b in bundles])
        assert all("Traceback" not in r.err for r in removals), [r.err for r in removals]
        findings += [
            f"round {round_}: uninstall exit {r.code}: {r.err.strip()}" for r in removals if r.code
        ]
        unrecorded, missing = accounted(home, db)
        assert not unrecorded and not missing, (round_, unrecorded, missing)
        if all(r.code == 0 for r in removals):
            assert ledger_document(home)["records"] == [], round_
            assert db_fingerprints(db) == set(), round_
    seconds = time.monotonic() - started
    print(
        f"{ROUNDS} rounds of {PROCESSES} installs + {PROCESSES} uninstalls in {seconds:.0f} s; "
        f"clean failures: {len(findings)}",
        *findings,
        sep="\n",
    )
