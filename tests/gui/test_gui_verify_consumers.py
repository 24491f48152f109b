"""The wizard's Verify page and the clusters window's Re-verify, by consumer, for real: a user-scope
install into Chromium and Firefox databases in a temporary HOME, nginx demanding the client cert."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from clustertrust.cli.main import main
from clustertrust.core import certinfo
from clustertrust.core.bundle.reader import read_bundle
from clustertrust.core.i18n import tr
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import Kind, Record, Scope, State, record_for
from clustertrust.core.remedy import Action
from clustertrust.core.source.load import SourceData
from clustertrust.gui.advice import BUTTONS, OLDER
from clustertrust.gui.language import choose_language
from clustertrust.gui.manage import ManageWindow
from clustertrust.gui.plan_dialog import PlanDialog
from clustertrust.gui.services import Services
from clustertrust.gui.session import Session
from clustertrust.gui.wizard import VERIFY
from clustertrust.platform import nss
from clustertrust.platform.runner import SubprocessRunner
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QInputDialog
from pytestqt.qtbot import QtBot
from support import a11y, browsers, pki
from support.gui_support import Driver, save_png, wizard_with_bundle
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
    assert tr(OLDER) in said and tr(BUTTONS[Action.UNINSTALL]) not in said, said
    assert "clustertrust uninstall" not in said and sha not in said, said
    # while the command line (text and --json) says the exact command
    capsys.readouterr()
    assert main(["verify", installed]) == 0
    assert f"clustertrust uninstall {sha}" in capsys.readouterr().out
    assert main(["verify", installed, "--json"]) == 0
    assert f"clustertrust uninstall {sha}" in json.loads(capsys.readouterr().out)["note"]


def plant_older_client(kurrent: pki.KurrentBundle) -> tuple[str, list[Record]]:
    """An older client of the cluster's CA really in each browser database (Chromium, Firefox),
    recorded before the bundle's own items: a same-CA renewal whose removal of it failed."""
    older = pki.make_leaf(kurrent.ca, certinfo.common_name(kurrent.client.cert.subject))
    files = pki.KurrentBundle(kurrent.ca, older).files()
    bundle = read_bundle(SourceData("older.tar.gz", (("older.tar.gz", pki.tar_bytes(files)),)))
    store = nss.NssStore(SubprocessRunner())
    records = []
    for step in store.plan_install(bundle, Scope.USER):
        if step.record.kind == Kind.IDENTITY.value:
            step.run()
            issuer = certinfo.sha256(kurrent.ca.cert)
            records.append(replace(step.record, issuer=issuer, state=State.DONE.value))
    ledger = Ledger()
    document = json.loads(ledger.path.read_text())
    document["records"][:0] = [r.to_json() for r in records]
    ledger.path.write_text(json.dumps(document))
    return certinfo.sha256(older.cert), records


def held(records: list[Record]) -> dict[str, set[str]]:
    """Each browser database: the fingerprints of the client certificates with their key in it."""
    store = nss.NssStore(SubprocessRunner())
    return {
        r.location: {sha for sha, key in store.keys_by_certificate(r.location).items() if key}
        for r in records
    }


def test_remove_older_certificates_takes_only_what_a_renewal_left_behind(
    qtbot: QtBot, installed: str, kurrent: pki.KurrentBundle
) -> None:
    # GIVEN an older client of the same CA in both browser databases and the ledger
    older, planted = plant_older_client(kurrent)
    current = certinfo.sha256(kurrent.client.cert)
    assert len(planted) == 2
    assert all({older, current} <= shas for shas in held(planted).values()), held(planted)

    # WHEN the clusters window shows the card: one card, with the button, on its own Alt+letter
    window = ManageWindow(Services(), Session())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: bool(window.cards) and not window.jobs.busy(), timeout=WAIT)
    (card,) = window.cards
    assert {r.sha256 for r in card.cluster.older} == {older}
    assert card.remove_older_button.isVisibleTo(window) and card.remove_button.isVisibleTo(window)
    assert a11y.duplicate_mnemonics(window) == []
    assert card.remove_older_button.accessibleName() == "Remove older certificates"

    # THEN Return and Escape in its confirmation remove nothing (Cancel is default, focused)
    for key in (Qt.Key.Key_Return, Qt.Key.Key_Escape):
        Driver(qtbot, window).click(card.remove_older_button)
        qtbot.waitUntil(lambda: isinstance(window.dialog, PlanDialog), timeout=WAIT)
        dialog = window.dialog
        assert isinstance(dialog, PlanDialog)
        qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.cancel_button)  # noqa: B023
        assert dialog.cancel_button.isDefault()
        with qtbot.waitSignal(dialog.finished) as finished:
            qtbot.keyClick(QApplication.focusWidget(), key)
        assert finished.args == [QDialog.DialogCode.Rejected]
        window.dialog = None
        assert older in {r.sha256 for r in Ledger().records()}
        assert all(older in shas for shas in held(planted).values())

    # WHEN the person confirms with the action itself
    Driver(qtbot, window).click(card.remove_older_button)
    qtbot.waitUntil(lambda: isinstance(window.dialog, PlanDialog), timeout=WAIT)
    dialog = window.dialog
    words = dialog.words.text()
    assert "that a renewal left behind" in words and "Chromium" in words and "certutil" not in words
    Driver(qtbot, dialog).click(dialog.action_button)
    qtbot.waitUntil(lambda: "Removed the older certificates" in window.status.text(), timeout=WAIT)
    qtbot.waitUntil(lambda: not window.jobs.busy(), timeout=WAIT)

    # THEN the older client is gone from both databases and the ledger; the current one stays
    assert all(older not in shas and current in shas for shas in held(planted).values())
    left = {r.sha256 for r in Ledger().records()}
    assert older not in left and current in left and certinfo.sha256(kurrent.ca.cert) in left
    (card,) = window.cards
    assert not card.remove_older_button.isVisibleTo(window) and card.cluster.older == ()
    # and the cluster still verifies, now with nothing to remove
    window.verify(card.cluster)
    qtbot.waitUntil(lambda: window.status.kind in ("ok", "warning", "error"), timeout=WAIT)
    assert window.status.kind == "ok", window.status.text()


def test_remove_older_certificates_keeps_its_own_alt_letter_in_german(
    qtbot: QtBot, installed: str, kurrent: pki.KurrentBundle
) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "packaging"))
    import catalogs

    plant_older_client(kurrent)
    catalogs.compile_all()
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    assert choose_language(app, ["de_DE", "de"]) == "de"
    try:
        window = ManageWindow(Services(), Session())
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: bool(window.cards) and not window.jobs.busy(), timeout=WAIT)
        (card,) = window.cards
        assert card.remove_older_button.isVisibleTo(window)
        assert card.remove_older_button.text() == "Ä&ltere Zertifikate entfernen…"
        assert a11y.duplicate_mnemonics(window) == []
    finally:
        choose_language(app, ["en_US"])
