"""The wizard window: seven pages from bundle to verified connection, and a clean close."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from clustertrust.core.i18n import tr
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QAbstractButton, QWidget, QWizard, QWizardPage

if TYPE_CHECKING:
    from .services import Services

from .pages.welcome import WelcomePage
from .session import Session
from .theme import app_icon, ensure_theme
from .widgets import fit_on_screen
from .workers import JobRunner

WELCOME, BUNDLE, REVIEW, PLAN, INSTALL, VERIFY, DONE = range(7)


class ClusterTrustWizard(QWizard):
    def __init__(
        self,
        session: Session | None = None,
        services: Services | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        ensure_theme()
        self.session = session or Session()
        self._services = services
        self.jobs = JobRunner(self)
        self.manage_window: QWidget | None = None
        self._closing = False
        title = tr("ClusterTrust — demo cluster") if self.session.demo else "ClusterTrust"
        self.setWindowTitle(title)
        self.setWindowIcon(app_icon())
        if sys.platform not in ("darwin", "win32"):
            self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setPixmap(QWizard.WizardPixmap.LogoPixmap, app_icon().pixmap(48, 48))
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.HaveHelpButton, False)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setPage(WELCOME, WelcomePage())
        fit_on_screen(self, 760, 620)
        self.currentIdChanged.connect(lambda _: self._entered())
        # The welcome page paints first; it loads the rest (and the certificate machinery) then.

    def _entered(self) -> None:
        page = self.currentPage()
        if page is not None and hasattr(page, "entered"):
            page.entered()
        focused = self.focusWidget()
        if focused is None or not focused.isVisible() or not self.isAncestorOf(focused):
            self.forward_button().setFocus(Qt.FocusReason.TabFocusReason)

    def forward_button(self) -> QAbstractButton:
        """Next, or Install/Finish where the page shows that instead."""
        for which in (
            QWizard.WizardButton.CommitButton,
            QWizard.WizardButton.FinishButton,
        ):
            if self.button(which).isVisible():
                return self.button(which)
        return self.button(QWizard.WizardButton.NextButton)

    def ensure_pages(self) -> None:
        if self.page(BUNDLE) is not None:
            return
        for page_id, page in enumerate(_later_pages(), start=BUNDLE):
            self.setPage(page_id, page)

    @property
    def services(self) -> Services:
        if self._services is None:
            from .services import Services

            self._services = Services()
        return self._services

    def cloud_available(self) -> bool:
        return self.services.cloud_available()

    def open_cloud_dialog(self) -> None:
        from .cloud import CloudDialog  # only when asked for

        dialog = CloudDialog(self)
        dialog.chosen.connect(self.page(BUNDLE).choose_cloud)  # type: ignore[attr-defined]
        dialog.open()

    def open_manage(self) -> None:
        from .manage import ManageWindow

        if self.manage_window is None:
            self.manage_window = ManageWindow(self.services, self.session, parent=self)
            welcome = self.page(WELCOME)
            self.manage_window.clusters_listed.connect(welcome.show_clusters)  # type: ignore[attr-defined]
        self.manage_window.show()
        self.manage_window.raise_()

    # closing while work runs: cancel, let the work stop (and roll back), then close

    def reject(self) -> None:
        if self._stop_work_first():
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._stop_work_first():
            event.ignore()
            return
        super().closeEvent(event)

    def _stop_work_first(self) -> bool:
        """True while background work is still stopping; the window closes once it has."""
        if not self.jobs.busy():
            return False
        if not self._closing:
            self._closing = True
            self.setWindowTitle(tr("{title} — stopping…").format(title=self.windowTitle()))
            self.setEnabled(False)
            for job in self.jobs.jobs:
                job.control.cancel()
            QTimer.singleShot(50, self._close_when_idle)
        return True

    def _close_when_idle(self) -> None:
        if self.jobs.busy():
            QTimer.singleShot(50, self._close_when_idle)
            return
        self.reject()


def _later_pages() -> list[QWizardPage]:
    from .pages.bundle import BundlePage
    from .pages.done import DonePage
    from .pages.install import InstallPage
    from .pages.plan import PlanPage
    from .pages.review import ReviewPage
    from .pages.verify import VerifyPage

    return [BundlePage(), ReviewPage(), PlanPage(), InstallPage(), VerifyPage(), DonePage()]
