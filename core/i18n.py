"""Words for people in their language: one gettext catalog (domain `clustertrust`) for the wizard
and for core's own messages, so both layers translate the same way without Qt.

Source catalogs live in resources/locale/<lang>/LC_MESSAGES/clustertrust.po; the build compiles
them to .mo beside them (scripts/dev, the PyInstaller spec). Without a compiled catalog, or for a
language without one, the English text is shown. Machine output (--json, the support report's
document, files ClusterTrust keeps) is built inside `english()`, so it reads the same in every
language."""

from __future__ import annotations

import contextvars
import gettext
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

DOMAIN = "clustertrust"

_SOURCE = gettext.NullTranslations()
_catalog: gettext.NullTranslations = _SOURCE
# Set by english() for the running thread (or task) only: a worker building a machine document
# does not switch the window's language.
_override: contextvars.ContextVar[gettext.NullTranslations | None] = contextvars.ContextVar(
    "clustertrust_language", default=None
)


def locale_folder() -> Path:
    """Beside the resources package's __init__ in a checkout, a wheel and a PyInstaller build
    alike (as gui/theme.py finds its files: importlib.resources would cost ~6 ms)."""
    from clustertrust import resources as shipped

    return Path(shipped.__file__ or "").parent / "locale"


def use_languages(languages: Sequence[str] | None = None) -> str:
    """Translate into the first of `languages` (like "de_DE", "de") that has a catalog; None reads
    LANGUAGE, LC_ALL, LC_MESSAGES and LANG as gettext does. Returns the language chosen ("" for
    the English source text)."""
    global _catalog
    wanted = list(languages) if languages is not None else _from_environment()
    if all(_is_english(name) for name in wanted):  # the source text: no catalog to look for
        _catalog = _SOURCE
    else:
        _catalog = gettext.translation(DOMAIN, locale_folder(), wanted, fallback=True)
    return language()


def _from_environment() -> list[str]:
    """The first of the variables gettext reads that is set (LANGUAGE may list several)."""
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        if value := os.environ.get(variable):
            return value.split(":")
    return []


def _is_english(name: str) -> bool:
    base = name.replace("-", "_").split("_")[0].split(".")[0].split("@")[0]
    return base in ("", "C", "POSIX", "en")


def _is_source(catalog: gettext.NullTranslations) -> bool:
    return type(catalog) is gettext.NullTranslations


def language() -> str:
    """The language now in use ("" when the English source text is shown)."""
    return "" if _is_source(_catalog) else _catalog.info().get("language", "")


def _current() -> gettext.NullTranslations:
    override = _override.get()
    return _catalog if override is None else override


@contextmanager
def english() -> Iterator[None]:
    """The English source text inside the block, in this thread only, whatever the language."""
    token = _override.set(_SOURCE)
    try:
        yield
    finally:
        _override.reset(token)


def tr(message: str) -> str:
    """`message` in the chosen language (itself when there is no translation)."""
    return _current().gettext(message)


def tr_n(singular: str, plural: str, count: int) -> str:
    return _current().ngettext(singular, plural, count)


def translatable(message: str) -> str:
    """Marks a constant for the catalog; it is translated where it is shown, with tr()."""
    return message


def translatable_n(singular: str, plural: str) -> tuple[str, str]:
    """Marks a singular and plural pair for the catalog; shown with tr_n()."""
    return singular, plural
