"""Hostile names from certificates (NUL, newline, ANSI escape, `$(...)`) through install, status
and uninstall, with a real NSS database; the shown commands run exactly what they show; an
uninstall goes on past an item it cannot remove and names it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from clustertrust.core.names import printable
from support.cli_runs import (
    cli,
    db_fingerprints,
    db_key_count,
    ledger_document,
    new_browser_db,
    pem_bundle,
)

HOSTILE = {
    "nul": "evil\x00name",
    "newline": "evil\nname",
    "ansi": "evil\x1b[31mRED\x1b[2J\x1b]0;title\x07",
    "command": "evil $(touch MARKER) `touch MARKER` name",
}
STORES = ("--stores", "nss,files")


@pytest.fixture
def hostile_home(tmp_path: Path) -> Path:
    """A HOME whose own path holds a command substitution: it appears in every shown command."""
    home = tmp_path / "home $(touch MARKER)"
    home.mkdir()
    return home


def clean_terminal_text(text: str) -> bool:
    return not any(c in text for c in "\x00\x1b\x07")


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_a_hostile_name_goes_through_install_status_and_uninstall(
    kind: str, hostile_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # where a `touch MARKER` that ran would leave its file
    name = HOSTILE[kind]
    db = new_browser_db(hostile_home)
    bundle = pem_bundle(tmp_path / "bundle", f"{name} CA", f"{name} client")

    install = cli(hostile_home, "install", str(bundle), *STORES, "--yes")
    assert install.code == 0, install.err
    assert "Traceback" not in install.err
    assert clean_terminal_text(install.out + install.err)

    status = cli(hostile_home, "status", "--json")
    items = json.loads(status.out)["items"]
    assert status.code == 0
    assert [(i["store"], i["present"], i["state"]) for i in items] == [
        ("nss", True, "done"),
        ("nss", True, "done"),
        ("identity-files", True, "done"),
    ]
    # kept and shown as text: control characters as escapes such as \x1b (certinfo.common_name)
    assert {i["subject"] for i in items} == {printable(f"{name} CA"), printable(f"{name} client")}
    shown = cli(hostile_home, "status")
    assert shown.code == 0 and clean_terminal_text(shown.out)
    assert len(db_fingerprints(db)) == 2 and db_key_count(db) == 1

    remove = cli(hostile_home, "uninstall", "--all", "--yes")
    assert remove.code == 0, remove.err
    assert db_fingerprints(db) == set() and db_key_count(db) == 0
    assert ledger_document(hostile_home)["records"] == []
    assert not (tmp_path / "MARKER").exists()


def test_shown_undo_commands_run_exactly_what_they_show(
    hostile_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a bundle with a hostile name installed in a database under a hostile path
    monkeypatch.chdir(tmp_path)
    db = new_browser_db(hostile_home)
    bundle = pem_bundle(tmp_path / "bundle", HOSTILE["command"], HOSTILE["command"] + " client")
    plan = json.loads(
        cli(hostile_home, "install", str(bundle), "--stores", "nss", "--dry-run", "--json").out
    )["plan"]
    assert cli(hostile_home, "install", str(bundle), "--stores", "nss", "--yes").code == 0
    # WHEN a person pastes each undo command the plan showed into a shell
    for step in plan["steps"]:
        for command in step["undo"]:
            pasted = subprocess.run(["sh", "-c", command], capture_output=True, text=True)
            assert pasted.returncode == 0, (command, pasted.stderr)
    # THEN the items are gone and nothing but certutil ran
    assert db_fingerprints(db) == set()
    assert not (tmp_path / "MARKER").exists()


def test_uninstall_goes_on_past_an_item_it_cannot_remove_and_names_it(tmp_path: Path) -> None:
    # GIVEN an installed bundle whose browser-database CA record points at a database certutil
    # cannot open (a misplaced identity-files record no longer fails: removal deletes only what
    # it wrote, and nothing there is that)
    home = tmp_path / "home"
    home.mkdir()
    db = new_browser_db(home)
    bundle = pem_bundle(tmp_path / "bundle", "stuck CA", "stuck client")
    assert cli(home, "install", str(bundle), *STORES, "--yes").code == 0
    blocker = tmp_path / "broken-db"  # a database certutil cannot open
    blocker.mkdir()
    (blocker / "cert9.db").write_text("not a database")
    ledger = home / ".local/state/clustertrust/ledger.json"
    document = json.loads(ledger.read_text())
    for record in document["records"]:
        if record["store"] == "nss" and record["kind"] == "ca":
            record["location"] = str(blocker)
    ledger.write_text(json.dumps(document))
    # WHEN everything is uninstalled
    result = cli(home, "uninstall", "--all", "--yes")
    # THEN the other items are removed, the stuck one is named and stays in the ledger
    assert result.code == 1
    assert "Traceback" not in result.err
    assert "stuck CA in " + str(blocker) in result.err
    assert db_key_count(db) == 0
    assert [(r["store"], r["kind"]) for r in ledger_document(home)["records"]] == [("nss", "ca")]
