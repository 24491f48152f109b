"""The manage window, the support report, closing mid-install, and `clustertrust demo` itself."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from clustertrust.core import demo as demo_module
from clustertrust.core.bundle.reader import read_bundle
from clustertrust.core.demo import DemoCluster, start_demo
from clustertrust.core.install import plan as plans
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import Scope
from clustertrust.core.source.load import load_source
from clustertrust.gui import app as gui_app
from clustertrust.gui.manage import DAYS, STATUS, ManageWindow, PlanDialog
from clustertrust.gui.services import Services
from clustertrust.gui.session import Opened, Session
from clustertrust.gui.wizard import BUNDLE, INSTALL, PLAN, REVIEW, ClusterTrustWizard
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QPlainTextEdit
from pytestqt.qtbot import QtBot
from support.gui_support import Driver, SlowRunner, save_png

WAIT = 30_000


@pytest.fixture
def demo() -> Iterator[DemoCluster]:
    cluster = start_demo()
    yield cluster
    cluster.stop()


@pytest.fixture
def installed(demo: DemoCluster) -> Session:
    """The demo bundle installed into the sandbox through core.plan, as the wizard would."""
    source = load_source(demo.bundle_url, context=demo.download_context())
    bundle = read_bundle(source)
    services = Services(sandbox=demo.sandbox)
    planned = services.plan_install(bundle, Scope.USER)
    plans.apply_plan(planned.plan, planned.setup.ledger)
    return Session(demo=demo, opened=Opened(source, bundle, []), cluster_url=demo.ui_url)


def open_manage(qtbot: QtBot, services: Services, session: Session) -> ManageWindow:
    window = ManageWindow(services, session)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(
        lambda: (
            window.table.rowCount() > 0
            or (window.status.kind == "info" and "Nothing" in window.status.text())
        ),
        timeout=WAIT,
    )
    return window


def column(window: ManageWindow, index: int) -> list[str]:
    return [window.table.item(row, index).text() for row in range(window.table.rowCount())]


def test_lists_what_is_installed_and_notices_what_went_missing(
    qtbot: QtBot, demo: DemoCluster, installed: Session
) -> None:
    window = open_manage(qtbot, Services(sandbox=demo.sandbox), installed)
    assert window.table.rowCount() == 4 and set(column(window, STATUS)) == {"present"}
    assert all(0 < int(days) <= 90 for days in column(window, DAYS))
    save_png(window, "manage-installed")
    # WHEN someone deletes the anchor by hand THEN a refresh shows it missing
    for anchor in (demo.sandbox / "anchors").iterdir():
        anchor.unlink()
    Driver(qtbot, window).click(window.refresh_button)
    qtbot.waitUntil(lambda: "missing" in column(window, STATUS), timeout=WAIT)
    assert column(window, STATUS).count("missing") == 1


def test_remove_shows_the_plan_first_then_removes(
    qtbot: QtBot, demo: DemoCluster, installed: Session
) -> None:
    window = open_manage(qtbot, Services(sandbox=demo.sandbox), installed)
    window.table.selectAll()
    Driver(qtbot, window).click(window.remove_button)
    qtbot.waitUntil(lambda: window.findChild(PlanDialog) is not None, timeout=WAIT)
    dialog = window.findChild(PlanDialog)
    assert dialog.isVisible()
    shown = dialog.findChild(QPlainTextEdit).toPlainText()
    assert shown.startswith("Plan to remove") and str(demo.sandbox) in shown
    save_png(dialog, "manage-remove-plan")
    assert Ledger(demo.sandbox / "ledger.json").records()  # nothing removed before consent
    Driver(qtbot, dialog).click(dialog.remove_button)
    qtbot.waitUntil(lambda: window.table.rowCount() == 0, timeout=WAIT)
    assert Ledger(demo.sandbox / "ledger.json").records() == []
    assert list((demo.sandbox / "anchors").iterdir()) == []


def test_reverify_and_export_a_report_without_secrets(
    qtbot: QtBot, demo: DemoCluster, installed: Session, tmp_path: Path
) -> None:
    window = open_manage(qtbot, Services(sandbox=demo.sandbox), installed)
    window.verify_url(demo.ui_url)
    qtbot.waitUntil(lambda: window.status.kind in ("ok", "error"), timeout=WAIT)
    assert window.status.kind == "ok", window.status.text()
    report = tmp_path / "report.txt"
    window.write_report(report)
    qtbot.waitUntil(report.exists, timeout=WAIT)
    qtbot.waitUntil(lambda: "Saved the report" in window.status.text(), timeout=WAIT)
    text = report.read_text()
    assert installed.opened.bundle.client_cert is not None
    assert "kurrentdb-client" in text and "PRIVATE KEY" not in text and "kurrent\n" not in text


def test_reverify_without_a_bundle_uses_the_installed_identity(
    qtbot: QtBot, demo: DemoCluster, installed: Session
) -> None:
    window = open_manage(qtbot, Services(sandbox=demo.sandbox), Session())  # from the welcome
    window.verify_url(demo.ui_url)
    qtbot.waitUntil(lambda: window.status.kind in ("ok", "error"), timeout=WAIT)
    assert window.status.kind == "ok", window.status.text()


def test_reverify_with_nothing_installed_says_what_to_do(qtbot: QtBot, demo: DemoCluster) -> None:
    window = open_manage(qtbot, Services(sandbox=demo.sandbox), Session())
    window.verify_url(demo.ui_url)
    qtbot.waitUntil(lambda: window.status.kind == "error", timeout=WAIT)
    assert "No installed client identity" in window.status.text()


def test_report_into_a_folder_that_cannot_be_written_says_so(
    qtbot: QtBot, demo: DemoCluster, installed: Session, tmp_path: Path
) -> None:
    window = open_manage(qtbot, Services(sandbox=demo.sandbox), installed)
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
