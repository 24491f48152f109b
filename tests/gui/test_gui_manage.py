"""The clusters window (one card per cluster, its consumers and actions), the support report,
closing mid-install, and `clustertrust demo` itself. Everything runs against the demo's sandbox:
an anchors folder, a real NSS database (certutil/pk12util) and identity files."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import pytest
from clustertrust.core import actions
from clustertrust.core import demo as demo_module
from clustertrust.core.bundle.reader import read_bundle
from clustertrust.core.demo import DemoCluster, make_demo_pki
from clustertrust.core.install import clusters as groups
from clustertrust.core.install import plan as plans
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import Scope
from clustertrust.core.source.load import load_source
from clustertrust.gui import app as gui_app
from clustertrust.gui import manage
from clustertrust.gui.cluster_card import ClusterCard
from clustertrust.gui.manage import ManageWindow
from clustertrust.gui.plan_dialog import PlanDialog
from clustertrust.gui.services import Services
from clustertrust.gui.session import Opened, Session
from clustertrust.gui.wizard import BUNDLE, INSTALL, PLAN, REVIEW, WELCOME, ClusterTrustWizard
from PySide6.QtCore import QEvent, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from support.gui_support import Driver, FailingRunner, SlowRunner, save_png

WAIT = 30_000


@pytest.fixture
def installed(demo: DemoCluster) -> Session:
    """The demo bundle installed into the sandbox through core.plan, as the wizard would."""
    source = load_source(demo.bundle_url, context=demo.download_context())
    bundle = read_bundle(source)
    services = Services(sandbox=demo.sandbox)
    planned = services.plan_install(bundle, Scope.USER)
    plans.apply_plan(planned.plan, planned.setup.ledger)
    return Session(demo=demo, opened=Opened(source, bundle, []))


@pytest.fixture
def verified(demo: DemoCluster, installed: Session) -> Session:
    """Installed and verified at the demo's address, which the sandbox's ledger now keeps."""
    assert installed.opened is not None
    machine = Services(sandbox=demo.sandbox).machine
    assert actions.verify(machine, demo.ui_url, installed.opened.bundle).ok
    return installed


def open_manage(qtbot: QtBot, services: Services, session: Session) -> ManageWindow:
    window = ManageWindow(services, session)
    qtbot.addWidget(window)
    window.show()
    wait_listed(qtbot, window)
    return window


def wait_listed(qtbot: QtBot, window: ManageWindow) -> None:
    qtbot.waitUntil(
        lambda: window.refresh_button.isEnabled() and not window.jobs.busy(), timeout=WAIT
    )


def states(card: ClusterCard) -> dict[str, str]:
    return {c.name: c.state.value for c in card.cluster.consumers}


def test_one_card_per_cluster_with_its_consumers_and_expiry(
    qtbot: QtBot, demo: DemoCluster, verified: Session
) -> None:
    window = open_manage(qtbot, Services(sandbox=demo.sandbox), verified)
    (card,) = window.cards
    assert card.cluster.name == demo.pki.cluster_id  # from the CA's `<id>-ca`
    assert card.address.plain() == demo.ui_url  # remembered by the verification
    assert states(card) == {
        "System trust store": "ok",
        "Browser certificate database": "ok",
        "Command-line clients": "ok",
    }
    assert card.consumers["System trust store"].text().startswith("✓")
    ca_text = card.expiry["CA"].text()
    assert "days left" in ca_text and card.expiry["CA"].property("kind") == ""
    assert not card.repair_button.isEnabled()  # nothing to repair
    save_png(window, "manage-clusters")
    # no store jargon anywhere a person reads
    shown = " ".join(label.text() for label in card.findChildren(type(card.expiry["CA"])))
    for jargon in (" nss", "identity-files", "[ca]", "[identity]", "linux-anchors"):
        assert jargon not in shown.lower(), jargon


def test_expiry_is_amber_from_14_days_and_red_once_expired(qtbot: QtBot, tmp_path: Path) -> None:
    window = ManageWindow(Services(sandbox=tmp_path), Session())
    qtbot.addWidget(window)
    wait_listed(qtbot, window)

    def kind(days: int, label: str = "CA") -> tuple[str, str]:
        cert = groups.Certificate("ab" * 32, "x-ca", "2030-01-01T00:00:00+00:00", days)
        card = ClusterCard(groups.Cluster("x", cert, cert, ()), window)
        qtbot.addWidget(card)
        return card.expiry[label].property("kind"), card.expiry[label].text()

    assert kind(15)[0] == "" and kind(14)[0] == "warning" and kind(-1)[0] == "error"
    assert "expired" in kind(-1, "Client certificate")[1]


def test_repair_puts_back_what_was_deleted_by_hand(
    qtbot: QtBot, demo: DemoCluster, installed: Session
) -> None:
    window = open_manage(qtbot, Services(sandbox=demo.sandbox), installed)
    for anchor in (demo.sandbox / "anchors").iterdir():
        anchor.unlink()
    Driver(qtbot, window).click(window.refresh_button)
    qtbot.waitUntil(
        lambda: states(window.cards[0])["System trust store"] == "missing", timeout=WAIT
    )
    card = window.cards[0]
    assert card.consumers["System trust store"].text().startswith("✗")
    assert window.status.kind == "warning" and card.repair_button.isEnabled()
    save_png(window, "manage-missing")
    Driver(qtbot, window).click(card.repair_button)
    qtbot.waitUntil(lambda: isinstance(window.dialog, PlanDialog), timeout=WAIT)
    dialog = window.dialog
    assert "1 missing item(s) to put back" in dialog.words.text()
    assert not dialog.details.isVisible() and "anchors" in dialog.details.toPlainText()
    assert list((demo.sandbox / "anchors").iterdir()) == []  # nothing before consent
    Driver(qtbot, dialog).click(dialog.action_button)
    qtbot.waitUntil(lambda: "Repaired" in window.status.text(), timeout=WAIT)
    wait_listed(qtbot, window)
    assert set(states(window.cards[0]).values()) == {"ok"}
    assert len(list((demo.sandbox / "anchors").iterdir())) == 1


def test_remove_says_it_in_plain_words_with_the_commands_behind_details(
    qtbot: QtBot, demo: DemoCluster, installed: Session
) -> None:
    window = open_manage(qtbot, Services(sandbox=demo.sandbox), installed)
    Driver(qtbot, window).click(window.cards[0].remove_button)
    qtbot.waitUntil(lambda: isinstance(window.dialog, PlanDialog), timeout=WAIT)
    dialog = window.dialog
    words = dialog.words.text()
    assert f"Remove the cluster {demo.pki.cluster_id}" in words
    assert "Command-line clients" in words and "certutil" not in words
    save_png(dialog, "manage-remove-plan")
    Driver(qtbot, dialog).click(dialog.details_button)
    assert dialog.details.isVisible() and "certutil" in dialog.details.toPlainText()
    assert dialog.details_button.text().replace("&", "") == "Hide details"
    save_png(dialog, "manage-remove-details")
    assert Ledger(demo.sandbox / "ledger.json").records()  # nothing removed before consent
    Driver(qtbot, dialog).click(dialog.action_button)
    qtbot.waitUntil(lambda: window.status.text().count("Removed") == 1, timeout=WAIT)
    wait_listed(qtbot, window)
    assert window.cards == [] and Ledger(demo.sandbox / "ledger.json").records() == []
    assert list((demo.sandbox / "anchors").iterdir()) == []


def test_verify_uses_the_cluster_address_without_asking(
    qtbot: QtBot, demo: DemoCluster, verified: Session
) -> None:
    window = open_manage(qtbot, Services(sandbox=demo.sandbox), verified)
    Driver(qtbot, window).click(window.cards[0].verify_button)
    qtbot.waitUntil(lambda: window.status.kind in ("ok", "error"), timeout=WAIT)
    assert window.status.kind == "ok", window.status.text()


def test_verify_without_the_wizard_uses_the_installed_identity(
    qtbot: QtBot, demo: DemoCluster, installed: Session
) -> None:
    window = open_manage(qtbot, Services(sandbox=demo.sandbox), Session())  # from the welcome
    window.verify(window.cards[0].cluster, demo.ui_url)
    qtbot.waitUntil(lambda: window.status.kind in ("ok", "error"), timeout=WAIT)
    assert window.status.kind == "ok", window.status.text()


def test_verify_with_nothing_installed_says_what_to_do(qtbot: QtBot, demo: DemoCluster) -> None:
    window = open_manage(qtbot, Services(sandbox=demo.sandbox), Session())
    assert "Nothing installed" in window.status.text()
    window.verify_url(demo.ui_url)
    qtbot.waitUntil(lambda: window.status.kind == "error", timeout=WAIT)
    assert "No client identity is installed" in window.status.text()


def test_open_the_cluster_ui_and_say_so_when_no_browser_starts(
    qtbot: QtBot, demo: DemoCluster, verified: Session
) -> None:
    window = open_manage(qtbot, Services(sandbox=demo.sandbox), verified)
    opened: list[str] = []
    window.open_url = lambda url: opened.append(url.toString()) or True
    Driver(qtbot, window).click(window.cards[0].open_button)
    assert opened == [demo.ui_url] and window.status.kind != "error"
    window.open_url = lambda url: False  # no browser could be started
    Driver(qtbot, window).click(window.cards[0].open_button)
    assert window.status.kind == "error" and demo.ui_url in window.status.text()


def test_copy_diagnostics_is_short_and_redacted(
    qtbot: QtBot, demo: DemoCluster, verified: Session
) -> None:
    window = open_manage(qtbot, Services(sandbox=demo.sandbox), verified)
    QGuiApplication.clipboard().clear()
    Driver(qtbot, window).click(window.diagnostics_button)
    qtbot.waitUntil(lambda: bool(QGuiApplication.clipboard().text()), timeout=WAIT)
    text = QGuiApplication.clipboard().text()
    print(text)
    assert f"Cluster {demo.pki.cluster_id}: {demo.ui_url}" in text
    assert "✓ Command-line clients: set up" in text and "days left" in text
    assert "PRIVATE KEY" not in text and str(Path.home()) not in text
    assert len(text.splitlines()) < 15


def test_renew_from_a_file_replaces_the_old_certificates(
    qtbot: QtBot, demo: DemoCluster, installed: Session, tmp_path: Path
) -> None:
    # GIVEN the renewed bundle of the same cluster (a new CA of the same name), no UI to verify
    renewed = tmp_path / "certificate_bundle.tar.gz"
    renewed.write_bytes(make_demo_pki(demo.pki.cluster_id).bundle_tgz())
    window = open_manage(qtbot, Services(sandbox=demo.sandbox), Session())
    old_ca = window.cards[0].cluster.ca.sha256
    window.renew(window.cards[0].cluster, str(renewed))
    qtbot.waitUntil(lambda: isinstance(window.dialog, PlanDialog), timeout=WAIT)
    dialog = window.dialog
    assert "install the renewed certificates" in dialog.words.text()
    save_png(dialog, "manage-renew-plan")
    Driver(qtbot, dialog).click(dialog.action_button)
    qtbot.waitUntil(lambda: "Renewed" in window.status.text(), timeout=WAIT)
    wait_listed(qtbot, window)
    (card,) = window.cards
    assert card.cluster.ca.sha256 != old_ca and set(states(card).values()) == {"ok"}
    assert old_ca not in {r.sha256 for r in Ledger(demo.sandbox / "ledger.json").records()}


@pytest.fixture
def other(tmp_path: Path) -> Path:
    """Another cluster's bundle (its CA is called elsewhere-ca)."""
    path = tmp_path / "other.tar.gz"
    path.write_bytes(make_demo_pki("elsewhere").bundle_tgz())
    return path


def test_renew_with_another_clusters_bundle_changes_nothing(
    qtbot: QtBot, demo: DemoCluster, installed: Session, other: Path
) -> None:
    window = open_manage(qtbot, Services(sandbox=demo.sandbox), installed)
    before = Ledger(demo.sandbox / "ledger.json").records()
    window.renew(window.cards[0].cluster, str(other))
    qtbot.waitUntil(lambda: window.status.kind == "error", timeout=WAIT)
    assert "for the cluster elsewhere" in window.status.text()
    assert Ledger(demo.sandbox / "ledger.json").records() == before


class BlockingRunner(FailingRunner):
    """The real runner, except that the first change waits until the test lets it go."""

    def __init__(self) -> None:
        super().__init__(tool="")
        self.entered, self.release = threading.Event(), threading.Event()

    def run(self, argv, **options):  # type: ignore[no-untyped-def]
        if "-A" in argv or "-i" in argv:  # certutil -A / pk12util -i: an install step
            self.entered.set()
            assert self.release.wait(60), "the test never released the runner"
        return self.real.run(argv, **options)


def test_the_window_stays_responsive_while_a_repair_runs(
    qtbot: QtBot, demo: DemoCluster, installed: Session
) -> None:
    # GIVEN the CA gone from the browser database, and a runner that holds the repair mid-step
    runner = BlockingRunner()
    services = Services(demo.sandbox, runner)
    window = open_manage(qtbot, services, installed)
    setup = services.setup()
    ca = next(r for r in setup.ledger.records() if r.store == "nss" and r.kind == "ca")
    next(s for s in setup.stores if s.name == "nss").plan_remove(ca)[0].run()
    window.repair()
    qtbot.waitUntil(lambda: isinstance(window.dialog, PlanDialog), timeout=WAIT)
    window.dialog.accept()
    qtbot.waitUntil(runner.entered.is_set, timeout=WAIT)
    # WHEN the repair is blocked in its command THEN the window still handles events and input
    ticks: list[int] = []
    QTimer.singleShot(0, lambda: ticks.append(1))
    qtbot.waitUntil(lambda: bool(ticks), timeout=WAIT)
    Driver(qtbot, window).click(window.diagnostics_button)
    qtbot.waitUntil(lambda: "Copied" in window.status.text(), timeout=WAIT)
    assert window.jobs.busy() and not runner.release.is_set()
    runner.release.set()
    qtbot.waitUntil(lambda: "Repaired" in window.status.text(), timeout=WAIT)


def test_the_window_stays_responsive_while_a_verify_waits(
    qtbot: QtBot, demo: DemoCluster, installed: Session
) -> None:
    import socket

    # GIVEN a "cluster" that accepts the connection and never answers
    silent = socket.create_server(("127.0.0.1", 0))
    connected = threading.Event()
    accepted: list[socket.socket] = []

    def accept() -> None:
        accepted.append(silent.accept()[0])
        connected.set()

    threading.Thread(target=accept, daemon=True).start()
    try:
        window = open_manage(qtbot, Services(sandbox=demo.sandbox), installed)
        window.verify(window.cards[0].cluster, f"https://127.0.0.1:{silent.getsockname()[1]}/")
        qtbot.waitUntil(connected.is_set, timeout=WAIT)
        # WHEN the check waits for the server THEN the window handles events and input
        ticks: list[int] = []
        QTimer.singleShot(0, lambda: ticks.append(1))
        qtbot.waitUntil(lambda: bool(ticks), timeout=WAIT)
        Driver(qtbot, window).click(window.diagnostics_button)
        qtbot.waitUntil(lambda: "Copied" in window.status.text(), timeout=WAIT)
        assert window.jobs.busy()  # the verification is still waiting
        assert window.jobs.cancel_all()  # closing the window stops the waiting check at once
    finally:
        for connection in accepted:
            connection.close()
        silent.close()


def test_report_without_secrets_and_into_a_folder_that_cannot_be_written(
    qtbot: QtBot, demo: DemoCluster, installed: Session, tmp_path: Path
) -> None:
    window = open_manage(qtbot, Services(sandbox=demo.sandbox), installed)
    report = tmp_path / "report.txt"
    window.write_report(report)
    qtbot.waitUntil(lambda: "Saved the report" in window.status.text(), timeout=WAIT)
    text = report.read_text()
    assert "kurrentdb-client" in text and "PRIVATE KEY" not in text
    window.write_report(tmp_path / "no-such-folder" / "report.txt")
    qtbot.waitUntil(lambda: window.status.kind == "error", timeout=WAIT)
    assert "could not be written" in window.status.text()


def test_closing_mid_install_cancels_and_rolls_back(qtbot: QtBot, demo: DemoCluster) -> None:
    # GIVEN an install whose every command takes a while
    wizard = ClusterTrustWizard(
        gui_app.demo_wizard(demo).session, Services(demo.sandbox, SlowRunner(pause=0.4))
    )
    qtbot.addWidget(wizard)
    wizard.show()
    driver = Driver(qtbot, wizard)
    driver.forward()
    driver.wait_page(BUNDLE)
    qtbot.waitUntil(lambda: wizard.session.opened is not None, timeout=WAIT)
    driver.forward()
    driver.wait_page(REVIEW)
    driver.forward()
    driver.wait_page(PLAN)
    qtbot.waitUntil(lambda: wizard.session.plan is not None, timeout=WAIT)
    driver.forward()
    driver.wait_page(INSTALL)
    page = wizard.currentPage()
    qtbot.waitUntil(lambda: "done" in page.steps.states, timeout=WAIT)
    # WHEN the window is closed mid-install THEN it stops between steps, undoes, then closes
    wizard.close()
    assert wizard.isVisible()
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=WAIT)
    assert Ledger(demo.sandbox / "ledger.json").records() == []
    assert list((demo.sandbox / "anchors").iterdir()) == []


def test_demo_command_opens_the_wizard_and_stops_everything(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[DemoCluster] = []

    def recording_start(*args: object, **kwargs: object) -> DemoCluster:
        started.append(demo_module.start_demo(*args, **kwargs))  # type: ignore[arg-type]
        return started[-1]

    monkeypatch.setattr(gui_app, "start_demo", recording_start)
    previous_sigint = signal.getsignal(signal.SIGINT)
    seen: list[str] = []

    def close_the_wizard() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, ClusterTrustWizard) and widget.isVisible():
                seen.append(widget.page(BUNDLE).url.text() if widget.next() is None else "")
                widget.close()

    QTimer.singleShot(300, close_the_wizard)
    try:
        assert gui_app.run_demo() == 0
    finally:
        signal.signal(signal.SIGINT, previous_sigint)
    assert seen == [started[0].bundle_url]
    assert not started[0].servers and not started[0].folder.exists()


def remove_anchors_by_hand(demo: DemoCluster) -> None:
    for anchor in (demo.sandbox / "anchors").iterdir():
        anchor.unlink()


def test_coming_back_to_the_window_lists_again(
    qtbot: QtBot, demo: DemoCluster, installed: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = open_manage(qtbot, Services(sandbox=demo.sandbox), installed)
    remove_anchors_by_hand(demo)  # in another program, while the window shows all is well
    assert states(window.cards[0])["System trust store"] == "ok"
    monkeypatch.setattr(manage, "RECHECK_AFTER", 0.0)
    QApplication.sendEvent(window, QEvent(QEvent.Type.WindowActivate))
    qtbot.waitUntil(
        lambda: states(window.cards[0])["System trust store"] == "missing", timeout=WAIT
    )
    assert window.cards[0].repair_button.isEnabled() and window.status.kind == "warning"


def test_a_failed_action_lists_again_and_keeps_its_error(
    qtbot: QtBot, demo: DemoCluster, installed: Session, other: Path
) -> None:
    window = open_manage(qtbot, Services(sandbox=demo.sandbox), installed)
    remove_anchors_by_hand(demo)
    window.renew(window.cards[0].cluster, str(other))
    qtbot.waitUntil(
        lambda: states(window.cards[0])["System trust store"] == "missing", timeout=WAIT
    )
    wait_listed(qtbot, window)
    assert window.status.kind == "error" and "elsewhere" in window.status.text()


def test_the_welcome_page_follows_what_the_clusters_window_lists(
    qtbot: QtBot, demo: DemoCluster, installed: Session
) -> None:
    wizard = ClusterTrustWizard(installed, Services(sandbox=demo.sandbox))
    qtbot.addWidget(wizard)
    wizard.show()
    welcome = wizard.page(WELCOME)
    qtbot.waitUntil(lambda: welcome.installed.isVisibleTo(wizard), timeout=WAIT)
    wizard.open_manage()
    window = wizard.manage_window
    assert window is not None
    wait_listed(qtbot, window)
    remove_anchors_by_hand(demo)
    Driver(qtbot, window).click(window.refresh_button)
    qtbot.waitUntil(lambda: "missing" in welcome.installed.text(), timeout=WAIT)
    Driver(qtbot, window).click(window.cards[0].remove_button)
    qtbot.waitUntil(lambda: isinstance(window.dialog, PlanDialog), timeout=WAIT)
    Driver(qtbot, window.dialog).click(window.dialog.action_button)
    qtbot.waitUntil(lambda: not welcome.installed.isVisibleTo(wizard), timeout=WAIT)
