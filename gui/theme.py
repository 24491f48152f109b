"""The look: the app icon at every size, the style sheet, status colours that suit the palette
(readable at 4.5:1 on it) and follow a switch between light and dark."""

from __future__ import annotations

import functools
from pathlib import Path

from clustertrust import resources as shipped
from PySide6.QtCore import QEvent, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QProxyStyle,
    QStyle,
    QStyleFactory,
    QStyleOption,
    QWidget,
)

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
MIN_CONTRAST = 4.5  # WCAG 2 AA for body text
LIGHT = {"ok": "#1b7f3b", "error": "#b3261e", "warning": "#8a5a00", "info": "#1f5fa8"}
DARK = {"ok": "#7fd89a", "error": "#ff8a80", "warning": "#ffcc66", "info": "#8ab4f8"}


# Beside the package's __init__ in a checkout, a wheel and a PyInstaller build alike; found
# without importlib.resources, whose imports (zipfile, tempfile…) cost the first window 6 ms.
RESOURCES = Path(shipped.__file__ or "").parent


def _resource(name: str) -> bytes | None:
    try:
        return (RESOURCES / name).read_bytes()
    except OSError:
        return None


@functools.cache  # the windows ask three times
def app_icon() -> QIcon:
    """Every PNG size the packaging ships (crisp on high-DPI screens), each decoded only when
    drawn at that size; a stock icon if none is there."""
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addFile(str(RESOURCES / f"clustertrust-{size}.png"), QSize(size, size))
    if icon.isNull():
        return QApplication.style().standardIcon(QStyle.StandardPixmap.SP_DriveNetIcon)
    return icon


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def luminance(colour: QColor) -> float:
    """WCAG 2 relative luminance."""

    def linear(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in (colour.redF(), colour.greenF(), colour.blueF()))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(one: QColor, other: QColor) -> float:
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def status_colour(kind: str, palette: QPalette | None = None) -> QColor:
    """The kind's tone for this palette, darkened (or lightened on a dark one) until it reads at
    4.5:1 on both the window and the field background."""
    palette = palette or QApplication.palette()
    dark = is_dark(palette)
    colour = QColor((DARK if dark else LIGHT)[kind])
    behind = (palette.color(QPalette.ColorRole.Window), palette.color(QPalette.ColorRole.Base))
    for _ in range(40):
        if min(contrast(colour, b) for b in behind) >= MIN_CONTRAST:
            break
        colour = colour.lighter(106) if dark else colour.darker(106)
    return colour


def tint(label: QLabel, kind: str) -> QLabel:
    """A label in its status colour ("" for the palette's own text), kept on a palette change."""
    label.setStyleSheet(f"color: {status_colour(kind).name()};" if kind else "")
    label.setProperty("kind", kind)
    return label


class ThemedApplication(QApplication):
    """Widgets polished by a style sheet keep the palette they had; a switch to dark (or back)
    polishes them again and gives every status colour its tone for the new palette. Qt tells
    the application alone (ApplicationPaletteChange); an application-wide event filter would
    hear every event of every widget instead, and made the first window a third slower."""

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ApplicationPaletteChange:
            QTimer.singleShot(0, follow_palette)
        return super().event(event)


def follow_palette() -> None:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    app.setStyleSheet(app.styleSheet())
    for widget in app.allWidgets():
        retint = getattr(widget, "retint", None)
        if callable(retint):
            retint()
        elif isinstance(widget, QLabel) and widget.property("kind"):
            tint(widget, widget.property("kind"))


RINGED = (
    QStyle.ControlElement.CE_PushButton,
    QStyle.ControlElement.CE_CheckBox,
    QStyle.ControlElement.CE_RadioButton,
)


class FocusRingStyle(QProxyStyle):
    """The platform's own style, plus a clear ring around the control holding the focus (the
    stock one on buttons is faint or, under a style sheet, missing)."""

    def drawControl(
        self,
        element: QStyle.ControlElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        super().drawControl(element, option, painter, widget)
        if element in RINGED and option.state & QStyle.StateFlag.State_HasFocus:
            _ring(option, painter)

    def drawPrimitive(
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        super().drawPrimitive(element, option, painter, widget)
        panel = element == QStyle.PrimitiveElement.PE_PanelLineEdit
        if panel and option.state & QStyle.StateFlag.State_HasFocus:
            _ring(option, painter)


def ring_colour(palette: QPalette) -> QColor:
    """The highlight where it stands out at 3:1 from the window (WCAG non-text), else the text."""
    highlight = palette.color(QPalette.ColorRole.Highlight)
    window = palette.color(QPalette.ColorRole.Window)
    return highlight if contrast(highlight, window) >= 3 else palette.color(QPalette.ColorRole.Text)


def _ring(option: QStyleOption, painter: QPainter) -> None:
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(ring_colour(option.palette), 2))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRoundedRect(option.rect.adjusted(1, 1, -1, -1), 3, 3)
    painter.restore()


def apply_theme(app: QApplication) -> None:
    """The system palette (light or dark) stays in charge; the sheet adds spacing and weight."""
    base = QStyleFactory.create(app.style().name())
    if base is not None:
        app.setStyle(FocusRingStyle(base))
    app.setWindowIcon(app_icon())
    sheet = _resource("style.qss")
    if sheet:
        app.setStyleSheet(sheet.decode())


def ensure_theme() -> None:
    """Apply the theme once, also when the QApplication was made elsewhere (tests, embedding);
    only a ThemedApplication follows a later switch between light and dark."""
    app = QApplication.instance()
    if isinstance(app, QApplication) and not app.property("clustertrust_theme"):
        apply_theme(app)
        app.setProperty("clustertrust_theme", True)
