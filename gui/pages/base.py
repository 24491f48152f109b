"""What every page has: a heading, a demo notice when it is the demo, and a body layout that
scrolls when the window is small; on entry the focus goes to the page's first control."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clustertrust.core.i18n import tr
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget, QWizardPage

from ..widgets import Banner, follow_layout, layout_focus_order, scrolling

if TYPE_CHECKING:
    from ..session import Session
    from ..wizard import ClusterTrustWizard


class Page(QWizardPage):
    def __init__(self, title: str, subtitle: str) -> None:
        super().__init__()
        self.setTitle(title)
        self.setSubTitle(subtitle)
        self.demo_notice = Banner()
        self.content = QWidget()
        self.body = QVBoxLayout(self.content)
        self.body.addWidget(self.demo_notice)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scrolling(self.content, title))

    @property
    def app(self) -> ClusterTrustWizard:
        return self.wizard()  # type: ignore[return-value]

    @property
    def session(self) -> Session:
        return self.app.session

    def first_control(self) -> QWidget | None:
        """Where the focus goes on entry: the first control shown (the wizard's Next if none)."""
        shown = [w for w in layout_focus_order(self.body) if w.isVisible() and w.isEnabled()]
        return shown[0] if shown else None

    def entered(self) -> None:
        """Once the page is on screen: Tab in layout order, the focus on its first control."""
        follow_layout(self.body)
        control = self.first_control()
        if control is not None:
            control.setFocus(Qt.FocusReason.TabFocusReason)

    def initializePage(self) -> None:
        # Return always means the wizard's Next; a focused in-page button answers to Space.
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
        if self.session.demo is not None:
            self.demo_notice.show_message(
                "info",
                tr(
                    "Demo: everything happens in a sandbox folder; your real certificate stores "
                    "are not touched."
                ),
                tr("Sandbox: {folder}").format(folder=self.session.demo.sandbox),
            )
