"""A change shown in plain words first, with the exact commands behind Details. Cancel is the
default and holds the focus: Return and Escape never remove, renew or repair anything."""

from __future__ import annotations

from clustertrust.core.i18n import tr
from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPlainTextEdit, QVBoxLayout, QWidget

from .widgets import paragraph


class PlanDialog(QDialog):
    """A change in plain words first; the exact commands behind Details. Cancel is the default."""

    def __init__(
        self, title: str, words: list[str], details: str, action: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        self.words = paragraph("<br>".join(_escape(w) for w in words))
        self.words.setAccessibleName(tr("What will change"))
        layout.addWidget(self.words)
        self.details = QPlainTextEdit(details)
        self.details.setReadOnly(True)
        self.details.setObjectName("Mono")
        self.details.setAccessibleName(tr("The exact commands"))
        self.details.hide()
        layout.addWidget(self.details, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.details_button = buttons.addButton(
            tr("&Details"), QDialogButtonBox.ButtonRole.HelpRole
        )
        self.details_button.setCheckable(True)
        self.details_button.setAccessibleName(tr("Show the exact commands"))
        self.details_button.toggled.connect(self._details)
        self.action_button = buttons.addButton(action, QDialogButtonBox.ButtonRole.AcceptRole)
        self.action_button.setAccessibleName(action)
        self.remove_button = self.action_button
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        # A focused auto-default button takes Return over, and Cancel loses it on focus out: with
        # none auto-default, Return stays Cancel's wherever the focus is; the others need Space.
        for button in (self.details_button, self.action_button, self.cancel_button):
            button.setAutoDefault(False)
        self.cancel_button.setDefault(True)
        layout.addWidget(buttons)
        self.resize(640, 280)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.cancel_button.setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    def _details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.details_button.setText(tr("Hide &details") if shown else tr("&Details"))
        self.resize(self.width(), 520 if shown else 280)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
