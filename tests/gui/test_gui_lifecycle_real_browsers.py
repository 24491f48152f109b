"""Renewal and repair from the clusters window, and renewal in the wizard, on the real stores
of the test's HOME: Chromium's and two Firefox profiles' NSS databases, checked with certutil
after each step, and the cluster UI (nginx demanding a client certificate) reached by headless
Firefox. A same-CA renewal, then a new-CA renewal refused while the cluster still has its old CA,
then done once it moved; a profile's lost identity and a profile made after the install,
repaired."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from clustertrust.cli.main import main
from clustertrust.core.bundle import read_bundle
from clustertrust.core.bundle.checks import check_bundle
from clustertrust.core.source import load_source
from clustertrust.gui.cluster_card import ClusterCard
from clustertrust.gui.manage import ManageWindow
from clustertrust.gui.plan_dialog import PlanDialog
from clustertrust.gui.services import Services
from clustertrust.gui.session import Opened, Session
from clustertrust.gui.wizard import INSTALL, PLAN, ClusterTrustWizard
from pytestqt.qtbot import QtBot
from support import browsers, pki
from support.firefox import FIREFOX
from support.gui_support import Driver
from support.rotation import (
    CHROMIUM,
    DEFAULT,
    WORK,
    RotatingCluster,
    Rotation,
    assert_holding,
    firefox_reaches,
    kurrent_tgz,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not FIREFOX, reason="needs Firefox (Debian package firefox-esr)"),
]
WAIT = 60_000
LATE = "Firefox (profile late)"
SET_UP = {
    CHROMIUM: "ok",
    DEFAULT: "ok",
    WORK: "ok",
    "Command-line clients": "ok",
    "System trust store": "not_set_up",  # a user-scope install leaves it to root
}


def listed(qtbot: QtBot, window: ManageWindow) -> ClusterCard:
    qtbot.waitUntil(
        lambda: window.refresh_button.isEnabled() and not window.jobs.busy(), timeout=WAIT
    )
    (card,) = window.cards
    return card


def renew_in_window(qtbot: QtBot, window: ManageWindow, bundle: Path) -> None:
    """Renew on the cluster's card with a file, as Renew > From a file does, and confirm."""
    confirm(qtbot, window, lambda: window.renew(listed(qtbot, window).cluster, str(bundle)))


def confirm(qtbot: QtBot, window: ManageWindow, start: Callable[[], None]) -> None:
    """Start an action, press the action button of the plan it shows, wait for the outcome."""
    earlier = window.dialog
    start()
    qtbot.waitUntil(
        lambda: window.dialog is not earlier or window.status.kind == "error", timeout=WAIT
    )
    dialog = window.dialog
    assert dialog is not earlier and isinstance(dialog, PlanDialog), window.status.text()
    Driver(qtbot, dialog).click(dialog.action_button)  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: window.status.kind in ("ok", "error"), timeout=WAIT)


def shown(card: ClusterCard) -> tuple[str, str, dict[str, str]]:
    """What the card shows after its refresh: the CA, the client certificate, each consumer."""
    cluster = card.cluster
    assert cluster.ca is not None and cluster.client is not None
    consumers = {c.name: c.state.value for c in cluster.consumers}
    return cluster.ca.sha256, cluster.client.sha256, consumers


def now_set_up(
    ca: pki.Issued, client: pki.Issued, consumers: dict[str, str] = SET_UP
) -> tuple[str, str, dict[str, str]]:
    return browsers.sha256(ca.cert), browsers.sha256(client.cert), consumers


def open_window(qtbot: QtBot) -> ManageWindow:
    window = ManageWindow(Services(), Session())
    qtbot.addWidget(window)
    window.show()
    return window


def install(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, rotation: Rotation, url: str = ""
) -> None:
    """Bundle A installed with the command line; with `url`, verified there (remembered)."""
    bundle = kurrent_tgz(tmp_path, "a", rotation.ca1, rotation.client1)
    assert main(["install", str(bundle), "--yes"]) == 0
    assert not url or main(["verify", url]) == 0
    capsys.readouterr()


def test_the_clusters_window_renews_in_every_browser(
    qtbot: QtBot,
    capsys: pytest.CaptureFixture[str],
    isolated_dirs: Path,
    tmp_path: Path,
    rotation: Rotation,
    rotating_cluster: RotatingCluster,
    browser_dbs: dict[str, Path],
) -> None:
    r, ui = rotation, rotating_cluster.ui
    install(capsys, tmp_path, r, ui.url)
    window = open_window(qtbot)

    renew_in_window(qtbot, window, kurrent_tgz(tmp_path, "b", r.ca1, r.client2))
    assert window.status.kind == "ok", window.status.text()
    assert_holding(browser_dbs, r.ca1, r.client2, "the same-CA renewal")
    assert shown(listed(qtbot, window)) == now_set_up(r.ca1, r.client2)

    bundle_c = kurrent_tgz(tmp_path, "c", r.ca2, r.client3)
    renew_in_window(qtbot, window, bundle_c)  # the cluster still has its CA1 certificate
    assert window.status.kind == "error", window.status.text()
    assert "not moved to the new CA yet" in window.status.text()
    assert_holding(browser_dbs, r.ca1, r.client2, "the refused renewal")

    rotating_cluster.serve(r.server2, r.ca2)
    renew_in_window(qtbot, window, bundle_c)
    assert window.status.kind == "ok", window.status.text()
    assert_holding(browser_dbs, r.ca2, r.client3, "the new-CA renewal")
    assert shown(listed(qtbot, window)) == now_set_up(r.ca2, r.client3)
    firefox_reaches(isolated_dirs, browser_dbs[WORK], ui, r.client3)


def test_repair_in_the_window_puts_back_a_lost_identity_and_covers_a_new_profile(
    qtbot: QtBot,
    capsys: pytest.CaptureFixture[str],
    isolated_dirs: Path,
    tmp_path: Path,
    rotation: Rotation,
    rotating_cluster: RotatingCluster,
    browser_dbs: dict[str, Path],
) -> None:
    r = rotation
    install(capsys, tmp_path, r)
    work = browser_dbs[WORK]
    (nick,) = [n for n, flags in browsers.nicknames(work).items() if "u" in flags]
    browsers.delete(work, nick, with_key=True)  # as a person would in the certificate manager
    browser_dbs[LATE] = browsers.add_firefox_profile(isolated_dirs, "late")
    window = open_window(qtbot)

    card = listed(qtbot, window)
    assert shown(card)[2] == SET_UP | {WORK: "missing", LATE: "not_covered"}
    assert card.state.property("kind") == "error" and card.repair_button.isEnabled()
    confirm(qtbot, window, card.repair_button.click)
    assert window.status.kind == "ok", window.status.text()
    assert_holding(browser_dbs, r.ca1, r.client1, "the repair")
    card = listed(qtbot, window)
    assert shown(card) == now_set_up(r.ca1, r.client1, SET_UP | {LATE: "ok"})
    assert not card.repair_button.isEnabled()
    firefox_reaches(isolated_dirs, work, rotating_cluster.ui, r.client1)


def test_the_card_and_verify_say_repair_covers_a_profile_made_after_the_install(
    qtbot: QtBot,
    capsys: pytest.CaptureFixture[str],
    isolated_dirs: Path,
    tmp_path: Path,
    rotation: Rotation,
    rotating_cluster: RotatingCluster,
    browser_dbs: dict[str, Path],
) -> None:
    install(capsys, tmp_path, rotation, rotating_cluster.ui.url)
    browsers.add_firefox_profile(isolated_dirs, "late")
    window = open_window(qtbot)
    card = listed(qtbot, window)
    assert card.repair_button.isEnabled()
    assert "Repair" in card.state.text(), card.state.text()
    window.verify(card.cluster)
    qtbot.waitUntil(lambda: window.status.kind != "info", timeout=WAIT)
    said = window.status.text()
    assert window.status.kind == "warning", said  # works where set up; one profile is not
    assert "Not covered yet: Firefox (profile late)" in said, said
    assert "Press Repair" in said and "clustertrust" not in said, said  # its button, no command


def renew_in_wizard(qtbot: QtBot, bundle: Path) -> str:
    """Open the bundle in the wizard on this HOME's stores, go through Plan and Install; returns
    what the install page says. The plan must be the renewal of the installed cluster."""
    source = load_source(str(bundle))
    opened = read_bundle(source)
    session = Session(opened=Opened(source, opened, check_bundle(opened)))
    wizard = ClusterTrustWizard(session, Services())
    qtbot.addWidget(wizard)
    wizard.ensure_pages()
    wizard.page(PLAN).initializePage()
    qtbot.waitUntil(lambda: session.plan is not None, timeout=WAIT)
    assert session.plan.renewal is not None, session.plan.plan.text()
    page = wizard.page(INSTALL)
    page.initializePage()
    qtbot.waitUntil(lambda: page.job is None and page.outcome.kind != "info", timeout=WAIT)
    return f"{page.outcome.kind}: {page.outcome.text()}"


def test_the_wizard_renews_in_every_browser(
    qtbot: QtBot,
    capsys: pytest.CaptureFixture[str],
    isolated_dirs: Path,
    tmp_path: Path,
    rotation: Rotation,
    rotating_cluster: RotatingCluster,
    browser_dbs: dict[str, Path],
) -> None:
    r, ui = rotation, rotating_cluster.ui
    install(capsys, tmp_path, r, ui.url)

    said = renew_in_wizard(qtbot, kurrent_tgz(tmp_path, "b", r.ca1, r.client2))
    assert said.startswith("ok"), said
    assert_holding(browser_dbs, r.ca1, r.client2, "the same-CA renewal")

    bundle_c = kurrent_tgz(tmp_path, "c", r.ca2, r.client3)
    said = renew_in_wizard(qtbot, bundle_c)  # the cluster still has its CA1 certificate
    assert said.startswith("error") and "not moved to the new CA yet" in said, said
    assert_holding(browser_dbs, r.ca1, r.client2, "the refused renewal")

    rotating_cluster.serve(r.server2, r.ca2)
    said = renew_in_wizard(qtbot, bundle_c)
    assert said.startswith("ok"), said
    assert_holding(browser_dbs, r.ca2, r.client3, "the new-CA renewal")
    firefox_reaches(isolated_dirs, browser_dbs[DEFAULT], ui, r.client3)
