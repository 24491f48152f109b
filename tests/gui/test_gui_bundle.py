"""The Bundle and Review pages: every way in, and every way a bundle can be refused."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest
from clustertrust.core.actions.opening import PASSWORD_SECRET
from clustertrust.core.secrets import SERVICE
from clustertrust.gui.pages.bundle import BundlePage
from clustertrust.gui.services import Services
from clustertrust.gui.session import Session, save_settings
from clustertrust.gui.theme import is_dark, status_colour
from clustertrust.gui.wizard import BUNDLE, REVIEW, ClusterTrustWizard
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QColor, QDropEvent, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from support import pki
from support.cloud_server import LockedKeyring, MemoryKeyring
from support.gui_support import Driver, save_png

WAIT = 20_000


@pytest.fixture
def driver(qtbot: QtBot, tmp_path: Path) -> Driver:
    """A wizard on the Bundle page whose installs would go into a sandbox (none happen here)."""
    wizard = ClusterTrustWizard(Session(), Services(sandbox=tmp_path / "sandbox"))
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    driver = Driver(qtbot, wizard)
    driver.forward()
    driver.wait_page(BUNDLE)
    return driver


def bundle_page(driver: Driver) -> BundlePage:
    page = driver.wizard.currentPage()
    assert isinstance(page, BundlePage)
    return page


def wait_loaded(driver: Driver) -> BundlePage:
    page = bundle_page(driver)
    driver.qtbot.waitUntil(lambda: page.job is None, timeout=WAIT)
    return page


def test_kurrent_bundle_file_loads_and_review_shows_people_words(
    driver: Driver, kurrent_tgz: Path, kurrent: pki.KurrentBundle
) -> None:
    bundle_page(driver).choose(str(kurrent_tgz))
    page = wait_loaded(driver)
    assert page.isComplete() and page.status.kind == "ok"
    driver.forward()
    driver.wait_page(REVIEW)
    review = driver.wizard.currentPage()
    assert "Kurrent Cloud bundle" in review.system.text()
    cards = review.cards.findChildren(type(review.cards_layout.itemAt(0).widget()))
    assert [c.title().split(" — ")[0] for c in cards] == [
        "Certificate authority",
        "Your client certificate",
    ]
    ca_print = cards[0].fingerprint.text()
    assert ca_print.count(":") == 31 and ca_print == ca_print.upper()
    # the copy button puts exactly the fingerprint on the clipboard
    driver.click(cards[0].fingerprint.button)
    assert QApplication.clipboard().text() == ca_print
    save_png(driver.wizard, "03-review-file")


def test_bad_bundle_blocks_next_with_what_and_what_to_do(driver: Driver, tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("not a certificate\n")
    bundle_page(driver).choose(str(junk))
    page = wait_loaded(driver)
    assert page.status.kind == "error" and not page.isComplete()
    assert "No certificate was found" in page.status.text()
    assert "Choose the cluster's certificate bundle" in page.status.text()
    assert not driver.wizard.button(driver.wizard.WizardButton.NextButton).isEnabled()
    assert not (tmp_path / "sandbox" / "ledger.json").exists()
    save_png(driver.wizard, "02-bundle-bad")


def test_missing_file_is_reported(driver: Driver, tmp_path: Path) -> None:
    bundle_page(driver).choose(str(tmp_path / "nowhere.tar.gz"))
    page = wait_loaded(driver)
    assert page.status.kind == "error" and "does not exist" in page.status.text()


def test_password_is_asked_only_when_kurrent_fails(
    driver: Driver, tmp_path: Path, kurrent: pki.KurrentBundle, memory_keyring: MemoryKeyring
) -> None:
    p12 = tmp_path / "client.p12"
    p12.write_bytes(pki.p12_bytes(kurrent.client, [kurrent.ca], password=b"s3cret-pw"))
    page = bundle_page(driver)
    page.choose(str(p12))
    wait_loaded(driver)
    assert page.password_box.isVisible() and not page.isComplete()
    save_png(driver.wizard, "02-bundle-password")
    # a wrong password: asked again, saying so
    driver.qtbot.keyClicks(page.password, "wrong")
    driver.click(page.open_button)
    wait_loaded(driver)
    assert page.password_box.isVisible() and "either" in page.password_label.text()
    # the right one, remembered on request
    page.password.clear()
    driver.qtbot.keyClicks(page.password, "s3cret-pw")
    page.remember.setChecked(True)
    driver.click(page.open_button)
    wait_loaded(driver)
    assert page.isComplete() and not page.password_box.isVisible()
    assert memory_keyring.entries == {(SERVICE, PASSWORD_SECRET + str(p12)): "s3cret-pw"}


def test_remembered_password_is_used_without_asking(
    driver: Driver, tmp_path: Path, kurrent: pki.KurrentBundle, memory_keyring: MemoryKeyring
) -> None:
    p12 = tmp_path / "client.p12"
    p12.write_bytes(pki.p12_bytes(kurrent.client, [kurrent.ca], password=b"s3cret-pw"))
    memory_keyring.set_password(SERVICE, PASSWORD_SECRET + str(p12), "s3cret-pw")
    bundle_page(driver).choose(str(p12))
    page = wait_loaded(driver)
    assert page.isComplete() and not page.password_box.isVisible()


def test_password_not_kept_when_keyring_is_locked(
    driver: Driver, tmp_path: Path, kurrent: pki.KurrentBundle
) -> None:
    keyring.set_keyring(LockedKeyring())
    p12 = tmp_path / "client.p12"
    p12.write_bytes(pki.p12_bytes(kurrent.client, [kurrent.ca], password=b"s3cret-pw"))
    page = bundle_page(driver)
    page.choose(str(p12))
    wait_loaded(driver)
    page.password.setText("s3cret-pw")
    page.remember.setChecked(True)
    page.retry_with_password()
    wait_loaded(driver)
    assert page.isComplete() and "not saved" in page.status.text()


def test_errors_block_review_with_the_reason(driver: Driver, tmp_path: Path, kurrent) -> None:
    other = pki.kurrent_bundle("other", key_kind="p256")
    folder = pki.write_files(
        tmp_path / "mixed",
        {
            "ca.crt": kurrent.ca.cert_pem,
            "tls.crt": other.client.cert_pem,
            "tls.key": other.client.key_pem(),
        },
    )
    bundle_page(driver).choose(str(folder))
    page = wait_loaded(driver)
    assert page.isComplete()
    driver.forward()
    driver.wait_page(REVIEW)
    review = driver.wizard.currentPage()
    assert not review.isComplete()
    assert (
        review.verdict.kind == "error"
        and "was not signed by the bundle's CA" in review.verdict.text()
    )
    assert review.findings.errors() >= 1
    assert not driver.wizard.button(driver.wizard.WizardButton.NextButton).isEnabled()
    save_png(driver.wizard, "03-review-blocked")


def test_dropping_a_file_loads_it(driver: Driver, kurrent_tgz: Path) -> None:
    page = bundle_page(driver)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(kurrent_tgz))])
    event = QDropEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    page.drop.dropEvent(event)
    wait_loaded(driver)
    assert page.isComplete() and page.session.opened.source.origin == str(kurrent_tgz)


def test_download_shows_progress_and_can_be_cancelled(
    driver: Driver, tmp_path: Path, kurrent: pki.KurrentBundle
) -> None:
    from support.https_server import Route, make_server_pki, serve_https

    server = make_server_pki(tmp_path / "srv")
    body = pki.tar_bytes(kurrent.files())
    routes = {"/b.tar.gz": Route(body=body), "/slow.tar.gz": Route(body=body, delay=1.0)}
    driver.wizard.session.source_context = server.client_context()
    page = bundle_page(driver)
    with serve_https(server, routes) as (base, _):
        page.url.setText(f"{base}/slow.tar.gz")
        driver.click(page.download_button)
        assert page.progress_box.isVisible() and page.cancel_button.isVisible()
        driver.click(page.cancel_button)
        assert page.status.kind == "warning" and not page.isComplete()
        driver.qtbot.waitUntil(lambda: not driver.wizard.jobs.busy(), timeout=WAIT)
        driver.qtbot.wait(50)
        assert driver.wizard.session.opened is None  # the late answer is dropped
        page.url.setText(f"{base}/b.tar.gz")
        driver.qtbot.keyClick(page.url, Qt.Key.Key_Return)
        wait_loaded(driver)
    assert page.isComplete() and page.session.opened.source.origin.endswith("/b.tar.gz")


def test_last_download_link_is_remembered(qtbot: QtBot, tmp_path: Path) -> None:
    save_settings(last_url="https://console.example/bundle.tar.gz")
    wizard = ClusterTrustWizard(Session(), Services(sandbox=tmp_path / "sandbox"))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.next()
    assert wizard.currentPage().url.text() == "https://console.example/bundle.tar.gz"


def dark_palette() -> QPalette:
    """What a dark desktop theme hands Qt: every colour role, not only the window."""
    palette = QPalette()
    roles = QPalette.ColorRole
    for role, colour in (
        (roles.Window, "#202124"),
        (roles.WindowText, "#e8eaed"),
        (roles.Base, "#2b2c2f"),
        (roles.AlternateBase, "#303134"),
        (roles.Text, "#e8eaed"),
        (roles.Button, "#303134"),
        (roles.ButtonText, "#e8eaed"),
        (roles.Light, "#5f6368"),
        (roles.Midlight, "#4a4c50"),
        (roles.Mid, "#3c4043"),
        (roles.Dark, "#17181a"),
        (roles.Shadow, "#000000"),
        (roles.Highlight, "#8ab4f8"),
        (roles.HighlightedText, "#202124"),
        (roles.ToolTipBase, "#303134"),
        (roles.ToolTipText, "#e8eaed"),
        (roles.PlaceholderText, "#9aa0a6"),
        (roles.BrightText, "#ffffff"),
    ):
        palette.setColor(role, QColor(colour))
    return palette


def test_dark_palette_is_respected(qtbot: QtBot, tmp_path: Path, kurrent_tgz: Path) -> None:
    app = QApplication.instance()
    original = app.palette()
    app.setPalette(dark_palette())  # as at start-up on a dark desktop: before any window exists
    try:
        assert is_dark() and status_colour("error").lightness() > 128
        wizard = ClusterTrustWizard(Session(), Services(sandbox=tmp_path / "sandbox"))
        qtbot.addWidget(wizard)
        wizard.show()
        driver = Driver(qtbot, wizard)
        driver.forward()
        bundle_page(driver).choose(str(kurrent_tgz))
        wait_loaded(driver)
        driver.forward()
        driver.wait_page(REVIEW)
        save_png(wizard, "03-review-dark")
    finally:
        app.setPalette(original)
    assert not is_dark() and status_colour("error").lightness() < 128
