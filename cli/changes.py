"""Showing, confirming and reporting changes for install, renew, uninstall (and repair)."""

from __future__ import annotations

import sys

from clustertrust.core import actions as plans
from clustertrust.core.errors import Cancelled, InputError
from clustertrust.core.i18n import tr
from clustertrust.core.model import Step

SYMBOL = {
    plans.StepStatus.DONE: "✓",
    plans.StepStatus.FAILED: "✗",
    plans.StepStatus.UNDONE: "↺",
    plans.StepStatus.UNDO_FAILED: "✗",
}


def print_notes(notes: tuple[str, ...]) -> None:
    for note in notes:
        print(tr("Note: {note}").format(note=tr(note)))


def confirm(yes: bool, question: str) -> None:
    """--yes skips the question; without a terminal to ask on, --yes is required."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise InputError(
            tr("Nothing was changed: there is no terminal to ask for confirmation."),
            tr("Read the plan with --dry-run, then run again with --yes."),
        )
    answer = input(tr("{question} [y/N] ").format(question=question)).strip().lower()
    if answer not in ("y", "yes", tr("y"), tr("yes")):
        raise Cancelled(tr("Nothing was changed."), "")


def progress_printer(as_json: bool) -> plans.Progress:
    stream = sys.stderr if as_json else sys.stdout

    def show(index: int, step: Step, status: plans.StepStatus) -> None:
        mark = SYMBOL.get(status)
        if mark:
            if status is plans.StepStatus.UNDO_FAILED:
                text = tr("could not undo {step}").format(step=step.summary)
            else:
                text = step.summary
            print(f"{mark} {index + 1}. {text}", file=stream)
            stream.flush()

    return show
