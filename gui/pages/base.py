"""What every page has: a heading, a demo notice when it is the demo, and a body layout."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWizardPage

from ..widgets import Banner

if TYPE_CHECKING:
    from ..session import Session
    from ..wizard import ClusterTrustWizard


class Page(QWizardPage):
    def __init__(self, title: str, subtitle: str) -> None:
        super().__init__()
        self.setTitle(title)
        self.setSubTitle(subtitle)
        self.demo_notice = Banner()
        self.body = QVBoxLayout(self)
        self.body.addWidget(self.demo_notice)

    @property
    def app(self) -> ClusterTrustWizard:
        return self.wizard()  # type: ignore[return-value]

    @property
    def session(self) -> Session:
        return self.app.session

    def initializePage(self) -> None:
        # Return always means the wizard's Next; a focused in-page button answers to Space.
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
        if self.session.demo is not None:
            self.demo_notice.show_message(
                "info",
                "Demo: everything happens in a sandbox folder; your real certificate stores "
                "are not touched.",
                f"Sandbox: {self.session.demo.sandbox}",
            )
