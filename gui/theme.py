"""The look: the app icon at every size, the style sheet, status colours that suit the palette."""

from __future__ import annotations

from importlib import resources

from PySide6.QtGui import QColor, QIcon, QPalette, QPixmap
from PySide6.QtWidgets import QApplication, QStyle

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def _resource(name: str) -> bytes | None:
    try:
        return resources.files("clustertrust.resources").joinpath(name).read_bytes()
    except (FileNotFoundError, OSError):
        return None


def app_icon() -> QIcon:
    """Every PNG size the packaging ships (crisp on high-DPI screens); a stock icon if none."""
    icon = QIcon()
    for size in ICON_SIZES:
        data = _resource(f"clustertrust-{size}.png")
        pixmap = QPixmap()
        if data and pixmap.loadFromData(data):
            icon.addPixmap(pixmap)
    if icon.isNull():
        return QApplication.style().standardIcon(QStyle.StandardPixmap.SP_DriveNetIcon)
    return icon


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def status_colour(kind: str) -> QColor:
    """Readable on the current palette: deeper tones on light windows, softer on dark ones."""
    light = {"ok": "#1b7f3b", "error": "#b3261e", "warning": "#8a5a00", "info": "#1f5fa8"}
    dark = {"ok": "#7fd89a", "error": "#ff8a80", "warning": "#ffcc66", "info": "#8ab4f8"}
    return QColor((dark if is_dark() else light)[kind])


def apply_theme(app: QApplication) -> None:
    """The system palette (light or dark) stays in charge; the sheet adds spacing and weight."""
    app.setWindowIcon(app_icon())
    sheet = _resource("style.qss")
    if sheet:
        app.setStyleSheet(sheet.decode())


def ensure_theme() -> None:
    """Apply the theme once, also when the QApplication was made elsewhere (tests, embedding)."""
    app = QApplication.instance()
    if isinstance(app, QApplication) and not app.property("clustertrust_theme"):
        apply_theme(app)
        app.setProperty("clustertrust_theme", True)
