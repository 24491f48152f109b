"""The wizard end to end with qtbot: demo cluster → download → review → install into a sandbox →
verify → done, and the failure paths. A PNG of every page goes to test-artifacts/gui/."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from clustertrust.core import certinfo, paths
from clustertrust.core.bundle.checks import check_bundle
from clustertrust.core.bundle.reader import read_bundle
from clustertrust.core.demo import DemoCluster
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import Scope
from clustertrust.core.source.load import load_source
from clustertrust.gui.app import demo_wizard, display_problem
from clustertrust.gui.services import Services
from clustertrust.gui.session import Opened, Session
from clustertrust.gui.wizard import BUNDLE, DONE, INSTALL, PLAN, REVIEW, VERIFY, ClusterTrustWizard
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QAbstractButton, QApplication, QLineEdit, QWizard
from pytestqt.qtbot import QtBot
from support.gui_support import Driver, FailingRunner, save_png

HAPPY_PATH_CLICK_TARGET = 4


def open_wizard(qtbot: QtBot, wizard: ClusterTrustWizard) -> Driver:
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    return Driver(qtbot, wizard)


def to_review(driver: Driver) -> None:
    """Welcome → Bundle (the demo downloads its bundle by itself) → Review."""
    driver.forward()
    driver.wait_page(BUNDLE)
    driver.qtbot.waitUntil(lambda: driver.wizard.session.opened is not None, timeout=20_000)
    driver.forward()
    driver.wait_page(REVIEW)


def install(driver: Driver) -> None:
    driver.forward()  # Review → Plan
    driver.wait_page(PLAN)
    driver.qtbot.waitUntil(lambda: driver.wizard.session.plan is not None, timeout=20_000)
    driver.forward()  # Install
    driver.wait_page(INSTALL)


def nss_listing(database: Path) -> str:
    return subprocess.run(
        ["certutil", "-L", "-d", f"sql:{database}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout


def test_demo_happy_path_installs_into_the_sandbox_and_verifies(
    qtbot: QtBot, demo: DemoCluster, tmp_path: Path
) -> None:
    wizard = demo_wizard(demo)
    driver = open_wizard(qtbot, wizard)
    assert "ClusterTrust" in wizard.windowTitle()
    save_png(wizard, "01-welcome")
    driver.forward()
    driver.wait_page(BUNDLE)
    qtbot.waitUntil(lambda: wizard.session.opened is not None, timeout=20_000)
    save_png(wizard, "02-bundle-downloaded")
    driver.clicks.clear()  # the bundle is chosen: from here on every click counts

    driver.forward()
    driver.wait_page(REVIEW)
    review = wizard.currentPage()
    assert review.isComplete() and review.verdict.kind == "ok"  # no-name-constraints is quiet info
    save_png(wizard, "03-review")

    driver.forward()  # Review → Plan
    driver.wait_page(PLAN)
    qtbot.waitUntil(lambda: wizard.session.plan is not None, timeout=20_000)
    save_png(wizard, "04-plan")
    driver.forward()  # Install
    driver.wait_page(INSTALL)
    plan_text = wizard.session.plan.plan.text()
    assert str(demo.sandbox) in plan_text
    qtbot.waitUntil(lambda: wizard.currentPage().isComplete(), timeout=30_000)
    page = wizard.currentPage()
    assert set(page.steps.states) == {"done"} and page.outcome.kind == "ok"
    save_png(wizard, "05-install-done")

    driver.forward()
    driver.wait_page(VERIFY)
    qtbot.waitUntil(lambda: wizard.session.verified is not None, timeout=30_000)
    assert wizard.session.verified.ok, wizard.session.verified.verdict.message
    save_png(wizard, "06-verify-ok")
    assert len(driver.clicks) <= HAPPY_PATH_CLICK_TARGET, driver.clicks
    print(f"clicks from bundle chosen to verified: {len(driver.clicks)} {driver.clicks}")

    driver.forward()
    driver.wait_page(DONE)
    done = wizard.currentPage()
    qtbot.waitUntil(lambda: done.settings_box.isVisible(), timeout=10_000)
    connection = done.settings_form.itemAt(0, done.settings_form.ItemRole.FieldRole).widget()
    text = connection.text()
    assert text.startswith("kurrentdb://127.0.0.1:")
    for name in ("tlsCaFile", "userCertFile", "userKeyFile"):
        assert f"{name}={demo.sandbox}/identities/" in text
    save_png(wizard, "07-done")
    report = tmp_path / "support.txt"
    done.write_report(report)
    qtbot.waitUntil(lambda: done.report_status.kind == "ok", timeout=30_000)
    assert "identity-files" in report.read_text() and "PRIVATE KEY" not in report.read_text()
    # Every page said it was the demo, and where the sandbox is.
    for page_id in wizard.pageIds():
        assert str(demo.sandbox) in wizard.page(page_id).demo_notice.text(), page_id

    # The sandbox holds everything; the user's own ledger and stores were never touched.
    ledger = Ledger(demo.sandbox / "ledger.json").records()
    assert {r.state for r in ledger} == {"done"} and len(ledger) == 4
    anchors = list((demo.sandbox / "anchors").iterdir())
    assert len(anchors) == 1 and certinfo.common_name(demo.pki.ca.subject) in nss_listing(
        demo.sandbox / "nssdb"
    )
    assert not (paths.state_dir() / "ledger.json").exists()


def test_keyboard_alone_moves_through_the_wizard(qtbot: QtBot, demo: DemoCluster) -> None:
    wizard = demo_wizard(demo)
    open_wizard(qtbot, wizard)
    assert "no system prompt" in wizard.currentPage().prompt.text()  # the demo's own welcome
    qtbot.keyClick(wizard, Qt.Key.Key_Return)  # Next is the default button
    qtbot.waitUntil(lambda: wizard.currentId() == BUNDLE, timeout=10_000)
    qtbot.waitUntil(lambda: wizard.currentPage().isComplete(), timeout=20_000)
    qtbot.keyClick(wizard, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: wizard.currentId() == REVIEW, timeout=10_000)
    qtbot.keyClick(wizard, Qt.Key.Key_Escape)  # Escape closes the wizard like Cancel
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=10_000)


def test_install_failure_is_rolled_back_and_says_so(qtbot: QtBot, demo: DemoCluster) -> None:
    # GIVEN a sandbox whose pk12util refuses the client identity (the third step)
    runner = FailingRunner("pk12util")
    wizard = ClusterTrustWizard(demo_wizard(demo).session, Services(demo.sandbox, runner))
    driver = open_wizard(qtbot, wizard)
    to_review(driver)
    install(driver)
    page = wizard.currentPage()
    # WHEN the install runs THEN the failure shows its cause, what was undone and the fix
    qtbot.waitUntil(lambda: page.outcome.kind == "error", timeout=30_000)
    save_png(wizard, "05-install-failed-rolled-back")
    assert runner.failed
    assert "failed" in page.steps.states and "undone" in page.steps.states
    assert "undone" in page.outcome.text() and "PKCS12 decode failed" in page.outcome.text()
    assert not page.isComplete() and page.retry_button.isVisible()
    # AND the sandbox is as it was: no anchor, no CA in the browser database, an empty ledger
    assert list((demo.sandbox / "anchors").iterdir()) == []
    assert certinfo.common_name(demo.pki.ca.subject) not in nss_listing(demo.sandbox / "nssdb")
    assert Ledger(demo.sandbox / "ledger.json").records() == []
    # WHEN the cause is gone and Try again is pressed THEN the whole plan goes through
    runner.tool = "no-such-tool"
    driver.click(page.retry_button)
    qtbot.waitUntil(page.isComplete, timeout=30_000)
    assert set(page.steps.states) == {"done"} and page.outcome.kind == "ok"
    assert len(Ledger(demo.sandbox / "ledger.json").records()) == 4


def test_verification_failure_shows_the_fix_and_try_again_works(
    qtbot: QtBot, demo: DemoCluster
) -> None:
    wizard = demo_wizard(demo)
    driver = open_wizard(qtbot, wizard)
    to_review(driver)
    install(driver)
    qtbot.waitUntil(lambda: wizard.currentPage().isComplete(), timeout=30_000)
    # GIVEN the cluster UI address is wrong (nothing listens there)
    from support.servers import free_port

    wizard.session.opened.offered_url = f"https://127.0.0.1:{free_port()}/"
    driver.forward()
    driver.wait_page(VERIFY)
    page = wizard.currentPage()
    qtbot.waitUntil(lambda: wizard.session.verified is not None, timeout=30_000)
    report = wizard.session.verified
    assert not report.ok and report.outcome.value == "connection_refused"
    assert page.verdict.kind == "error" and report.verdict.fix in page.verdict.text()
    assert page.verify_button.text().replace("&", "") == "Try again"
    save_png(wizard, "06-verify-failed")
    # WHEN the address is corrected and Try again is pressed THEN it works
    page.url.setText(demo.ui_url)
    driver.click(page.verify_button)
    qtbot.waitUntil(lambda: wizard.session.verified is not None, timeout=30_000)
    assert wizard.session.verified.ok and page.verdict.kind == "ok"


def test_cancel_the_install_between_steps_undoes_it(qtbot: QtBot, demo: DemoCluster) -> None:
    wizard = demo_wizard(demo)
    driver = open_wizard(qtbot, wizard)
    to_review(driver)
    driver.forward()
    driver.wait_page(PLAN)
    qtbot.waitUntil(lambda: wizard.session.plan is not None, timeout=20_000)
    page = wizard.page(INSTALL)
    page.initializePage = lambda: None  # type: ignore[method-assign]  # hold the start
    driver.forward()
    driver.wait_page(INSTALL)
    page.start(wizard.session.plan)
    page.cancel()  # asked before the first step has finished: nothing may stay
    qtbot.waitUntil(lambda: page.job is None, timeout=30_000)
    assert page.outcome.kind in ("warning", "ok")
    if page.outcome.kind == "warning":
        assert Ledger(demo.sandbox / "ledger.json").records() == []
        assert list((demo.sandbox / "anchors").iterdir()) == []


def test_controls_have_names_for_assistive_technology(qtbot: QtBot, demo: DemoCluster) -> None:
    wizard = demo_wizard(demo)
    driver = open_wizard(qtbot, wizard)
    to_review(driver)
    for page_id in wizard.pageIds():
        page = wizard.page(page_id)
        for widget in page.findChildren(QAbstractButton) + page.findChildren(QLineEdit):
            assert widget.accessibleName() or widget.text(), (page_id, widget)


def test_closing_mid_download_cancels_cleanly(qtbot: QtBot, tmp_path: Path) -> None:
    from clustertrust.gui.session import Session
    from support.https_server import Route, make_server_pki, serve_https

    server = make_server_pki(tmp_path / "srv")
    routes = {"/slow.tar.gz": Route(body=b"x" * 100, delay=2.0)}
    with serve_https(server, routes) as (base, _):
        wizard = ClusterTrustWizard(Session(source_context=server.client_context()), Services())
        driver = open_wizard(qtbot, wizard)
        driver.forward()
        page = wizard.currentPage()
        page.choose(f"{base}/slow.tar.gz")
        assert page.progress_box.isVisible() and not page.isComplete()
        save_png(wizard, "02-bundle-downloading")
        wizard.reject()  # the window's close button or Escape
        assert wizard.isVisible() and not wizard.isEnabled()  # stopping, not frozen
        qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=20_000)
        assert not wizard.jobs.busy()


def test_wizard_style_and_icon(qtbot: QtBot) -> None:
    wizard = ClusterTrustWizard()
    open_wizard(qtbot, wizard)
    assert not wizard.windowIcon().isNull()
    sizes = {s.width() for s in wizard.windowIcon().availableSizes()}
    assert {16, 32, 256} <= sizes  # crisp at 1x and on high-DPI screens
    assert wizard.wizardStyle() in (
        QWizard.WizardStyle.ModernStyle,
        QWizard.WizardStyle.MacStyle,
        QWizard.WizardStyle.AeroStyle,
    )


def opened_from(demo: DemoCluster) -> Opened:
    source = load_source(demo.bundle_url, context=demo.download_context())
    bundle = read_bundle(source)
    return Opened(source, bundle, check_bundle(bundle))


def test_outside_the_demo_verify_runs_in_both_trust_modes(qtbot: QtBot, demo: DemoCluster) -> None:
    # GIVEN the real services and a bundle whose CA this machine does not trust (not installed)
    session = Session(opened=replace(opened_from(demo), offered_url=demo.ui_url))
    wizard = ClusterTrustWizard(session, Services())
    open_wizard(qtbot, wizard)
    wizard.ensure_pages()
    page = wizard.page(VERIFY)
    page.initializePage()  # a known address starts the check at once
    qtbot.waitUntil(lambda: session.verified is not None, timeout=30_000)
    # THEN both modes ran: the bundle's CA works, this computer's store does not trust it yet
    assert [r.trust.value for r in session.verified.results] == ["bundle", "system"]
    assert page.modes.count() == 2 and page.verdict.kind == "error"
    assert session.verified.outcome.value == "server_untrusted"
    assert session.verified.verdict.message in page.verdict.text()
    assert session.verified.verdict.fix and session.verified.verdict.fix in page.verdict.text()
    save_png(wizard, "06-verify-not-trusted-by-system")


def test_default_scope_per_os() -> None:
    services = Services()
    assert services.default_scope("win32") is Scope.USER
    assert services.default_scope("darwin") is Scope.USER
    assert services.default_scope("linux") is Scope.USER  # "Only me": no password
    lines = services.scope_lines("linux")
    assert "browsers" in lines[Scope.USER] and "No password" in lines[Scope.USER]
    assert "system trust store" in lines[Scope.SYSTEM] and "\n" not in lines[Scope.SYSTEM]


def test_plan_on_this_machine_shows_the_real_stores_and_changes_nothing(
    qtbot: QtBot, demo: DemoCluster
) -> None:
    session = Session(opened=opened_from(demo))
    wizard = ClusterTrustWizard(session, Services())
    open_wizard(qtbot, wizard)
    wizard.ensure_pages()
    page = wizard.page(PLAN)
    page.initializePage()
    qtbot.waitUntil(lambda: session.plan is not None, timeout=30_000)
    assert page.user_scope.isChecked()  # Linux: "Only me", browsers and command-line clients
    assert "No password" in page.user_line.text()
    stores = {step.record.store for step in session.plan.plan.steps}
    assert "linux-anchors" not in stores and "identity-files" in stores
    # choosing "everyone on this computer" plans again with the system store
    page.system_scope.setChecked(True)
    qtbot.waitUntil(lambda: session.plan is not None and session.scope == "system", timeout=30_000)
    assert "linux-anchors" in {step.record.store for step in session.plan.plan.steps}
    assert "/usr/local/share/ca-certificates/clustertrust-" in session.plan.plan.text()
    anchors = Path("/usr/local/share/ca-certificates")
    assert not any(p.name.startswith("clustertrust-") for p in anchors.glob("*"))


class OpenedUrls(QObject):
    """Stands in for the default browser (QDesktopServices.setUrlHandler is Qt's hook for it)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toString())


def test_done_opens_the_cluster_ui_in_the_browser(qtbot: QtBot, demo: DemoCluster) -> None:
    session = Session(opened=replace(opened_from(demo), offered_url=demo.ui_url))
    wizard = ClusterTrustWizard(session, Services(sandbox=demo.sandbox))
    open_wizard(qtbot, wizard)
    wizard.ensure_pages()
    done = wizard.page(DONE)
    done.initializePage()
    assert "not proven yet" in done.subTitle()  # nothing was verified in this session
    browser = OpenedUrls()
    QDesktopServices.setUrlHandler("https", browser, "open")
    try:
        done.open_button.click()  # the page is built but not shown: no mouse needed
    finally:
        QDesktopServices.unsetUrlHandler("https")
    assert browser.urls == [demo.ui_url]


def test_manage_window_opens_from_the_welcome_page(qtbot: QtBot, demo: DemoCluster) -> None:
    wizard = demo_wizard(demo)
    driver = open_wizard(qtbot, wizard)
    driver.click(wizard.currentPage().manage_button)
    manage = wizard.manage_window
    assert manage is not None and manage.isVisible()
    qtbot.waitUntil(lambda: "Nothing installed" in manage.status.text(), timeout=20_000)


def test_no_display_is_a_clear_error_not_a_crash() -> None:
    assert display_problem({}, "linux").startswith("No graphical display")
    assert display_problem({"DISPLAY": ":0"}, "linux") == ""
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux") == ""
    assert display_problem({}, "win32") == display_problem({}, "darwin") == ""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    for argv in ([], ["demo"]):
        done = subprocess.run(
            [sys.executable, "-m", "clustertrust.cli.main", *argv],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 2, done.stderr
        assert "No graphical display" in done.stderr and "What to do:" in done.stderr


def test_welcome_names_the_prompt_each_os_shows() -> None:
    from clustertrust.gui.pages.welcome import os_prompt_text

    assert "trusted roots" in os_prompt_text("win32") and "fingerprint" in os_prompt_text("win32")
    assert "Touch ID" in os_prompt_text("darwin")
    assert "pkexec" in os_prompt_text("linux")


def test_a_job_that_fails_reports_on_the_gui_thread(qtbot: QtBot) -> None:
    from clustertrust.core.errors import SourceError
    from clustertrust.gui.workers import JobRunner
    from PySide6.QtCore import QThread

    runner = JobRunner()
    seen: list[tuple[object, bool]] = []

    def failing(control: object) -> None:
        assert QThread.currentThread() is not QApplication.instance().thread()
        raise SourceError("gone", "look elsewhere")

    def on_failure(error: Exception) -> None:
        seen.append((error, QThread.currentThread() is QApplication.instance().thread()))

    runner.start(failing, on_failure=on_failure)
    qtbot.waitUntil(lambda: bool(seen), timeout=10_000)
    error, on_gui_thread = seen[0]
    assert isinstance(error, SourceError) and on_gui_thread and not runner.busy()
