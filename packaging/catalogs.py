"""The translation catalogs: `extract` collects every tr(), tr_n() and translatable() string of
gui/, core/, cli/ and platform/ into resources/locale/clustertrust.pot and merges it into each
language's .po (new strings come in untranslated, gone ones are kept as obsolete); `compile`
writes each .po's .mo beside it, as scripts/dev and the PyInstaller spec do before the app runs
or is frozen.

    python packaging/catalogs.py extract|compile
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "resources" / "locale"
TEMPLATE = LOCALE / "clustertrust.pot"
SOURCES = ("gui", "core", "cli", "platform")
KEYWORDS = {"tr": None, "translatable": None, "tr_n": (1, 2), "translatable_n": (1, 2)}


def languages() -> list[str]:
    """The languages with a source catalog (resources/locale/<lang>/LC_MESSAGES/clustertrust.po)."""
    return sorted(path.parent.parent.name for path in LOCALE.glob("*/LC_MESSAGES/clustertrust.po"))


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "clustertrust.po"


def template():  # type: ignore[no-untyped-def]
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_file

    catalog = Catalog(project="ClusterTrust", charset="utf-8")
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            where = str(path.relative_to(ROOT))
            for line, message, comments, _context in extract_from_file(
                "python", str(path), keywords=KEYWORDS
            ):
                catalog.add(message, locations=[(where, line)], auto_comments=comments)
    return catalog


def extract() -> None:
    from babel.messages.pofile import read_po, write_po

    catalog = template()
    with TEMPLATE.open("wb") as out:
        write_po(out, catalog, sort_output=True, width=100, no_location=True)
    for language in languages():
        with po_path(language).open("rb") as source:
            translated = read_po(source, locale=language)
        translated.update(catalog, no_fuzzy_matching=True)  # a guessed entry is worse than none
        with po_path(language).open("wb") as out:
            write_po(out, translated, sort_output=True, width=100, no_location=True)


def compile_all() -> list[Path]:
    """Every .po to its .mo; returns the .mo files."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for language in languages():
        with po_path(language).open("rb") as source:
            catalog = read_po(source, locale=language)
        target = po_path(language).with_suffix(".mo")
        with target.open("wb") as out:
            write_mo(out, catalog)
        written.append(target)
    return written


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "extract":
        extract()
    elif command == "compile":
        for path in compile_all():
            print(f"compiled {path.relative_to(ROOT)}")
    else:
        sys.exit("usage: python packaging/catalogs.py extract|compile")
