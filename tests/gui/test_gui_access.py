"""Every wizard page and the clusters window as a keyboard or screen-reader user meets them, in a
light palette and after a switch to a dark one: the focus on entry, names, tab order, mnemonics,
the minimum size for 200 % on 1920x1080, and text contrast."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from clustertrust.core.demo import DemoCluster
from clustertrust.core.i18n import tr
from clustertrust.gui.app import demo_wizard
from clustertrust.gui.language import choose_language
from clustertrust.gui.manage import ManageWindow
from clustertrust.gui.theme import contrast, ensure_theme, ring_colour, status_colour
from clustertrust.gui.widgets import CopyField
from clustertrust.gui.wizard import BUNDLE, DONE, INSTALL, PLAN, REVIEW, VERIFY
from PySide6.QtCore import Qt
from PySide6.QtGui import (
    QAccessible,
    QAccessibleAnnouncementEvent,
    QAccessibleEvent,
    QColor,
    QPalette,
)
from PySide6.QtWidgets import (
    QApplication,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
)
from pytestqt.exceptions import TimeoutError
from pytestqt.qtbot import QtBot
from support import a11y
from support.gui_support import Driver, dark_palette

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "packaging"))
import catalogs

WAIT = 30_000


@pytest.fixture(params=["light", "dark", "german"])
def theme(request: pytest.FixtureRequest) -> Iterator[str]:
    """A light palette, a switch to a dark one, or German words (longer, other Alt+letters)."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.palette()
    if request.param == "german":
        catalogs.compile_all()
        assert choose_language(app, ["de_DE", "de"]) == "de"
    yield request.param
    choose_language(app, ["en_US"])
    app.setPalette(before)


def switch_palette(theme: str, qtbot: QtBot, window: QWidget) -> None:
    """Dark is switched to while the windows are open, as a desktop's dark mode does; the app
    follows on the next turn of the event loop (or the checks say which widget did not)."""
    if theme == "dark":
        QApplication.setPalette(dark_palette())  # type: ignore[arg-type]
        with contextlib.suppress(TimeoutError):
            qtbot.waitUntil(lambda: not a11y.stale_palette(window), timeout=5_000)


def problems(window: QWidget, where: str) -> list[str]:
    found = [
        a11y.focus_problem(window),
        a11y.too_big(window),
        *a11y.unnamed_focusable(window),
        *a11y.tab_order_problems(window),
        *a11y.duplicate_mnemonics(window),
        *a11y.contrast_problems(window),
        *a11y.stale_palette(window)[:3],
    ]
    return [f"{where}: {problem}" for problem in found if problem]


@pytest.fixture
def announced(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the app said to the screen reader (QAccessibleAnnouncementEvent), in order."""
    said: list[str] = []
    real = QAccessible.updateAccessibility

    def record(event: QAccessibleEvent) -> None:
        if isinstance(event, QAccessibleAnnouncementEvent):
            said.append(event.message())
        real(event)

    monkeypatch.setattr(QAccessible, "updateAccessibility", record)
    return said


# where the focus is once each page has settled: its first control, or the result it produced
SETTLED = {
    BUNDLE: (lambda w: w.session.opened is not None, lambda page: page.status),
    REVIEW: (lambda w: True, lambda page: page.origin_field.button),
    PLAN: (lambda w: w.session.plan is not None, lambda page: page.user_scope),
    INSTALL: (lambda w: w.currentPage().isComplete(), lambda page: page.outcome),
    VERIFY: (lambda w: w.session.verified is not None, lambda page: page.verdict),
    DONE: (lambda w: w.currentPage().settings_box.isVisible(), lambda page: page.open_button),
}


STATUS_WORDS = ("OK", "Error", "Warning", "Note", "Done", "Passed", "Failed", "Not set up")


def unspoken(page: QWidget) -> list[str]:
    """A value only in a tooltip, or a status only as an icon or colour."""
    found = [
        f"{field.value!r} is not in {a11y.accessible_name(field.field)!r}"
        for field in page.findChildren(CopyField)
        if field.value not in a11y.accessible_name(field.field)
    ]
    for view in page.findChildren(QListWidget):
        for row in range(view.count()):
            said = view.item(row).data(Qt.ItemDataRole.AccessibleTextRole) or ""
            if not said.startswith(tuple(f"{tr(word)}:" for word in STATUS_WORDS)):
                found.append(f"{view.accessibleName()} row {row} has no status word: {said!r}")
    return found


def test_every_page_and_the_clusters_window(
    qtbot: QtBot, demo: DemoCluster, theme: str, announced: list[str]
) -> None:
    wizard = demo_wizard(demo)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitActive(wizard)
    switch_palette(theme, qtbot, wizard)
    driver = Driver(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.focusWidget() is wizard.button(QWizard.WizardButton.NextButton))
    found = problems(wizard, "welcome")
    for page_id, (settled, focused) in SETTLED.items():
        driver.forward()
        driver.wait_page(page_id)
        qtbot.waitUntil(lambda: settled(wizard), timeout=WAIT)  # noqa: B023
        driver.wait_idle()
        page = wizard.currentPage()
        qtbot.waitUntil(lambda: wizard.focusWidget() is focused(page))  # noqa: B023
        found += problems(wizard, type(page).__name__)
        found += unspoken(page)
    # opened, installed, verified
    assert [text.split(":")[0] for text in announced] == ["OK"] * 3, announced
    wizard.currentPage().manage_button.click()
    window = wizard.manage_window
    assert isinstance(window, ManageWindow)
    qtbot.waitUntil(lambda: len(window.cards) == 1 and not window.jobs.busy(), timeout=WAIT)
    qtbot.waitActive(window)
    assert window.focusWidget() is window.cards[0].open_button
    found += problems(window, "clusters window")
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    ("one", "other", "ratio"),
    [("#000000", "#ffffff", 21.0), ("#777777", "#ffffff", 4.48), ("#1b7f3b", "#efefef", 4.41)],
)
def test_contrast_is_wcag_2s(one: str, other: str, ratio: float) -> None:
    assert round(contrast(QColor(one), QColor(other)), 2) == ratio


@pytest.mark.parametrize("palette", [QPalette(), dark_palette()], ids=["light", "dark"])
@pytest.mark.parametrize("kind", ["ok", "error", "warning", "info"])
def test_status_colours_read_at_4_5_to_1(palette: QPalette, kind: str) -> None:
    colour = status_colour(kind, palette)
    for role in (QPalette.ColorRole.Window, QPalette.ColorRole.Base):
        assert contrast(colour, palette.color(role)) >= 4.5


def press_return(qtbot: QtBot, window: QWidget) -> None:
    """Return as the keyboard sends it: to the widget holding the window's focus."""
    focused = window.focusWidget()
    assert focused is not None and focused.isVisible(), focused
    qtbot.keyClick(focused, Qt.Key.Key_Return)


def test_the_demo_to_a_proven_connection_with_return_alone(qtbot: QtBot, demo: DemoCluster) -> None:
    wizard = demo_wizard(demo)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitActive(wizard)
    driver = Driver(qtbot, wizard)
    for page_id, (settled, _) in SETTLED.items():
        qtbot.waitUntil(lambda: wizard.forward_button().isEnabled(), timeout=WAIT)
        press_return(qtbot, wizard)
        driver.wait_page(page_id)
        qtbot.waitUntil(lambda: settled(wizard), timeout=WAIT)  # noqa: B023
        driver.wait_idle()
    assert wizard.session.verified.ok


def test_two_cards_share_no_alt_letter(qtbot: QtBot, demo: DemoCluster) -> None:
    from clustertrust.core.bundle.reader import read_bundle
    from clustertrust.core.install import plan as plans
    from clustertrust.core.model import Scope
    from clustertrust.core.source.load import SourceData, load_source
    from clustertrust.gui.services import Services
    from support import pki

    services = Services(sandbox=demo.sandbox)
    other = pki.kurrent_bundle("c7other")
    for source in (
        load_source(demo.bundle_url, context=demo.download_context()),
        SourceData("other.tar.gz", (("other.tar.gz", pki.tar_bytes(other.files())),)),
    ):
        planned = services.plan_install(read_bundle(source), Scope.USER)
        plans.apply_plan(planned.plan, planned.setup.ledger)
    window = ManageWindow(services)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: len(window.cards) == 2 and not window.jobs.busy(), timeout=WAIT)
    qtbot.waitActive(window)
    assert problems(window, "two clusters") == []
    second = window.cards[1]
    second.verify_button.setFocus()
    qtbot.waitUntil(lambda: second.verify_button.text() == "&Verify")
    assert window.cards[0].verify_button.text() == "Verify"
    assert problems(window, "second card focused") == []


def test_the_focused_button_has_a_ring(qtbot: QtBot, theme: str) -> None:
    ensure_theme()
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    focused, other = QPushButton("Focused"), QPushButton("Other")
    layout.addWidget(focused)
    layout.addWidget(other)
    window.show()
    qtbot.waitActive(window)
    switch_palette(theme, qtbot, window)
    focused.setFocus()
    qtbot.waitUntil(focused.hasFocus)
    palette = QApplication.palette()
    window_colour = palette.color(QPalette.ColorRole.Window)
    qtbot.waitUntil(lambda: focused.palette().color(QPalette.ColorRole.Window) == window_colour)
    ring = ring_colour(palette).rgb()
    assert contrast(ring_colour(palette), window_colour) >= 3

    def ring_pixels(button: QPushButton) -> int:
        image = button.grab().toImage()
        edge = [(x, 1) for x in range(image.width())] + [(1, y) for y in range(image.height())]
        return sum(1 for x, y in edge if image.pixel(x, y) == ring)

    assert ring_pixels(focused) > focused.width() // 2
    assert ring_pixels(other) == 0
