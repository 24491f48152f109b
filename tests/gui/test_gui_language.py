"""Languages: every string the wizard and the clusters window show goes through the catalog, has a
German entry that keeps its placeholders and Alt+letter, and a German desktop gets German words,
Qt's standard buttons included."""

from __future__ import annotations

import ast
import logging
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from clustertrust.core import i18n
from clustertrust.gui.language import choose_language
from clustertrust.gui.wizard import ClusterTrustWizard
from PySide6.QtWidgets import QApplication, QWizard
from pytestqt.qtbot import QtBot

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))
import catalogs  # noqa: E402

# Calls whose string argument a person reads: it must come from tr() (or a translatable constant).
SINKS = {
    "QLabel", "QPushButton", "QCheckBox", "QRadioButton", "QGroupBox", "setText", "setToolTip",
    "setAccessibleName", "setAccessibleDescription", "setPlaceholderText", "setWindowTitle",
    "setTitle", "setSubTitle", "show_message", "show_result", "show_error", "addAction", "addRow",
    "setButtonText", "action_button", "heading", "paragraph", "status_item", "addButton",
    "getText", "getOpenFileName", "getSaveFileName", "getExistingDirectory",
}  # fmt: skip
WORDS = re.compile(r"[A-Za-z]{2,}")
KIND = re.compile(r"[a-z_]+")  # "ok", "error": a status kind, not words


def untranslated_literals(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else ast.unparse(node.func)
        if name not in SINKS:
            continue
        for arg in node.args:
            literal = isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            words = literal and WORDS.search(arg.value) and not KIND.fullmatch(arg.value)
            if words or (isinstance(arg, ast.JoinedStr) and _has_words(arg)):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(arg)[:70]}")
    return found


def _has_words(text: ast.JoinedStr) -> bool:
    """An f-string with words of its own, not one that only joins values ("{name}: {value}")."""
    return any(
        isinstance(part, ast.Constant) and WORDS.search(str(part.value)) for part in text.values
    )


def test_no_gui_string_bypasses_the_catalog() -> None:
    found = [
        problem
        for path in sorted((ROOT / "gui").rglob("*.py"))
        if path.name != "services.py"  # no words of its own: it wraps core.actions in jobs
        for problem in untranslated_literals(path)
    ]
    assert found == []


def german() -> dict[object, object]:
    from babel.messages.pofile import read_po

    with catalogs.po_path("de").open("rb") as source:
        return {m.id: m.string for m in read_po(source) if m.id and not m.fuzzy}


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w*)\}", text))


def test_every_string_of_gui_core_and_cli_has_a_german_entry() -> None:
    entries = german()
    missing, broken = [], []
    for message in catalogs.template():
        if not message.id:
            continue
        singular = message.id if isinstance(message.id, str) else message.id[0]
        found = entries.get(message.id)
        texts = [found] if isinstance(found, str) else list(found or ())
        if not texts or not all(texts):
            missing.append(singular)
            continue
        for text in texts:
            same_marks = ("&" in singular) == ("&" in text.replace("&&", ""))
            if placeholders(text) != placeholders(singular) or not same_marks:
                broken.append(f"{singular!r} -> {text!r}")
    assert missing == [], f"{len(missing)} strings lack German: {missing[:10]}"
    assert broken == []


@pytest.fixture
def in_german() -> Iterator[QApplication]:
    catalogs.compile_all()
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    assert choose_language(app, ["de_DE", "de"]) == "de"
    yield app
    assert choose_language(app, ["en_US"]) == ""


def test_a_german_desktop_gets_german_words_and_buttons(
    qtbot: QtBot, in_german: QApplication
) -> None:
    wizard = ClusterTrustWizard()
    qtbot.addWidget(wizard)
    wizard.show()
    assert wizard.currentPage().title() == "Willkommen bei ClusterTrust"
    assert wizard.button(QWizard.WizardButton.NextButton).text().replace("&", "") == "Weiter >"
    assert wizard.button(QWizard.WizardButton.CancelButton).text() == "Abbrechen"


def test_a_language_without_a_catalog_stays_english(qtbot: QtBot) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    assert choose_language(app, ["fr_FR", "fr"]) == ""
    wizard = ClusterTrustWizard()
    qtbot.addWidget(wizard)
    assert wizard.button(QWizard.WizardButton.NextButton).text().replace("&", "") == "Next >"
    assert i18n.tr("Welcome to ClusterTrust") == "Welcome to ClusterTrust"


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.getMessage()}")


@pytest.fixture
def language_log() -> Iterator[Records]:
    records, logger = Records(), logging.getLogger("clustertrust.language")
    logger.addHandler(records)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    yield records
    logger.removeHandler(records)
    logger.setLevel(old_level)


def test_the_log_names_the_qt_catalog_it_loaded(
    in_german: QApplication, language_log: Records
) -> None:
    assert choose_language(in_german, ["de"]) == "de"
    assert language_log.lines[-1].startswith("INFO Language de; Qt's own words from /")
    assert language_log.lines[-1].endswith("/qtbase_de.qm")


def test_without_qts_catalog_the_log_says_its_buttons_stay_english(
    qtbot: QtBot,
    in_german: QApplication,
    language_log: Records,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """A frozen app whose Qt looks for its translations in the wrong folder."""
    from clustertrust.gui import language

    monkeypatch.setattr(language.QLibraryInfo, "path", lambda _which: str(tmp_path))
    assert choose_language(in_german, ["de"]) == "de"
    assert language_log.lines[-1] == (
        f"WARNING Language de; no Qt translation in {tmp_path}: Qt's buttons stay English"
    )
    wizard = ClusterTrustWizard()
    qtbot.addWidget(wizard)
    wizard.show()
    assert wizard.currentPage().title() == "Willkommen bei ClusterTrust"
    assert wizard.button(QWizard.WizardButton.CancelButton).text() == "Cancel"
