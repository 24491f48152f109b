"""core.i18n: one catalog for every layer, never used at import time, and English on demand
(machine output) for one thread only."""

from __future__ import annotations

import ast
import re
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from clustertrust.core import i18n

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))
import catalogs  # noqa: E402

CALLS = {"tr", "tr_n"}


@pytest.fixture
def german() -> Iterator[None]:
    catalogs.compile_all()
    assert i18n.use_languages(["de"]) == "de"
    yield
    i18n.use_languages([])


def module_level_calls(path: Path) -> list[str]:
    """tr()/tr_n() calls outside any function: they would run at import, before the language
    is chosen, and freeze one language into a constant."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        parts = node.body if isinstance(node, ast.ClassDef) else [node]
        for part in parts:
            if isinstance(part, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for inner in ast.walk(part):
                name = getattr(getattr(inner, "func", None), "id", None)
                if isinstance(inner, ast.Call) and name in CALLS:
                    found.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
    return found


def test_nothing_is_translated_at_import_time() -> None:
    found = [
        call
        for folder in ("core", "platform", "cli", "gui")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for call in module_level_calls(path)
    ]
    assert found == []


def test_a_constant_is_translated_where_it_is_shown(german: None) -> None:
    from clustertrust.core.install.expiry import RENEW_FIX

    assert RENEW_FIX.startswith("Download the renewed bundle")  # the marker keeps English
    assert i18n.tr(RENEW_FIX).startswith("Laden Sie das erneuerte Bundle herunter")


def test_english_holds_for_its_own_thread_only(german: None) -> None:
    seen: dict[str, str] = {}
    inside, leave = threading.Event(), threading.Event()

    def machine_output() -> None:
        with i18n.english():
            seen["worker"] = i18n.tr("Try again.")
            inside.set()
            leave.wait(10)

    worker = threading.Thread(target=machine_output)
    worker.start()
    assert inside.wait(10)
    seen["window"] = i18n.tr("Try again.")  # while the worker is inside english()
    leave.set()
    worker.join(10)
    assert seen == {"worker": "Try again.", "window": "Versuchen Sie es erneut."}
    assert i18n.tr_n("{days} day left", "{days} days left", 2) == "noch {days} Tage"


@pytest.mark.parametrize(
    ("environment", "chosen"),
    [
        ({"LANG": "de_DE.UTF-8"}, "de"),
        ({"LANG": "en_US.UTF-8"}, ""),
        ({"LC_ALL": "C.UTF-8", "LANG": "de_DE.UTF-8"}, ""),  # LC_ALL comes first
        ({"LANGUAGE": "fr:de", "LANG": "C.UTF-8"}, "de"),  # no French catalog: the next one
        ({}, ""),
    ],
)
def test_the_language_follows_the_variables_gettext_reads(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], chosen: str
) -> None:
    catalogs.compile_all()
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    try:
        assert i18n.use_languages() == chosen
    finally:
        i18n.use_languages([])


# Calls whose text a person reads, in cli/, core/ and platform/ (gui/ has its own scan in
# tests/gui/test_gui_language.py): errors, prints, verdicts, step summaries, help.
SINKS = {
    "print", "InputError", "OperationFailed", "Cancelled", "PasswordNeeded", "ClusterTrustError",
    "SourceError", "BundleError", "ArgumentTypeError", "Diagnosis", "Availability", "getpass",
}  # fmt: skip
TEXT_KEYWORDS = {"message", "fix", "summary", "note", "reason", "why", "help", "description"}
WORDS = re.compile(r"[A-Za-z]{2,}")
PROGRAM = re.compile(r"clustertrust( privileged)?")  # the program's name before its message
# Literals a person may read that rightly bypass the catalog, each with its reason.
ALLOWED = {
    "cli/privileged_start.py": "runs before anything of ours is imported: standard library only",
    "cli/privileged_cmd.py: 'not a language code'": "the helper's language is not known yet",
}


def _has_words(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(WORDS.search(PROGRAM.sub("", node.value))) and not node.value.isidentifier()
    if isinstance(node, ast.JoinedStr):
        return any(_has_words(part) for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.BinOp):
        return _has_words(node.left) or _has_words(node.right)
    return False


def _untranslated(where: str, source: str) -> Iterator[str]:
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else ast.unparse(node.func)
        texts = [*(node.args[:2] if name in SINKS else [])]
        texts += [k.value for k in node.keywords if k.arg in TEXT_KEYWORDS]
        for text in texts:
            found = f"{where}: {ast.unparse(text)}"
            if _has_words(text) and where not in ALLOWED and found not in ALLOWED:
                yield f"{found} (line {node.lineno})"


def test_no_message_of_cli_core_or_platform_bypasses_the_catalog() -> None:
    """A literal with words handed to an error, print, verdict, step or help text is a string
    a person reads in English whatever the language (an f-string that only puts the program's
    name before a translated message is fine)."""
    found = [
        problem
        for folder in ("cli", "core", "platform")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for problem in _untranslated(str(path.relative_to(ROOT)), path.read_text("utf-8"))
    ]
    assert found == []


def test_the_scan_finds_an_untranslated_message() -> None:
    source = 'raise InputError("The file is gone.", tr("Check it."))\nprint(f"clustertrust: {x}")\n'
    assert list(_untranslated("core/sample.py", source)) == [
        "core/sample.py: 'The file is gone.' (line 1)"
    ]
