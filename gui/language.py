"""The user's language, chosen once at start: our catalog (core.i18n, shared with core's messages)
and Qt's own translations of its standard buttons ("< Back", "Next >", "Cancel") in the same
language, so a window never mixes two."""

from __future__ import annotations

import logging

from clustertrust.core import i18n
from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

log = logging.getLogger("clustertrust.language")


def preferred_languages(locale: QLocale | None = None) -> list[str]:
    """The desktop's UI languages, best first, as gettext names them ("de-DE" -> "de_DE")."""
    locale = locale or QLocale.system()
    return [name.replace("-", "_") for name in locale.uiLanguages()]


def choose_language(app: QApplication, languages: list[str] | None = None) -> str:
    """Translate into the first preferred language we have a catalog for; "" keeps English.
    Qt's qtbase catalog follows that choice (none for English); the log says which file it came
    from, or that none was found (the frozen app's check reads that line)."""
    chosen = i18n.use_languages(languages if languages is not None else preferred_languages())
    for old in app.findChildren(QTranslator, "qtbase"):
        app.removeTranslator(old)
        old.deleteLater()
    if chosen:
        qt = QTranslator(app)
        qt.setObjectName("qtbase")
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if qt.load(QLocale(chosen), "qtbase", "_", folder):
            app.installTranslator(qt)
            log.info("Language %s; Qt's own words from %s", chosen, qt.filePath())
        else:
            log.warning(
                "Language %s; no Qt translation in %s: Qt's buttons stay English", chosen, folder
            )
    return chosen
