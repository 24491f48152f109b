"""Core words a fix without naming a command: the command line appends the command from the
fix's remedies, the windows name their own buttons (core/remedy.py, gui/advice.py). A command
written into core's words would reach the windows as something to type in a terminal."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from clustertrust.core.i18n import tr
from clustertrust.core.remedy import Action, Remedy, for_terminal
from clustertrust.gui.advice import BUTTONS, OLDER, OLDER_ELSEWHERE, window_fix

CORE = Path(__file__).resolve().parents[1] / "core"
COMMAND = re.compile(r"clustertrust (install|repair|renew|uninstall|report|status|verify|cloud)\b")


def _strings(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    documented = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in documented
    ]


def test_core_words_name_no_command() -> None:
    found = [
        f"{path.relative_to(CORE)}:{line}: {text[:80]}"
        for path in sorted(CORE.rglob("*.py"))
        for line, text in _strings(path)
        if COMMAND.search(text)
    ]
    assert found == []


def test_each_front_end_says_a_remedy_its_own_way() -> None:
    remedies = (Remedy(Action.REPAIR), Remedy(Action.INSTALL, ("b.tgz", "--stores", "nss")))
    assert for_terminal("Put it back.", remedies) == (
        "Put it back. Run: clustertrust repair; clustertrust install b.tgz --stores nss"
    )
    said = window_fix("Put it back.", remedies)
    assert said.startswith("Put it back. Press Repair") and "clustertrust" not in said
    assert set(BUTTONS) == set(Action)  # every action has its words in the windows


def test_older_certificates_are_removed_with_their_own_button_not_the_cards_remove() -> None:
    # verify's note names the older items by fingerprint (core/verify/cluster.older_note)
    older = (Remedy(Action.UNINSTALL, ("0123456789abcdef",)),)
    in_window = window_fix("Remove them.", older, in_clusters_window=True)
    elsewhere = window_fix("Remove them.", older)
    assert in_window == f"Remove them. {tr(OLDER)}"
    assert elsewhere == f"Remove them. {tr(OLDER_ELSEWHERE)}"
    assert "Clusters on this computer…" in elsewhere and "Remove older certificates…" in elsewhere
    # removing everything stays the card's Remove…
    everything = (Remedy(Action.UNINSTALL, ("--all",)),)
    assert window_fix("", everything, in_clusters_window=True) == tr(BUTTONS[Action.UNINSTALL])
