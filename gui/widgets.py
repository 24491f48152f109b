"""Small reusable views: banners, certificate cards, findings, the step list, the drop area."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from clustertrust.core.errors import ClusterTrustError
from clustertrust.core.i18n import tr, translatable
from clustertrust.gui.advice import window_fix

if TYPE_CHECKING:  # the welcome page paints before the certificate machinery is loaded
    from clustertrust.core.actions.bundles import CertificateSummary, Finding
from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import (
    QAccessible,
    QAccessibleAnnouncementEvent,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDropEvent,
    QGuiApplication,
    QIcon,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from .theme import status_colour

_ICONS = {
    "error": "SP_MessageBoxCritical",
    "warning": "SP_MessageBoxWarning",
    "info": "SP_MessageBoxInformation",
    "ok": "SP_DialogApplyButton",
}


STATUS_WORDS = {
    "ok": translatable("OK"),
    "error": translatable("Error"),
    "warning": translatable("Warning"),
    "info": translatable("Note"),
}


def status_icon(kind: str) -> QIcon:
    return QApplication.style().standardIcon(getattr(QStyle.StandardPixmap, _ICONS[kind]))


def scrolling(content: QWidget, name: str) -> QScrollArea:
    """A frameless scroll area around `content`: it scrolls when the window is small (200 % on a
    1920x1080 screen) and never takes the focus itself (Tab goes to what is inside)."""
    area = QScrollArea()
    area.setWidget(content)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    area.setAccessibleName(name)
    return area


def layout_focus_order(layout: QLayout) -> list[QWidget]:
    """The widgets Tab should reach, in the order the layouts place them (top to bottom, left to
    right), hidden ones too (they may show later)."""
    found: list[QWidget] = []
    for index in range(layout.count()):
        item = layout.itemAt(index)
        widget, inner = item.widget(), item.layout()
        if widget is not None and widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            found.append(widget)
        elif widget is not None:
            inner = widget.widget().layout() if isinstance(widget, QScrollArea) else widget.layout()
        if inner is not None:
            found += layout_focus_order(inner)
    return found


def follow_layout(layout: QLayout) -> None:
    """Tab follows the eye: content added later (a card, a Copy field) goes where it is shown."""
    order = layout_focus_order(layout)
    for before, after in itertools.pairwise(order):
        QWidget.setTabOrder(before, after)


def fit_on_screen(window: QWidget, width: int, height: int) -> None:
    """This size, or the screen's when that is smaller (a laptop at 200 %)."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    room = screen.availableGeometry() if screen is not None else None
    if room is not None:
        width, height = min(width, room.width()), min(height, room.height())
    window.resize(width, height)


def heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("Heading")
    label.setWordWrap(True)
    return label


def paragraph(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class Banner(QLabel):
    """A coloured one-paragraph message: what happened and, if needed, what to do."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Banner")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # out of the Tab chain; results take it
        self.kind = self.message = self.fix = ""
        self.hide()

    def show_message(self, kind: str, message: str, fix: str = "") -> None:
        self.kind, self.message, self.fix = kind, message, fix
        colour = status_colour(kind)
        self.setStyleSheet(f"QLabel#Banner {{ border: 1px solid {colour.name()}; }}")
        text = f"<b style='color:{colour.name()}'>{_escape(message)}</b>"
        if fix:
            text += f"<br>{_escape(fix)}"
        self.setText(text)
        self.setAccessibleName(f"{tr(STATUS_WORDS[kind])}: {message} {fix}".strip())
        self.show()

    def show_result(self, kind: str, message: str, fix: str = "", focus: bool = True) -> None:
        """The outcome of an action: shown, said by the screen reader, and (unless the page puts
        the focus elsewhere, like a password field) focused."""
        self.show_message(kind, message, fix)
        if focus:
            self.setFocus(Qt.FocusReason.OtherFocusReason)
        event = QAccessibleAnnouncementEvent(self, self.accessibleName())
        urgent = kind in ("error", "warning")
        event.setPoliteness(
            QAccessible.AnnouncementPoliteness.Assertive
            if urgent
            else QAccessible.AnnouncementPoliteness.Polite
        )
        QAccessible.updateAccessibility(event)

    def show_error(
        self, kind: str, error: Exception, unexpected: str, fix: str, focus: bool = True
    ) -> None:
        """A failed action's result: a ClusterTrustError says what to do itself; anything else is
        shown as `unexpected: error` with `fix`."""
        if isinstance(error, ClusterTrustError):
            self.show_result(kind, error.message, window_fix(error.fix, error.remedies), focus)
        else:
            self.show_result(
                kind, tr("{what}: {error}").format(what=unexpected, error=error), fix, focus
            )

    def retint(self) -> None:
        if self.kind:
            self.show_message(self.kind, self.message, self.fix)

    def clear_message(self) -> None:
        self.kind = ""
        self.clear()
        self.hide()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class CopyField(QWidget):
    """A value shown in full (wrapped, monospace) or, for paths, elided in the middle with the
    full text in a tooltip; either way with a Copy button that copies it exactly."""

    def __init__(
        self, value: str, name: str, elide: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.value = value
        self.field: QLabel = ElidedLabel(value) if elide else WrappedValue(value)
        self.field.setObjectName("Mono")
        self.field.setAccessibleName(f"{name}: {value}")  # the value itself, even when elided
        self.field.setToolTip(value)
        self.button = QPushButton(tr("Copy"))
        self.button.setAccessibleName(tr("Copy {name}").format(name=name))
        self.button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.button.setAutoDefault(False)  # Return stays the wizard's Next; Space copies
        self.button.clicked.connect(self.copy)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.field, 1)
        row.addWidget(self.button, 0, Qt.AlignmentFlag.AlignTop)

    def text(self) -> str:
        return self.value

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.value)
        self.button.setText(tr("Copied"))


BREAK = "\u200b"  # a zero-width space: where a long value without spaces may wrap


class WrappedValue(QLabel):
    """The whole value, wrapped after separators (a fingerprint's colons, a path's slashes)."""

    def __init__(self, value: str, parent: QWidget | None = None) -> None:
        super().__init__(breakable(value), parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setMinimumWidth(120)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def plain(self) -> str:
        return self.text().replace(BREAK, "")


def breakable(value: str) -> str:
    for separator in (":", "/", "\\", "&", "?", ",", ";", "="):
        value = value.replace(separator, separator + BREAK)
    return value


class ElidedLabel(QLabel):
    """One line; a value too long for the width loses its middle ("/home/…/tls.key")."""

    def __init__(self, value: str, parent: QWidget | None = None) -> None:
        super().__init__(value, parent)
        self.full = value
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setMinimumWidth(80)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        metrics = self.fontMetrics()
        self.setText(metrics.elidedText(self.full, Qt.TextElideMode.ElideMiddle, self.width()))

    def plain(self) -> str:
        return self.full


class CertificateCard(QGroupBox):
    """One certificate in words a person can read."""

    def __init__(self, title: str, summary: CertificateSummary, parent: QWidget | None = None):
        from clustertrust.core.actions.bundles import pretty_fingerprint

        super().__init__(title, parent)
        form = QFormLayout(self)
        self.subject, self.issuer = paragraph(summary.subject), paragraph(summary.issuer)
        self.subject.setTextFormat(Qt.TextFormat.PlainText)  # names are the issuer's choice
        self.issuer.setTextFormat(Qt.TextFormat.PlainText)
        form.addRow(tr("Issued to:"), self.subject)
        form.addRow(tr("Issued by:"), self.issuer)
        form.addRow(tr("Valid until:"), paragraph(_valid_until(summary)))
        form.addRow(tr("Key:"), paragraph(summary.key_type))
        self.fingerprint = CopyField(pretty_fingerprint(summary.sha256), f"{title} SHA-256")
        form.addRow(tr("SHA-256:"), self.fingerprint)


def _valid_until(summary: CertificateSummary) -> str:
    date = summary.not_after[:10]
    if summary.days_left < 0:
        return tr("{date} (expired {days} days ago)").format(date=date, days=-summary.days_left)
    return tr("{date} ({days} days left)").format(date=date, days=summary.days_left)


def status_item(kind: str, text: str, word: str = "") -> QListWidgetItem:
    """A list row with its status as an icon for the eye and as a word for screen readers."""
    item = QListWidgetItem(status_icon(kind), text)
    said = f"{word or tr(STATUS_WORDS[kind])}: {text}"
    item.setData(Qt.ItemDataRole.AccessibleTextRole, said)
    return item


class FindingList(QListWidget):
    """Findings with an icon per severity; errors first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(tr("Findings"))
        self.setWordWrap(True)
        self.setSelectionMode(QListWidget.SelectionMode.NoSelection)

    def show_findings(self, findings: list[Finding]) -> None:
        self.clear()
        for finding in findings:
            item = status_item(finding.severity.value, finding.message)
            item.setData(Qt.ItemDataRole.UserRole, finding.code)
            item.setToolTip(f"{finding.severity.value}: {finding.code}")
            self.addItem(item)
        if not findings:
            self.addItem(status_item("ok", tr("No problems found.")))

    def errors(self) -> int:
        return sum(1 for i in range(self.count()) if self.item(i).toolTip().startswith("error"))


_MARKS = {"pending": "•", "running": "…", "done": "✓", "failed": "✗", "undone": "↺"}
_STATES = {
    "pending": translatable("To do"),
    "running": translatable("Running"),
    "done": translatable("Done"),
    "failed": translatable("Failed"),
    "undone": translatable("Undone"),
}


class StepList(QListWidget):
    """A live list of plan steps: pending, running, done ✓, failed ✗, undone ↺."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Steps")
        self.setAccessibleName(tr("Steps"))
        self.setWordWrap(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.states: list[str] = []
        self.texts: list[str] = []

    def set_steps(self, texts: list[str]) -> None:
        self.clear()
        self.texts, self.states = list(texts), ["pending"] * len(texts)
        for index, text in enumerate(texts):
            self.addItem(QListWidgetItem(f"{_MARKS['pending']}  {text}"))
            self._say(index, "")

    def mark(self, index: int, state: str, note: str = "") -> None:
        if not 0 <= index < self.count():
            return
        self.states[index] = state
        suffix = f" — {note}" if note else ""
        item = self.item(index)
        item.setText(f"{_MARKS[state]}  {self.texts[index]}{suffix}")
        self._say(index, suffix)
        self._tint(index)

    def _say(self, index: int, suffix: str) -> None:
        """The mark (✓ ✗ ↺) and colour as a word, for screen readers."""
        words = f"{tr(_STATES[self.states[index]])}: {self.texts[index]}{suffix}"
        self.item(index).setData(Qt.ItemDataRole.AccessibleTextRole, words)

    def _tint(self, index: int) -> None:
        kind = {"done": "ok", "failed": "error", "undone": "warning"}.get(self.states[index])
        colour = status_colour(kind) if kind else self.palette().text().color()
        self.item(index).setForeground(colour)

    def retint(self) -> None:
        for index in range(self.count()):
            self._tint(index)


class DropArea(QFrame):
    """Accepts a dropped bundle file or folder (or an https:// link) and says what to do."""

    dropped = Signal(str)

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DropArea")
        self.setAcceptDrops(True)
        self.setAccessibleName(tr("Drop a bundle file or folder here"))
        label = QLabel(text)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(label)

    @staticmethod
    def source_of(mime: QMimeData) -> str:
        urls = mime.urls()
        if urls:
            url = urls[0]
            return url.toLocalFile() if url.isLocalFile() else url.toString()
        text = mime.text().strip()
        return text if text.startswith("https://") else ""

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.source_of(event.mimeData()):
            self._hover(True)
            event.acceptProposedAction()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._hover(False)

    def dropEvent(self, event: QDropEvent) -> None:
        self._hover(False)
        source = self.source_of(event.mimeData())
        if source:
            event.acceptProposedAction()
            self.dropped.emit(source)

    def _hover(self, on: bool) -> None:
        self.setProperty("hover", on)
        self.style().unpolish(self)
        self.style().polish(self)
