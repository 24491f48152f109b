"""Printing for the command line: JSON documents on stdout, messages for people on stderr."""

from __future__ import annotations

import json
import sys
from typing import Any

from clustertrust.core.errors import Cancelled, ClusterTrustError, InputError
from clustertrust.core.install import plan as plans
from clustertrust.core.model import Step

SYMBOL = {
    plans.StepStatus.DONE: "✓",
    plans.StepStatus.FAILED: "✗",
    plans.StepStatus.UNDONE: "↺",
    plans.StepStatus.UNDO_FAILED: "✗",
}


def print_json(document: Any) -> None:
    json.dump(document, sys.stdout, indent=2, sort_keys=False, default=str)
    sys.stdout.write("\n")


def report_error(error: ClusterTrustError, as_json: bool) -> int:
    """Say what went wrong and what to do; return the exit code for it."""
    print(f"clustertrust: {error.message}", file=sys.stderr)
    if error.fix:
        print(f"What to do: {error.fix}", file=sys.stderr)
    if as_json:
        print_json(
            {"error": {"message": error.message, "fix": error.fix, "exit_code": error.exit_code}}
        )
    return error.exit_code


def print_notes(notes: tuple[str, ...]) -> None:
    for note in notes:
        print(f"Note: {note}")


def confirm(yes: bool, question: str) -> None:
    """--yes skips the question; without a terminal to ask on, --yes is required."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise InputError(
            "Nothing was changed: there is no terminal to ask for confirmation.",
            "Read the plan with --dry-run, then run again with --yes.",
        )
    answer = input(f"{question} [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise Cancelled("Nothing was changed.", "")


def progress_printer(as_json: bool) -> plans.Progress:
    stream = sys.stderr if as_json else sys.stdout

    def show(index: int, step: Step, status: plans.StepStatus) -> None:
        mark = SYMBOL.get(status)
        if mark:
            label = "could not undo" if status is plans.StepStatus.UNDO_FAILED else ""
            print(f"{mark} {index + 1}. {label}{' ' if label else ''}{step.summary}", file=stream)
            stream.flush()

    return show
