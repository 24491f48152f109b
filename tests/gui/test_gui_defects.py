"""The wizard defects a person found by hand, each pinned: fingerprints in full, long paths elided
with a tooltip and Copy, words instead of store ids, browsers this OS has, the name-constraints note
kept quiet, Done's title by outcome, a browser that cannot start, Enter goes on, Downloads first,
the chosen file named, and a demo that restarts no browser."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from clustertrust.core.bundle.checks import Severity, check_bundle
from clustertrust.core.bundle.reader import read_bundle
from clustertrust.core.bundle.summary import pretty_fingerprint
from clustertrust.core.demo import DemoCluster
from clustertrust.core.install import plan as plans
from clustertrust.core.model import Scope
from clustertrust.core.source.load import load_source
from clustertrust.gui.app import demo_wizard
from clustertrust.gui.pages import bundle as bundle_page
from clustertrust.gui.pages.done import TITLES, browser_names
from clustertrust.gui.services import Services
from clustertrust.gui.session import Opened, Session
from clustertrust.gui.widgets import CertificateCard, CopyField, ElidedLabel, WrappedValue
from clustertrust.gui.wizard import BUNDLE, DONE, INSTALL, PLAN, REVIEW, VERIFY, ClusterTrustWizard
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontInfo, QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel, QListWidget, QWidget
from pytestqt.qtbot import QtBot
from support.gui_support import Driver, save_png

WAIT = 30_000
JARGON = ("nss", "identity-files", "linux-anchors", "[ca]", "[identity]")


def opened_from(demo: DemoCluster) -> Opened:
    from clustertrust.core.actions.opening import certificate_summaries

    source = load_source(demo.bundle_url, context=demo.download_context())
    bundle = read_bundle(source)
    return Opened(source, bundle, check_bundle(bundle), None, certificate_summaries(bundle))


def wizard_at(
    qtbot: QtBot, demo: DemoCluster, page_id: int, **session: object
) -> ClusterTrustWizard:
    """A wizard on the demo's sandbox showing one page, with the bundle already opened."""
    wizard = ClusterTrustWizard(
        Session(demo=demo, opened=opened_from(demo), **session),  # type: ignore[arg-type]
        Services(sandbox=demo.sandbox),
    )
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.ensure_pages()
    wizard.setStartId(page_id)
    wizard.restart()
    qtbot.waitUntil(lambda: wizard.currentId() == page_id, timeout=WAIT)
    return wizard


def press_enter(qtbot: QtBot, wizard: ClusterTrustWizard, widget: QWidget | None = None) -> None:
    target = widget or wizard.focusWidget() or wizard
    qtbot.keyClick(target, Qt.Key.Key_Return)


def fits(label: QLabel) -> bool:
    """Every line of the label's text is inside its rectangle (nothing cut off at an edge)."""
    flags = int(Qt.TextFlag.TextWordWrap) if label.wordWrap() else 0
    needed = label.fontMetrics().boundingRect(
        QRect(0, 0, label.width(), 10_000), flags, label.text()
    )
    return needed.width() <= label.width() and needed.height() <= label.height()


def visible_texts(root: QWidget) -> str:
    texts = [w.text() for w in root.findChildren(QLabel) if w.isVisible()]
    for listing in root.findChildren(QListWidget):
        texts += [listing.item(i).text() for i in range(listing.count())]
    return "\n".join(texts)


def test_review_shows_every_fingerprint_in_full_wrapped_monospace(
    qtbot: QtBot, demo: DemoCluster
) -> None:
    wizard = wizard_at(qtbot, demo, REVIEW)
    wizard.resize(760, 620)  # the smallest the wizard gets
    cards = wizard.currentPage().findChildren(CertificateCard)
    assert len(cards) == 2
    for card in cards:
        field = card.fingerprint.field
        qtbot.waitUntil(lambda field=field: field.isVisible() and field.width() > 0, timeout=WAIT)
        assert isinstance(field, WrappedValue) and field.wordWrap()
        assert field.plain() in {
            pretty_fingerprint(s.sha256) for _, s in opened_from(demo).summaries
        }
        assert QFontInfo(field.font()).fixedPitch()
        assert fits(field), (field.width(), field.height(), field.text())


def test_long_paths_lose_their_middle_with_the_full_path_in_a_tooltip_and_copy(
    qtbot: QtBot,
) -> None:
    path = "/home/someone/.local/share/clustertrust/identities/0123456789abcdef/tls.key"
    field = CopyField(path, "Client key", elide=True)
    qtbot.addWidget(field)
    field.resize(260, 40)
    field.show()
    qtbot.waitUntil(lambda: "…" in field.field.text(), timeout=WAIT)
    shown = field.field.text()
    assert isinstance(field.field, ElidedLabel)
    assert shown.startswith("/home") and shown.endswith("tls.key")
    assert field.field.toolTip() == path
    field.button.click()
    assert QGuiApplication.clipboard().text() == path


def test_done_shows_client_settings_elided_or_wrapped_never_cut(
    qtbot: QtBot, demo: DemoCluster
) -> None:
    wizard = wizard_at(qtbot, demo, DONE)
    done = wizard.currentPage()
    long = "/tmp/" + "very-long-folder-name/" * 6 + "tls.key"
    connection = "kurrentdb://127.0.0.1:2113?tls=true&tlsCaFile=" + long
    done._client_settings_ready([("KurrentDB connection string", connection), ("Client key", long)])
    rows = [
        done.settings_form.itemAt(row, done.settings_form.ItemRole.FieldRole).widget()
        for row in range(done.settings_form.rowCount())
    ]
    qtbot.waitUntil(lambda: all(r.field.width() > 0 for r in rows), timeout=WAIT)
    string, key = rows
    assert isinstance(string.field, WrappedValue) and string.text() == connection
    assert fits(string.field)
    assert isinstance(key.field, ElidedLabel) and key.field.toolTip() == long
    assert key.field.fontMetrics().horizontalAdvance(key.field.text()) <= key.field.width()


def test_the_plan_names_stores_in_words_a_person_knows(qtbot: QtBot, demo: DemoCluster) -> None:
    # GIVEN the demo bundle already installed: the plan lists every item as already in place
    opened = opened_from(demo)
    services = Services(sandbox=demo.sandbox)
    planned = services.plan_install(opened.bundle, Scope.USER)
    plans.apply_plan(planned.plan, planned.setup.ledger)
    wizard = wizard_at(qtbot, demo, PLAN)
    qtbot.waitUntil(lambda: wizard.session.plan is not None, timeout=WAIT)
    shown = visible_texts(wizard.currentPage())
    assert "Already in place" in shown and "Command-line clients" in shown
    assert "System trust store" in shown
    for jargon in JARGON:
        assert jargon not in shown.lower(), (jargon, shown)


def test_done_names_only_browsers_this_os_has() -> None:
    assert "Edge" not in browser_names("linux") and "Safari" not in browser_names("linux")
    assert "Safari" in browser_names("darwin") and "Edge" in browser_names("win32")


def test_done_title_follows_the_outcome(qtbot: QtBot, demo: DemoCluster) -> None:
    wizard = wizard_at(qtbot, demo, DONE)
    done = wizard.currentPage()
    assert done.title() == TITLES["unverified"]
    verdict = SimpleNamespace(message="Connection refused.", fix="Check the address.", remedies=())
    for ok, title in ((False, TITLES["failed"]), (True, TITLES["ok"])):
        wizard.session.verified = SimpleNamespace(ok=ok, verdict=verdict, url=demo.ui_url)
        done.initializePage()
        assert done.title() == title
    assert TITLES["ok"] == "All set" and "All set" not in (TITLES["failed"], TITLES["unverified"])


def test_a_browser_that_cannot_start_says_so(qtbot: QtBot, demo: DemoCluster) -> None:
    wizard = wizard_at(qtbot, demo, DONE)  # the demo's address is offered
    done = wizard.currentPage()
    done.open_url = lambda url: False
    Driver(qtbot, wizard).click(done.open_button)
    assert done.browser_error.kind == "error" and done.browser_error.isVisible()
    assert demo.ui_url in done.browser_error.text()


def test_the_name_constraints_note_is_quiet(qtbot: QtBot, demo: DemoCluster) -> None:
    wizard = wizard_at(qtbot, demo, REVIEW)
    review = wizard.currentPage()
    codes = {f.code: f.severity for f in wizard.session.opened.findings}
    assert codes == {"ca_unconstrained": Severity.INFO}
    assert review.verdict.kind == "ok" and "Read the warnings" not in review.verdict.text()


def test_plan_details_toggle_says_hide_stays_put_and_leaves_enter_to_install(
    qtbot: QtBot, demo: DemoCluster
) -> None:
    wizard = wizard_at(qtbot, demo, PLAN)
    page = wizard.currentPage()
    qtbot.waitUntil(lambda: wizard.session.plan is not None, timeout=WAIT)
    before = page.details_button.mapTo(wizard, page.details_button.rect().topLeft())
    qtbot.mouseClick(page.details_button, Qt.MouseButton.LeftButton)
    assert page.details_button.text().replace("&", "") == "Hide the exact commands"
    assert page.details.isVisible() and "certutil" in page.details.toPlainText()
    assert page.details_button.mapTo(wizard, page.details_button.rect().topLeft()) == before
    assert QApplication.focusWidget() is not page.details_button
    press_enter(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.currentId() == INSTALL, timeout=WAIT)
    qtbot.waitUntil(lambda: wizard.currentPage().isComplete(), timeout=WAIT)  # before the demo goes


def test_enter_on_the_verified_address_goes_on(qtbot: QtBot, demo: DemoCluster) -> None:
    wizard = wizard_at(qtbot, demo, VERIFY)
    page = wizard.currentPage()
    qtbot.waitUntil(lambda: wizard.session.verified is not None and page.job is None, timeout=WAIT)
    page.url.setFocus()
    press_enter(qtbot, wizard, page.url)
    qtbot.waitUntil(lambda: wizard.currentId() == DONE, timeout=WAIT)


def test_enter_on_the_bundle_link_goes_on_once_it_is_read(qtbot: QtBot, demo: DemoCluster) -> None:
    wizard = demo_wizard(demo)
    qtbot.addWidget(wizard)
    wizard.show()
    Driver(qtbot, wizard).forward()
    qtbot.waitUntil(lambda: wizard.currentId() == BUNDLE, timeout=WAIT)
    qtbot.waitUntil(lambda: wizard.currentPage().isComplete(), timeout=WAIT)
    page = wizard.currentPage()
    press_enter(qtbot, wizard, page.url)
    qtbot.waitUntil(lambda: wizard.currentId() == REVIEW, timeout=WAIT)


def test_choose_file_starts_in_downloads_and_names_the_chosen_file(
    qtbot: QtBot,
    demo: DemoCluster,
    kurrent_tgz: Path,
    isolated_dirs: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (isolated_dirs / "Downloads").mkdir()
    asked: list[str] = []

    def dialog(parent: object, caption: str, folder: str, filters: str) -> tuple[str, str]:
        asked.append(folder)
        return str(kurrent_tgz), ""

    monkeypatch.setattr(bundle_page.QFileDialog, "getOpenFileName", dialog)
    wizard = ClusterTrustWizard(Session(), Services(sandbox=demo.sandbox))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.ensure_pages()
    page = wizard.page(BUNDLE)
    page.browse_file()
    assert asked == [str(isolated_dirs / "Downloads")]
    qtbot.waitUntil(lambda: wizard.session.opened is not None, timeout=WAIT)
    assert "certificate_bundle.tar.gz" in page.status.text()
    assert page.status.toolTip() == str(kurrent_tgz)


def test_without_a_downloads_folder_the_dialog_starts_at_home(isolated_dirs: Path) -> None:
    assert bundle_page.downloads_folder() == Path.home()


def test_the_demo_never_asks_to_restart_browsers(qtbot: QtBot, demo: DemoCluster) -> None:
    wizard = wizard_at(qtbot, demo, PLAN)
    qtbot.waitUntil(lambda: wizard.session.plan is not None, timeout=WAIT)
    plan_page = wizard.currentPage()
    assert "Restart your browsers" not in plan_page.prompts.text()
    assert "Restart your browsers" not in plan_page.details.toPlainText()
    done = wizard.page(DONE)
    done.initializePage()
    assert "Restart" not in done.reminder.text() and "changed no browser" in done.reminder.text()


def test_a_bundle_for_an_installed_cluster_is_offered_as_a_renewal(
    qtbot: QtBot, demo: DemoCluster
) -> None:
    # GIVEN an older bundle of the demo's cluster installed (same CA name, other keys)
    from clustertrust.core.demo import make_demo_pki
    from clustertrust.core.install.ledger import Ledger
    from clustertrust.core.source.load import SourceData

    old_pki = make_demo_pki(demo.pki.cluster_id)
    old = read_bundle(SourceData("old.tar.gz", (("old.tar.gz", old_pki.bundle_tgz()),)))
    services = Services(sandbox=demo.sandbox)
    first = services.plan_install(old, Scope.USER)
    assert first.renewal is None
    plans.apply_plan(first.plan, first.setup.ledger)
    old_shas = {r.sha256 for r in Ledger(demo.sandbox / "ledger.json").records()}
    # WHEN the demo's (renewed) bundle is opened in the wizard
    wizard = demo_wizard(demo)
    qtbot.addWidget(wizard)
    wizard.show()
    driver = Driver(qtbot, wizard)
    driver.forward()
    qtbot.waitUntil(lambda: wizard.session.opened is not None, timeout=WAIT)
    assert wizard.session.opened.renews == demo.pki.cluster_id
    driver.forward()
    driver.wait_page(REVIEW)
    review = wizard.currentPage()
    assert review.verdict.kind == "info" and "renews" in review.verdict.text()
    save_png(wizard, "03-review-renewal")
    driver.forward()
    driver.wait_page(PLAN)
    qtbot.waitUntil(lambda: wizard.session.plan is not None, timeout=WAIT)
    planned = wizard.session.plan
    assert planned.renewal is not None and planned.renewal.verify_url == demo.ui_url
    assert "A renewal" in wizard.currentPage().status.text()
    save_png(wizard, "04-plan-renewal")
    # THEN Install installs, checks and removes the old items: only the new ones stay
    driver.forward()
    driver.wait_page(INSTALL)
    driver.wait_for(lambda: wizard.currentPage().isComplete(), timeout=WAIT)
    records = Ledger(demo.sandbox / "ledger.json").records()
    assert records and not old_shas & {r.sha256 for r in records}
    assert set(wizard.currentPage().steps.states) == {"done"}


def test_the_welcome_page_lists_installed_clusters_with_their_state(qtbot: QtBot) -> None:
    from clustertrust.core.install import clusters as groups
    from clustertrust.core.model import Record
    from clustertrust.gui.pages.welcome import WelcomePage

    def item(present: bool | None) -> plans.ItemStatus:
        record = Record("ab" * 32, "", "x-ca", "2030-01-01", "ca", "nss", "/db", "x", "user")
        return plans.ItemStatus(record, present, 80)

    def cluster(name: str, days: int, present: bool | None = True) -> groups.Cluster:
        cert = groups.Certificate("ab" * 32, f"{name}-ca", "2030-01-01", days)
        return groups.Cluster(name, cert, cert, (item(present),))

    page = WelcomePage()
    qtbot.addWidget(page)
    page.show_clusters(
        [cluster("fine", 80), cluster("soon", 5), cluster("broken", 80, False), cluster("<b>", 80)]
    )
    text = page.installed.text()
    assert page.installed.isVisibleTo(page)
    assert "fine</b> — set up, 80 days left" in text
    assert "soon</b> — expires in 5 days: renew it soon" in text
    assert "broken</b> — 1 item missing: Repair puts it back" in text
    assert "&lt;b&gt;" in text  # a certificate's name is never markup
    page.show_clusters([])
    assert not page.installed.isVisibleTo(page)
