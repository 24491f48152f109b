"""core.i18n: one catalog for every layer, never used at import time, and English on demand
(machine output) for one thread only."""

from __future__ import annotations

import ast
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
    assert i18n.tr(RENEW_FIX).startswith("Laden Sie das erneuerte Bündel herunter")


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
