"""A switch between light and dark while a window is open re-tints what carries a status colour."""

from __future__ import annotations

from clustertrust.gui.theme import ThemedApplication, status_colour, tint
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot
from support.gui_support import dark_palette


def shown_colour(label: QLabel) -> QColor:
    return QColor(label.styleSheet().removeprefix("color: ").removesuffix(";"))


def test_a_switch_to_dark_and_back_retints_a_status_label(qtbot: QtBot) -> None:
    app = QApplication.instance()
    assert isinstance(app, ThemedApplication)  # what `clustertrust` makes, and the tests use
    label = tint(QLabel("Error: the server refused the client certificate"), "error")
    qtbot.addWidget(label)
    label.show()
    light = shown_colour(label)
    before = app.palette()
    try:
        QApplication.setPalette(dark_palette())  # type: ignore[arg-type]
        qtbot.waitUntil(lambda: shown_colour(label) != light)
        assert shown_colour(label) == status_colour("error")
        assert shown_colour(label).lightness() > 128
    finally:
        app.setPalette(before)
    qtbot.waitUntil(lambda: shown_colour(label) == light)
