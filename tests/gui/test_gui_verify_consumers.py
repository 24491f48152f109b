"""The wizard's Verify page and the clusters window's Re-verify, by consumer, for real: a user-scope
install into Chromium and Firefox databases in a temporary HOME, nginx demanding the client cert."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from clustertrust.cli.main import main
from clustertrust.core import certinfo
from clustertrust.core.i18n import tr
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import Kind, Scope, State, record_for
from clustertrust.core.remedy import Action
from clustertrust.gui.advice import BUTTONS
from clustertrust.gui.manage import ManageWindow
from clustertrust.gui.services import Services
from clustertrust.gui.session import Session
from clustertrust.gui.wizard import VERIFY
from PySide6.QtWidgets import QInputDialog
from pytestqt.qtbot import QtBot
from support import browsers, pki
from support.gui_support import save_png, wizard_with_bundle
from support.tls_peers import NginxSetup

WAIT = 60_000


@pytest.fixture
def installed(isolated_dirs: Path, kurrent_tgz: Path, nginx: NginxSetup) -> str:
    """Installed for "Only me" and verified once from a terminal: the address is remembered."""
    browsers.chromium(isolated_dirs)
    browsers.firefox(isolated_dirs, {"default-release": True})
    assert main(["install", str(kurrent_tgz), "--yes", "--json"]) == 0
    url = nginx.url("mtls")
    assert main(["verify", url, "--json"]) == 0
    return url


def test_verify_page_uses_the_remembered_address_and_lists_each_consumer(
    qtbot: QtBot, installed: str, kurrent_tgz: Path
) -> None:
    wizard, session = wizard_with_bundle(qtbot, kurrent_tgz)
    wizard.show()
    page = wizard.page(VERIFY)
    page.initializePage()  # the remembered address is looked up, filled in and checked at once
    qtbot.waitUntil(lambda: page.url.text() == installed, timeout=WAIT)
    qtbot.waitUntil(lambda: session.verified is not None, timeout=WAIT)
    assert session.verified.ok, session.verified.verdict
    assert page.verdict.kind == "ok"
    rows = [page.consumers.item(i).text() for i in range(page.consumers.count())]
    assert page.consumers.isVisibleTo(page) and not page.modes.isVisibleTo(page)
    assert [row.split(":")[0] for row in rows] == [
        "Chromium",
        "Firefox (profile default-release)",
        "System trust store",
        "Command-line clients",
    ]
    assert rows[2].startswith("System trust store: Not set up")
    page.resize(760, 480)
    save_png(page, "06-verify-by-consumer")


def test_the_clusters_window_verifies_at_the_remembered_address_without_asking(
    qtbot: QtBot, installed: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def ask(*args: object, **kwargs: object) -> tuple[str, bool]:
        asked.append("?")
        return "", False

    monkeypatch.setattr(QInputDialog, "getText", ask)
    window = ManageWindow(Services(), Session())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: bool(window.clusters), timeout=WAIT)
    [cluster] = window.clusters
    assert cluster.ui_url == installed  # the ledger's "clusters" list, written by verify
    window.verify(cluster)
    qtbot.waitUntil(lambda: window.status.kind in ("ok", "error"), timeout=WAIT)
    assert window.status.kind == "ok", window.status.text()
    assert asked == []
    assert [c.ui_url for c in Ledger().clusters()] == [installed]


def test_the_clusters_card_names_each_browser_database_as_verify_does(
    qtbot: QtBot, installed: str, isolated_dirs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN every other layout the browsers use, made after the install (so not set up)
    for layout in ("xdg", "snap"):
        browsers.chromium(isolated_dirs, layout)
    for layout in ("xdg", "snap", "flatpak"):
        browsers.firefox(isolated_dirs, {"default-release": True}, layout)

    # WHEN the clusters window shows the cluster's card and verify checks the cluster
    window = ManageWindow(Services(), Session())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: bool(window.cards), timeout=WAIT)
    (card,) = window.cards
    capsys.readouterr()
    assert main(["verify", installed, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)

    # THEN each database carries the same name on the card (its tooltip is the folder) and in verify
    on_card = {label.toolTip(): name for name, label in card.consumers.items()}
    in_verify = {c["location"]: c["name"] for c in document["consumers"] if c["kind"] == "browser"}
    assert len(in_verify) == 7, in_verify  # Chromium ×3, Firefox classic, XDG, snap, flatpak
    assert {location: on_card.get(location) for location in in_verify} == in_verify
    assert "Firefox (profile default-release, flatpak)" in card.consumers


def test_older_certificates_a_renewal_left_are_named_with_the_windows_button_not_a_command(
    qtbot: QtBot,
    installed: str,
    kurrent: pki.KurrentBundle,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN the ledger still lists an older client of the cluster's CA in the Chromium database,
    # listed before the bundle's own records: a renewal that did not finish removing it
    ledger = Ledger()
    own = next(r for r in ledger.records() if r.kind == Kind.IDENTITY.value and r.store == "nss")
    older = pki.make_leaf(kurrent.ca, certinfo.common_name(kurrent.client.cert.subject))
    record = record_for(older.cert, Kind.IDENTITY, own.store, own.location, "old", Scope.USER)
    record = replace(record, issuer=certinfo.sha256(kurrent.ca.cert), state=State.DONE.value)
    document = json.loads(ledger.path.read_text())
    document["records"].insert(0, record.to_json())
    ledger.path.write_text(json.dumps(document))
    sha = certinfo.sha256(older.cert)[:16]

    # WHEN the clusters window verifies the cluster
    window = ManageWindow(Services(), Session())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: bool(window.clusters), timeout=WAIT)
    window.verify(window.clusters[0])
    qtbot.waitUntil(lambda: window.status.kind in ("ok", "warning", "error"), timeout=WAIT)

    # THEN it works, names the leftover and the button that removes it, and no terminal command
    said = window.status.text()
    assert window.status.kind == "warning", said
    assert "did not finish removing" in said, said
    assert tr(BUTTONS[Action.UNINSTALL]) in said, said
    assert "clustertrust uninstall" not in said and sha not in said, said
    # while the command line (text and --json) says the exact command
    capsys.readouterr()
    assert main(["verify", installed]) == 0
    assert f"clustertrust uninstall {sha}" in capsys.readouterr().out
    assert main(["verify", installed, "--json"]) == 0
    assert f"clustertrust uninstall {sha}" in json.loads(capsys.readouterr().out)["note"]
