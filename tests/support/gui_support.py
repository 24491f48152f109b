"""Helpers for driving the wizard with pytest-qt: clicks that are counted, waits, screenshots."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clustertrust.gui.widgets import Banner
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QWizard
from pytestqt.exceptions import TimeoutError
from pytestqt.qtbot import QtBot

ARTIFACTS = Path(
    os.environ.get("CLUSTERTRUST_ARTIFACTS", Path(__file__).parents[2] / "test-artifacts")
)
WAIT_MS = 20_000


def other_threads(frames: int = 12) -> str:
    """Where every thread but this one is now (its innermost frames), for a wait that ran out:
    a job blocked on a socket, a lock or a command shows there, a job merely slow does not."""
    import sys
    import threading
    import traceback

    names = {t.ident: t.name for t in threading.enumerate()}
    lines = []
    for ident, frame in sys._current_frames().items():
        if ident == threading.get_ident():
            continue
        stack = "".join(traceback.format_stack(frame)[-frames:])
        lines.append(f"-- thread {names.get(ident, ident)}:\n{stack}")
    return "".join(lines) or "no other thread"


def save_png(widget: object, name: str) -> Path:
    """A picture of the window for people to look at (test-artifacts/ is not committed)."""
    folder = ARTIFACTS / "gui"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    assert widget.grab().save(str(path)), path  # type: ignore[attr-defined]
    return path


@dataclass
class Driver:
    """Presses the wizard's own buttons with the mouse and counts every press."""

    qtbot: QtBot
    wizard: QWizard
    clicks: list[str] = field(default_factory=list)

    def click(self, button: QAbstractButton, label: str = "") -> None:
        assert button.isVisible() and button.isEnabled(), (
            f"{label or button.text()} is not clickable"
        )
        self.clicks.append(label or button.text().replace("&", ""))  # before: the click renames it
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    def forward(self) -> None:
        """Next, or the commit button on a commit page (whichever the wizard shows)."""
        for which in (
            QWizard.WizardButton.CommitButton,
            QWizard.WizardButton.NextButton,
            QWizard.WizardButton.FinishButton,
        ):
            button = self.wizard.button(which)
            if button.isVisible():
                self.wait_enabled(button)
                self.click(button)
                return
        raise AssertionError("no forward button is shown")

    def wait_enabled(self, button: QAbstractButton) -> None:
        self.qtbot.waitUntil(button.isEnabled, timeout=WAIT_MS)

    def wait_page(self, page_id: int) -> None:
        self.qtbot.waitUntil(lambda: self.wizard.currentId() == page_id, timeout=WAIT_MS)

    def wait_for(self, condition: Callable[[], object], timeout: int = WAIT_MS) -> None:
        """waitUntil that, when it runs out, says what the page shows (its result banners), so
        a wait that fails once under load names the error the job met."""
        try:
            self.qtbot.waitUntil(condition, timeout=timeout)
        except TimeoutError:
            page = self.wizard.currentPage()
            shown = [b.accessibleName() for b in page.findChildren(Banner) if b.isVisible()]
            busy = self.wizard.jobs.busy()  # type: ignore[attr-defined]
            raise AssertionError(
                f"waited {timeout} ms on {type(page).__name__} (a job running: {busy}); "
                f"it shows: {shown or 'no result'}\n{other_threads()}"
            ) from None

    def wait_idle(self) -> None:
        self.qtbot.waitUntil(lambda: not self.wizard.jobs.busy(), timeout=WAIT_MS)  # type: ignore[attr-defined]


class FailingRunner:
    """The real runner, except that one tool fails the way a refused import does."""

    def __init__(self, tool: str, output: str = "pk12util: PKCS12 decode failed") -> None:
        from clustertrust.platform.runner import SubprocessRunner

        self.real = SubprocessRunner()
        self.tool, self.output = tool, output
        self.failed: list[tuple[str, ...]] = []

    def run(self, argv, **options):  # type: ignore[no-untyped-def]
        from clustertrust.platform.runner import CommandError

        if Path(argv[0]).name == self.tool:
            self.failed.append(tuple(argv))
            raise CommandError(tuple(argv), 19, self.output)
        return self.real.run(argv, **options)


class SlowRunner(FailingRunner):
    """The real runner, pausing before each command so a test can act mid-install."""

    def __init__(self, pause: float) -> None:
        super().__init__(tool="")
        self.pause = pause

    def run(self, argv, **options):  # type: ignore[no-untyped-def]
        import time

        time.sleep(self.pause)
        return self.real.run(argv, **options)


def dark_palette() -> object:
    """A dark window palette like a desktop's dark mode (Fusion draws with it)."""
    from PySide6.QtGui import QColor, QPalette

    palette = QPalette()
    roles = QPalette.ColorRole
    for role, colour in (
        (roles.Window, "#2b2b2b"),
        (roles.WindowText, "#e6e6e6"),
        (roles.Base, "#1e1e1e"),
        (roles.AlternateBase, "#323232"),
        (roles.Text, "#e6e6e6"),
        (roles.Button, "#3a3a3a"),
        (roles.ButtonText, "#e6e6e6"),
        (roles.Highlight, "#3d6ea8"),
        (roles.HighlightedText, "#ffffff"),
        (roles.ToolTipBase, "#3a3a3a"),
        (roles.ToolTipText, "#e6e6e6"),
        (roles.Mid, "#555555"),
        (roles.Light, "#4a4a4a"),
        (roles.Dark, "#1a1a1a"),
        (roles.PlaceholderText, "#9a9a9a"),
    ):
        palette.setColor(role, QColor(colour))
    palette.setColor(QPalette.ColorGroup.Disabled, roles.WindowText, QColor("#8a8a8a"))
    palette.setColor(QPalette.ColorGroup.Disabled, roles.Text, QColor("#8a8a8a"))
    palette.setColor(QPalette.ColorGroup.Disabled, roles.ButtonText, QColor("#8a8a8a"))
    return palette


def wizard_with_bundle(qtbot: QtBot, bundle_path: Path) -> tuple[Any, Any]:
    """The wizard on real services with the bundle opened, as the Bundle page leaves it: (wizard,
    session), pages made, not shown."""
    from clustertrust.core.bundle.checks import check_bundle
    from clustertrust.core.bundle.reader import read_bundle
    from clustertrust.core.source.load import load_source
    from clustertrust.gui.services import Services
    from clustertrust.gui.session import Opened, Session
    from clustertrust.gui.wizard import ClusterTrustWizard

    source = load_source(str(bundle_path))
    bundle = read_bundle(source)
    session = Session(opened=Opened(source, bundle, check_bundle(bundle)))
    wizard = ClusterTrustWizard(session, Services())
    qtbot.addWidget(wizard)
    wizard.ensure_pages()
    return wizard, session
