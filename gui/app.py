"""Opening windows: the wizard (`clustertrust`), the demo (`clustertrust demo`) and manage."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from clustertrust.core.errors import InputError
from clustertrust.core.i18n import tr
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from .language import choose_language
from .session import Session
from .theme import ThemedApplication, ensure_theme
from .wizard import ClusterTrustWizard
from .workers import GuiThreadCollector

if TYPE_CHECKING:
    from clustertrust.core.actions.demo import DemoCluster


def display_problem(env: Mapping[str, str] | None = None, platform: str = sys.platform) -> str:
    """Why no window can open here ("" when one can): Qt would abort without a word otherwise."""
    env = os.environ if env is None else env
    if not platform.startswith("linux") or env.get("QT_QPA_PLATFORM"):
        return ""
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return ""
    return tr("No graphical display is available (neither DISPLAY nor WAYLAND_DISPLAY is set).")


def application() -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    problem = display_problem()
    if problem:
        raise InputError(
            problem,
            tr(
                "Run ClusterTrust in a desktop session, or use its commands in this terminal: "
                "`clustertrust install BUNDLE`, `clustertrust verify URL` "
                "(see `clustertrust --help`)."
            ),
        )
    QApplication.setApplicationName("ClusterTrust")
    QApplication.setOrganizationName("ClusterTrust")
    QApplication.setDesktopFileName("clustertrust")
    app = ThemedApplication(sys.argv[:1])
    choose_language(app)
    GuiThreadCollector(app)
    ensure_theme()
    return app


def demo_wizard(demo: DemoCluster) -> ClusterTrustWizard:
    """The wizard pointed at a running demo: its bundle link, its UI, its sandbox."""
    from .services import Services

    session = Session(demo=demo, source_context=demo.download_context())
    return ClusterTrustWizard(session, Services(sandbox=demo.sandbox))


def _exec(window: QWidget) -> int:
    app = application()
    # Ctrl+C in the terminal closes the window (which cancels running work) instead of killing it;
    # set before the window shows, and run by the event loop, so that a Ctrl+C as soon as the
    # window appears (even before the loop runs) closes it too.
    signal.signal(signal.SIGINT, lambda *_: QTimer.singleShot(0, window.close))
    window.show()
    heartbeat = QTimer()
    heartbeat.start(250)  # lets Python run the signal handler while Qt waits for events
    heartbeat.timeout.connect(lambda: None)
    app.exec()
    return 0


def run_wizard() -> int:
    """Raises InputError when no window is possible; the command line reports it like any other."""
    application()
    return _exec(ClusterTrustWizard())


def start_demo() -> DemoCluster:
    from clustertrust.core.actions.demo import start_demo as start

    return start()


def run_demo() -> int:
    application()
    demo = start_demo()
    try:
        print(
            tr(
                "Demo cluster UI: {ui}\nDemo bundle: {bundle}\n"
                "Sandbox (instead of your real stores): {sandbox}"
            ).format(ui=demo.ui_url, bundle=demo.bundle_url, sandbox=demo.sandbox)
        )
        return _exec(demo_wizard(demo))
    finally:
        demo.stop()
