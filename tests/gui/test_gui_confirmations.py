"""A confirmation of a removal, renewal or repair: Cancel is the default and holds the focus, so
Return and Escape never change anything; only Space (or a click) on the action does."""

from __future__ import annotations

import pytest
from clustertrust.gui.plan_dialog import PlanDialog
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from pytestqt.qtbot import QtBot
from support import a11y


def opened_dialog(qtbot: QtBot, action: str) -> PlanDialog:
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    dialog = PlanDialog(f"{action}?", ["what changes"], "the commands", action, parent)
    dialog.keep = parent  # type: ignore[attr-defined]  # qtbot holds its widgets weakly
    dialog.open()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.cancel_button)
    return dialog


@pytest.mark.parametrize("action", ["Remove", "Renew", "Repair"])
@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape])
def test_return_and_escape_cancel(qtbot: QtBot, action: str, key: Qt.Key) -> None:
    dialog = opened_dialog(qtbot, action)
    assert dialog.cancel_button.isDefault() and not dialog.action_button.isDefault()
    with qtbot.waitSignal(dialog.finished) as finished:
        qtbot.keyClick(QApplication.focusWidget(), key)
    assert finished.args == [QDialog.DialogCode.Rejected]


def test_return_on_the_focused_action_still_cancels(qtbot: QtBot) -> None:
    dialog = opened_dialog(qtbot, "Remove")
    dialog.action_button.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.action_button)
    assert not dialog.action_button.isDefault()
    with qtbot.waitSignal(dialog.finished) as finished:
        qtbot.keyClick(dialog.action_button, Qt.Key.Key_Return)
    assert finished.args == [QDialog.DialogCode.Rejected]


def test_space_on_the_action_goes_ahead(qtbot: QtBot) -> None:
    dialog = opened_dialog(qtbot, "Remove")
    dialog.action_button.setFocus()
    with qtbot.waitSignal(dialog.finished) as finished:
        qtbot.keyClick(dialog.action_button, Qt.Key.Key_Space)
    assert finished.args == [QDialog.DialogCode.Accepted]


def test_the_confirmation_meets_the_keyboard_checks(qtbot: QtBot) -> None:
    dialog = opened_dialog(qtbot, "Remove")
    found = [
        a11y.focus_problem(dialog),
        a11y.too_big(dialog),
        *a11y.unnamed_focusable(dialog),
        *a11y.duplicate_mnemonics(dialog),
        *a11y.contrast_problems(dialog),
    ]
    assert [problem for problem in found if problem] == []
